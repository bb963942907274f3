//! One renderer per kind of public page.

use super::context::{Neighbour, Pagination, PostPage};
use super::plan::{list_of, page_dir, range_of, timeline_dir};
use super::{builtin, Renderer};
use crate::site::{paginate, TimelineRef};
use anyhow::Context as _;

impl Renderer<'_> {
    pub(super) fn render_entry(&self, i: usize) -> anyhow::Result<Vec<u8>> {
        let site = self.site;
        let e = &site.entries[i];
        let at = self.page_at(&site.entry_dir(e));
        if e.kind == crate::content::Kind::Page {
            let mut ctx = self.page_ctx_at(&at);
            let p = self.post_ctx(i)?;
            ctx.insert(
                "page",
                &serde_json::json!({"title": p.label, "url": p.url, "content": p.content,
                    "description": p.description}),
            );
            return self.tera("page.html", &ctx);
        }
        let page = self.post_page(i)?;
        if self.builtin.post {
            return Ok(builtin::post_page(&self.chrome, &at, &page).into_bytes());
        }
        let mut ctx = self.page_ctx_at(&at);
        ctx.insert("thread", &page.thread);
        ctx.insert("reactions", &page.reactions);
        ctx.insert("mentions", &page.mentions);
        if let Some(parent) = &page.in_reply_to {
            ctx.insert("in_reply_to", parent);
        }
        ctx.insert("post", &page.post);
        ctx.insert("author", &page.author);
        ctx.insert("newer", &page.newer);
        ctx.insert("older", &page.older);
        self.tera("post.html", &ctx)
            .with_context(|| format!("rendering content/{}", e.source))
    }

    /// What a post's page shows, for Tera or the built-in writer.
    fn post_page(&self, i: usize) -> anyhow::Result<PostPage<'_>> {
        let site = self.site;
        let pos = site.post_position(i);
        let neighbour = |n: Option<usize>| {
            n.and_then(|n| site.posts.get(n)).map(|&j| Neighbour {
                label: &site.entries[j].label,
                url: self.path(&site.entry_dir(&site.entries[j])),
            })
        };
        let post = self.post_ctx(i)?;
        let (thread, reactions) = self.conversation_ctx(&post.url);
        Ok(PostPage {
            mentions: self.mentions_ctx(&post.content),
            in_reply_to: site.entries[i]
                .in_reply_to
                .as_ref()
                .map(|p| self.parent_ctx(p)),
            post,
            author: self.own_author(),
            thread,
            reactions,
            newer: neighbour(pos.and_then(|p| p.checked_sub(1))),
            older: neighbour(pos.map(|p| p + 1)),
        })
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
        let here = self.page_at(&page_dir(site, tag, archive));
        let refs = list[range_of(&paging, archive)]
            .iter()
            .map(|&i| TimelineRef::Own(i));
        let at = |n: Option<usize>| self.path(&page_dir(site, tag, n));
        let pagination = Pagination::new(archive, last, at);
        let fast = match tag {
            None => self.builtin.home,
            Some(_) => self.builtin.tag,
        };
        if fast {
            let cards = self.card_pieces(refs)?;
            let html = match tag {
                None => builtin::home(&self.chrome, &here, &pagination, &cards),
                Some(t) => {
                    let t = &site.tags[t];
                    let head = builtin::TagHead {
                        name: &t.name,
                        count: t.posts.len(),
                    };
                    builtin::tag(&self.chrome, &here, &pagination, &head, &cards)
                }
            };
            return Ok(html.into_bytes());
        }
        let mut ctx = self.page_ctx_at(&here);
        self.insert_cards(&mut ctx, "posts", refs)?;
        ctx.insert("pagination", &pagination);
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
        let here = self.page_at(&timeline_dir(archive));
        let refs = site.timeline[range_of(&paging, archive)].iter().copied();
        let at = |n: Option<usize>| self.path(&timeline_dir(n));
        let pagination = Pagination::new(archive, last, at);
        if self.builtin.timeline {
            let cards = self.card_pieces(refs)?;
            let friends = site.friends.len();
            let html = builtin::timeline(&self.chrome, &here, &pagination, friends, &cards);
            return Ok(html.into_bytes());
        }
        let mut ctx = self.page_ctx_at(&here);
        self.insert_cards(&mut ctx, "entries", refs)?;
        ctx.insert("friend_count", &site.friends.len());
        ctx.insert("pagination", &pagination);
        self.tera("timeline.html", &ctx)
    }

    pub(super) fn render_friends(&self) -> anyhow::Result<Vec<u8>> {
        let mut ctx = self.page_ctx("friends/");
        let friends = super::friends::friend_cards(self);
        ctx.insert("friends", &friends);
        self.tera("friends.html", &ctx)
    }
}
