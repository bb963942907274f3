//! One renderer per kind of public page.

use super::context::{Neighbour, Pagination};
use super::plan::{list_of, page_dir, range_of, timeline_dir};
use super::Renderer;
use crate::site::{paginate, TimelineRef};
use anyhow::Context as _;

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
        let post = self.post_ctx(i)?;
        let (thread, reactions) = self.conversation_ctx(&post.url);
        ctx.insert("thread", &thread);
        ctx.insert("reactions", &reactions);
        ctx.insert("mentions", &self.mentions_ctx(&post.content));
        if let Some(parent) = &e.in_reply_to {
            ctx.insert("in_reply_to", &self.parent_ctx(parent));
        }
        ctx.insert("post", &post);
        ctx.insert("author", &self.own_author());
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
        let refs = list[range_of(&paging, archive)].iter();
        self.insert_cards(&mut ctx, "posts", refs.map(|&i| TimelineRef::Own(i)))?;
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
        let refs = site.timeline[range_of(&paging, archive)].iter();
        self.insert_cards(&mut ctx, "entries", refs.copied())?;
        ctx.insert("friend_count", &site.friends.len());
        let at = |n: Option<usize>| self.path(&timeline_dir(n));
        ctx.insert("pagination", &Pagination::new(archive, last, at));
        self.tera("timeline.html", &ctx)
    }

    pub(super) fn render_friends(&self) -> anyhow::Result<Vec<u8>> {
        let mut ctx = self.page_ctx("friends/");
        let friends = super::friends::friend_cards(self);
        ctx.insert("friends", &friends);
        self.tera("friends.html", &ctx)
    }
}
