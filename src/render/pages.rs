//! One renderer per kind of public page.

use super::context::{Author, Link, Neighbour, Pagination, PostCtx, TimelineEntry};
use super::plan::{list_of, page_dir, range_of, timeline_dir};
use super::text::strip_tags;
use super::Renderer;
use crate::content::display_date;
use crate::site::{paginate, TimelineRef};
use anyhow::Context as _;
use std::borrow::Cow;

impl Renderer<'_> {
    pub(super) fn render_entry(&self, i: usize) -> anyhow::Result<Vec<u8>> {
        let site = self.site;
        let e = &site.entries[i];
        let mut ctx = self.page_ctx(&site.entry_dir(e));
        if e.kind == crate::content::Kind::Page {
            let p = self.post_ctx(i)?;
            ctx.insert(
                "page",
                &serde_json::json!({"title": p.label, "url": p.url, "content": p.content,
                    "description": p.description}),
            );
            return self.tera("page.html", &ctx);
        }
        let pos = site.post_position(i);
        let neighbour = |n: Option<usize>| {
            n.and_then(|n| site.posts.get(n)).map(|&j| Neighbour {
                label: &site.entries[j].label,
                url: self.path(&site.entry_dir(&site.entries[j])),
            })
        };
        ctx.insert("post", &self.post_ctx(i)?);
        ctx.insert("newer", &neighbour(pos.and_then(|p| p.checked_sub(1))));
        ctx.insert("older", &neighbour(pos.map(|p| p + 1)));
        self.tera("post.html", &ctx)
            .with_context(|| format!("rendering content/{}", e.source))
    }

    pub(super) fn render_list(
        &self,
        tag: Option<usize>,
        archive: Option<usize>,
    ) -> anyhow::Result<Vec<u8>> {
        let site = self.site;
        let list = list_of(site, tag);
        let paging = paginate(list.len(), site.config.site.posts_per_page);
        let last = paging.archives.len();
        let mut ctx = self.page_ctx(&page_dir(site, tag, archive));
        let posts = list[range_of(&paging, archive)]
            .iter()
            .map(|&i| self.post_ctx(i))
            .collect::<anyhow::Result<Vec<_>>>()?;
        ctx.insert("posts", &posts);
        let at = |n: Option<usize>| self.path(&page_dir(site, tag, n));
        ctx.insert("pagination", &Pagination::new(archive, last, at));
        let Some(t) = tag else {
            return self.tera("index.html", &ctx);
        };
        let t = &site.tags[t];
        ctx.insert(
            "tag",
            &serde_json::json!({"name": t.name, "count": t.posts.len(),
                "url": self.path(&format!("tags/{}/", t.slug))}),
        );
        self.tera("tag.html", &ctx)
    }

    pub(super) fn render_tags(&self) -> anyhow::Result<Vec<u8>> {
        let mut ctx = self.page_ctx("tags/");
        let tags: Vec<_> = self
            .site
            .tags
            .iter()
            .map(|t| {
                serde_json::json!({"name": t.name, "count": t.posts.len(),
                    "url": self.path(&format!("tags/{}/", t.slug))})
            })
            .collect();
        ctx.insert("tags", &tags);
        self.tera("tags.html", &ctx)
    }

    pub(super) fn render_timeline(&self, archive: Option<usize>) -> anyhow::Result<Vec<u8>> {
        let site = self.site;
        let paging = paginate(site.timeline.len(), site.config.site.posts_per_page);
        let last = paging.archives.len();
        let mut ctx = self.page_ctx(&timeline_dir(archive));
        let entries = site.timeline[range_of(&paging, archive)]
            .iter()
            .map(|r| self.timeline_entry(*r))
            .collect::<anyhow::Result<Vec<_>>>()?;
        ctx.insert("entries", &entries);
        let at = |n: Option<usize>| self.path(&timeline_dir(n));
        ctx.insert("pagination", &Pagination::new(archive, last, at));
        self.tera("timeline.html", &ctx)
    }

    pub(super) fn render_friends(&self) -> anyhow::Result<Vec<u8>> {
        let mut ctx = self.page_ctx("friends/");
        let friends: Vec<_> = self
            .site
            .friends
            .iter()
            .map(|f| serde_json::json!({"name": f.name, "url": f.url, "avatar": f.avatar}))
            .collect();
        ctx.insert("friends", &friends);
        self.tera("friends.html", &ctx)
    }

    pub(super) fn timeline_entry(&self, r: TimelineRef) -> anyhow::Result<TimelineEntry<'_>> {
        let site = self.site;
        let cfg = &site.config.site;
        let j = match r {
            TimelineRef::Own(i) => {
                return Ok(TimelineEntry {
                    post: self.post_ctx(i)?,
                    author: Author {
                        name: &cfg.author,
                        url: cfg.base_url.clone(),
                        avatar: cfg.avatar_url(),
                    },
                    own: true,
                    private: site.entries[i].friends_only,
                })
            }
            TimelineRef::Friend(j) => j,
        };
        let p = &site.friend_posts[j];
        let f = &site.friends[p.friend];
        let content = (self.sanitise)(&p.content_html, &p.url);
        let text = crate::content::excerpt(&strip_tags(&content), 60);
        Ok(TimelineEntry {
            post: PostCtx {
                title: p.title.as_deref(),
                label: Cow::Owned(p.title.clone().unwrap_or(text.clone())),
                url: p.url.clone(),
                path: p.url.clone(),
                date: p.date.to_rfc3339(),
                date_display: display_date(&p.date),
                updated: p.updated.map(|d| d.to_rfc3339()),
                updated_display: p.updated.map(|d| display_date(&d)),
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
            },
            author: Author {
                name: &f.name,
                url: f.url.clone(),
                avatar: f.avatar.clone(),
            },
            own: false,
            private: p.private,
        })
    }
}
