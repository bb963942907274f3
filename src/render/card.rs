//! The card: one timeline or list entry with its author, as `card.html`
//! shows it. A card's context depends only on its entry (and the site's
//! settings), never on the page it is on, so one rendering can be reused on
//! every list page (ARCHITECTURE.md, "Cards").

use super::context::{Author, Link, PostCtx};
use super::monogram::monogram;
use super::text::strip_tags;
use super::Renderer;
use crate::config::RemoteImages;
use crate::site::{FriendInfo, TimelineRef};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use std::borrow::Cow;

/// Avatar size in the card header, in CSS pixels.
pub(super) const AVATAR: u32 = 32;

#[derive(Serialize)]
pub(super) struct Card<'a> {
    #[serde(flatten)]
    pub post: PostCtx<'a>,
    pub author: Author<'a>,
    /// False for a friend's post.
    pub own: bool,
    /// A friends-only post (only ever in the private view).
    pub private: bool,
    /// Replies under it and reactions to it, when the view shows them.
    pub thread: Vec<super::conversation::ReplyCtx>,
    pub reactions: Vec<super::conversation::ReactionCount>,
}

/// The host of a site address, for showing beside a name.
pub(super) fn host_of(url: &str) -> String {
    crate::siteurl::host(url).to_string()
}

impl Renderer<'_> {
    /// `d` as the owner reads it: local date, time and zone.
    pub(super) fn when(&self, d: &DateTime<FixedOffset>) -> String {
        let zone = self.site.config.site.timezone;
        zone.show(d.with_timezone(&Utc)).label()
    }

    pub(super) fn own_author(&self) -> Author<'_> {
        let cfg = &self.site.config.site;
        let name = cfg.author.as_str();
        Author {
            name,
            url: cfg.base_url.clone(),
            host: host_of(&cfg.base_url),
            // A file of the site itself is linked root-relative, so the
            // preview shows it too.
            avatar: cfg.avatar.as_ref().map(|a| match a.contains("://") {
                true => a.clone(),
                false => self.path(a.trim_start_matches('/')),
            }),
            monogram: monogram(name, &cfg.base_url, AVATAR),
        }
    }

    /// A friend's avatar is an image on their host: it is loaded only with
    /// `remote_images = "load"`; otherwise the monogram stands in for it.
    pub(super) fn friend_author<'f>(&self, f: &'f FriendInfo, size: u32) -> Author<'f> {
        let load = self.site.config.federation.remote_images == RemoteImages::Load;
        Author {
            name: &f.name,
            url: f.url.clone(),
            host: host_of(&f.url),
            avatar: f.avatar.clone().filter(|_| load),
            monogram: monogram(&f.name, &f.url, size),
        }
    }

    pub(super) fn card(&self, r: TimelineRef) -> anyhow::Result<Card<'_>> {
        let site = self.site;
        let j = match r {
            TimelineRef::Own(i) => {
                let post = self.post_ctx(i)?;
                let (thread, reactions) = self.conversation_ctx(&post.url);
                return Ok(Card {
                    post,
                    author: self.own_author(),
                    own: true,
                    private: site.entries[i].friends_only,
                    thread,
                    reactions,
                });
            }
            TimelineRef::Friend(j) => j,
        };
        let p = &site.friend_posts[j];
        let content = (self.sanitise)(&p.content_html, &p.url);
        let text = crate::content::excerpt(&strip_tags(&content), 60);
        let (thread, reactions) = self.conversation_ctx(&p.url);
        Ok(Card {
            post: PostCtx {
                title: p.title.as_deref(),
                label: Cow::Owned(p.title.clone().unwrap_or(text.clone())),
                url: p.url.clone(),
                path: p.url.clone(),
                date: p.date.to_rfc3339(),
                date_display: self.when(&p.date),
                updated: p.updated.map(|d| d.to_rfc3339()),
                updated_display: p.updated.map(|d| self.when(&d)),
                tags: p
                    .tags
                    .iter()
                    // Tags are labels (PROTOCOL.md §6): a friend's site
                    // promises no tag pages, so a tag leads to the post.
                    .map(|t| Link {
                        name: t,
                        url: p.url.clone(),
                    })
                    .collect(),
                content: Cow::Owned(content),
                summary: None,
                description: Cow::Owned(text),
                draft: false,
            },
            author: self.friend_author(&site.friends[p.friend], AVATAR),
            own: false,
            private: p.private,
            thread,
            reactions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn hosts_are_taken_from_site_addresses() {
        assert_eq!(host_of("https://ann.example/"), "ann.example");
        assert_eq!(host_of("https://bo.example:8443/blog/"), "bo.example:8443");
        assert_eq!(host_of("bare.example"), "bare.example");
    }
}
