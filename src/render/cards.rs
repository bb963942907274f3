//! Cards rendered once per build: each list or timeline entry's HTML is made
//! by `partials/card.html` the first time a page needs it and reused on every
//! other list page that shows it (ARCHITECTURE.md, "Cards"). A home page, a
//! tag page and the timeline then share one rendering instead of three.

use super::{card::Card, Renderer};
use crate::site::{Site, TimelineRef};
use std::sync::OnceLock;
use tera::Context;

/// The list templates that receive the cards.
const LIST_TEMPLATES: [&str; 3] = ["index.html", "tag.html", "timeline.html"];

/// A rendered card. An own post's card built by the built-in theme keeps
/// only the HTML around the post's body, which the renderer holds already:
/// a copy of every post's HTML in its card doubled the cards' memory.
enum Slot {
    Whole(String),
    Around {
        head: String,
        entry: usize,
        summary: bool,
        tail: String,
    },
}

/// One slot per own entry and per friend's post, filled on first use.
pub(super) struct CardCache {
    own: Vec<OnceLock<Slot>>,
    friend: Vec<OnceLock<Slot>>,
    /// A site that overrides a list template may read each card's fields
    /// (`posts`, `entries`), so they are given to it as well.
    pub fields: bool,
}

impl CardCache {
    pub(super) fn new(site: &Site, templates: &[(String, String)]) -> CardCache {
        let default = super::theme::DEFAULT_TEMPLATES;
        let fields = templates.iter().any(|(n, t)| {
            LIST_TEMPLATES.contains(&n.as_str())
                && default.iter().all(|(dn, dt)| dn != n || dt != t)
        });
        CardCache {
            own: (0..site.entries.len()).map(|_| OnceLock::new()).collect(),
            friend: (0..site.friend_posts.len())
                .map(|_| OnceLock::new())
                .collect(),
            fields,
        }
    }
}

impl Renderer<'_> {
    /// `r`'s card, rendered at most once per build.
    fn card_slot(&self, r: TimelineRef) -> anyhow::Result<&Slot> {
        let slot = match r {
            TimelineRef::Own(i) => self.cards.own.get(i),
            TimelineRef::Friend(j) => self.cards.friend.get(j),
        }
        .ok_or_else(|| anyhow::anyhow!("internal: no card slot for {r:?}"))?;
        if let Some(done) = slot.get() {
            return Ok(done);
        }
        let card = self.card(r)?;
        let made = if self.builtin.card {
            let (mut head, body, mut tail) = super::builtin::card(&card);
            // Kept until the build ends: no slack.
            head.shrink_to_fit();
            tail.shrink_to_fit();
            match self.body_of(r, body) {
                Some((entry, summary)) => Slot::Around {
                    head,
                    entry,
                    summary,
                    tail,
                },
                None => Slot::Whole(head + body + &tail),
            }
        } else {
            let mut ctx = Context::new();
            ctx.insert("e", &card);
            Slot::Whole(String::from_utf8(self.tera("partials/card.html", &ctx)?)?)
        };
        // Two threads may race to fill a slot; both render the same bytes.
        Ok(slot.get_or_init(|| made))
    }

    /// Which of own entry `r`'s kept HTML `body` is: (entry, summary?).
    fn body_of(&self, r: TimelineRef, body: &str) -> Option<(usize, bool)> {
        let TimelineRef::Own(i) = r else {
            return None;
        };
        let html = self.htmls.get(i)?.as_ref()?;
        if html
            .summary
            .as_deref()
            .is_some_and(|s| std::ptr::eq(s, body))
        {
            return Some((i, true));
        }
        std::ptr::eq(html.content.as_str(), body).then_some((i, false))
    }

    /// Appends the pieces of `slot`'s HTML to `out`.
    fn push_pieces<'s>(&'s self, slot: &'s Slot, out: &mut Vec<&'s str>) -> anyhow::Result<()> {
        match slot {
            Slot::Whole(html) => out.push(html),
            Slot::Around {
                head,
                entry,
                summary,
                tail,
            } => {
                let html = self.htmls[*entry]
                    .as_ref()
                    .ok_or_else(|| anyhow::anyhow!("internal: entry {entry} was not rendered"))?;
                let body = match summary {
                    true => html.summary.as_deref().unwrap_or_default(),
                    false => html.content.as_str(),
                };
                out.extend([head.as_str(), body, tail.as_str()]);
            }
        }
        Ok(())
    }

    /// The HTML of `refs`' cards in order, in pieces to be joined (a card
    /// may be more than one piece).
    pub(super) fn card_pieces(
        &self,
        refs: impl Iterator<Item = TimelineRef>,
    ) -> anyhow::Result<Vec<&str>> {
        let mut pieces = Vec::new();
        for r in refs {
            self.push_pieces(self.card_slot(r)?, &mut pieces)?;
        }
        Ok(pieces)
    }

    /// The HTML of each of `refs`' cards, whole.
    fn cards_html(&self, refs: impl Iterator<Item = TimelineRef>) -> anyhow::Result<Vec<String>> {
        refs.map(|r| {
            let mut pieces = Vec::new();
            self.push_pieces(self.card_slot(r)?, &mut pieces)?;
            Ok(pieces.concat())
        })
        .collect()
    }

    /// Puts the cards of `refs` into a list page's context: `cards` (their
    /// HTML) and, for a site with its own list template, `name` (their fields).
    pub(super) fn insert_cards(
        &self,
        ctx: &mut Context,
        name: &str,
        refs: impl Iterator<Item = TimelineRef> + Clone,
    ) -> anyhow::Result<()> {
        ctx.insert("cards", &self.cards_html(refs.clone())?);
        if self.cards.fields {
            let fields = refs
                .map(|r| self.card(r))
                .collect::<anyhow::Result<Vec<Card<'_>>>>()?;
            ctx.insert(name, &fields);
        }
        Ok(())
    }
}
