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

/// One slot per own entry and per friend's post, filled on first use.
pub(super) struct CardCache {
    own: Vec<OnceLock<String>>,
    friend: Vec<OnceLock<String>>,
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
    /// The HTML of `r`'s card, rendered at most once per build.
    fn card_html(&self, r: TimelineRef) -> anyhow::Result<&str> {
        let slot = match r {
            TimelineRef::Own(i) => self.cards.own.get(i),
            TimelineRef::Friend(j) => self.cards.friend.get(j),
        }
        .ok_or_else(|| anyhow::anyhow!("internal: no card slot for {r:?}"))?;
        if let Some(html) = slot.get() {
            return Ok(html);
        }
        let card = self.card(r)?;
        let html = if self.builtin.card {
            super::builtin::card(&card)
        } else {
            let mut ctx = Context::new();
            ctx.insert("e", &card);
            String::from_utf8(self.tera("partials/card.html", &ctx)?)?
        };
        // Two threads may race to fill a slot; both render the same bytes.
        Ok(slot.get_or_init(|| html))
    }

    /// The HTML of each of `refs`' cards.
    pub(super) fn cards_html(
        &self,
        refs: impl Iterator<Item = TimelineRef>,
    ) -> anyhow::Result<Vec<&str>> {
        refs.map(|r| self.card_html(r)).collect()
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
