//! Rendering: the site model in, page bytes out. Each page's context holds only
//! what that page shows (never a whole collection), so builds stay linear.
//!
//! `plan` lists the outputs, `context` holds the template types, `pages`
//! renders each kind of public page (`card` each entry in a list, `friends`
//! each friend), `private` the owner's private view,
//! `feeds` the feeds and sitemap, `theme` loads the templates.

mod builtin;
mod card;
mod cards;
mod chrome;
mod context;
mod conversation;
pub mod feeds;
mod friends;
mod monogram;
mod pages;
mod plan;
mod private;
mod text;
pub mod theme;

pub use context::PostCtx;
pub use conversation::{Conversations, ParentRef, ReactionCount, ReplyLine};
pub use plan::{needed_entries, plan, Fp, Job, Planned, FEED_LIMIT};
pub use private::{ChatLine, Thread};
pub use text::{escape, tera_message};

use crate::site::Site;
use anyhow::anyhow;
use context::Link;
use std::borrow::Cow;
use tera::{Context, Tera};
use theme::Theme;

/// A page's own address: `page_url`, `page_path` and `section`.
struct PageAt {
    url: String,
    path: String,
    section: String,
}

/// Rendered markdown of one entry.
#[derive(Debug, Clone)]
pub struct Html {
    pub content: String,
    pub summary: Option<String>,
    /// Link and image targets with their line in the source file, for `check`.
    pub links: Vec<(String, usize)>,
}

/// Makes a friend's HTML safe to show, given the post's URL as the base for
/// relative links. The caller supplies it: render does no sanitising of its
/// own, and runs it only on the friends' posts a page shows.
pub type Sanitise = dyn Fn(&str, &str) -> String + Sync;

pub struct Renderer<'a> {
    pub site: &'a Site,
    tera: Tera,
    chrome: chrome::Chrome,
    base: Context,
    /// Pages written directly, without Tera (the built-in theme's, unchanged).
    builtin: builtin::Builtin,
    htmls: &'a [Option<Html>],
    base_path: String,
    sanitise: &'a Sanitise,
    /// Replies and reactions this view shows (none unless set).
    conversations: Option<&'a Conversations>,
    cards: cards::CardCache,
}

impl<'a> Renderer<'a> {
    pub fn new(
        site: &'a Site,
        theme: &Theme,
        htmls: &'a [Option<Html>],
        sanitise: &'a Sanitise,
    ) -> anyhow::Result<Self> {
        let mut tera = Tera::default();
        tera.add_raw_templates(
            theme
                .templates
                .iter()
                .map(|(n, t)| (n.as_str(), t.as_str())),
        )
        .map_err(|e| anyhow!("theme templates: {}", tera_message(&e)))?;
        tera.set_escape_fn(escape);
        let base_path = site.config.site.base_path().to_string();
        let chrome = chrome::Chrome::new(site, &base_path);
        Ok(Renderer {
            site,
            tera,
            base: chrome.context(),
            chrome,
            builtin: builtin::Builtin::detect(&theme.templates),
            htmls,
            base_path,
            sanitise,
            conversations: None,
            cards: cards::CardCache::new(site, &theme.templates),
        })
    }

    /// Shows `c`'s replies and reactions under the posts they belong to.
    pub fn with_conversations(mut self, c: &'a Conversations) -> Self {
        self.conversations = Some(c);
        self
    }

    fn path(&self, rel: &str) -> String {
        format!("{}{rel}", self.base_path)
    }

    pub fn post_ctx(&self, i: usize) -> anyhow::Result<PostCtx<'_>> {
        let e = &self.site.entries[i];
        let html = self.htmls[i]
            .as_ref()
            .ok_or_else(|| anyhow!("internal: {} was not rendered", e.source))?;
        let dir = self.site.entry_dir(e);
        Ok(PostCtx {
            title: e.title.as_deref(),
            label: Cow::Borrowed(&e.label),
            url: format!("{}{dir}", self.site.base_url()),
            path: self.path(&dir),
            date: e.date.to_rfc3339(),
            date_display: self.when(&e.date),
            updated: e.updated.map(|d| d.to_rfc3339()),
            updated_display: e.updated.map(|d| self.when(&d)),
            tags: e
                .tags
                .iter()
                .map(|t| Link {
                    name: t,
                    url: self.path(&format!("tags/{}/", slug::slugify(t))),
                })
                .collect(),
            content: Cow::Borrowed(&html.content),
            summary: html.summary.as_deref(),
            description: Cow::Borrowed(&e.description),
            draft: e.draft,
        })
    }

    /// Where page `rel` is, as its chrome needs it.
    fn page_at(&self, rel: &str) -> PageAt {
        PageAt {
            url: format!("{}{rel}", self.site.base_url()),
            path: self.path(rel),
            section: rel.split('/').next().unwrap_or("").to_string(),
        }
    }

    fn page_ctx(&self, rel: &str) -> Context {
        self.page_ctx_at(&self.page_at(rel))
    }

    fn page_ctx_at(&self, at: &PageAt) -> Context {
        let mut ctx = self.base.clone();
        ctx.insert("page_url", &at.url);
        // For aria-current in the navigation: the page, and its section.
        ctx.insert("page_path", &at.path);
        ctx.insert("section", &at.section);
        ctx
    }

    fn tera(&self, template: &str, ctx: &Context) -> anyhow::Result<Vec<u8>> {
        self.tera
            .render(template, ctx)
            .map(String::into_bytes)
            .map_err(|e| anyhow!("template {template}: {}", tera_message(&e)))
    }

    pub fn render(&self, job: Job) -> anyhow::Result<Vec<u8>> {
        match job {
            Job::Entry(i) => self.render_entry(i),
            Job::List { tag, archive } => self.render_list(tag, archive),
            Job::Tags => self.render_tags(),
            Job::Timeline { archive } => self.render_timeline(archive),
            Job::Friends => self.render_friends(),
            Job::Atom => {
                let mut ctx = self.page_ctx("atom.xml");
                let posts = self.feed_posts()?;
                ctx.insert("updated", &feeds::updated(self.site));
                ctx.insert("posts", &posts);
                self.tera("atom.xml", &ctx)
            }
            Job::JsonFeed => feeds::json_feed(self.site, &self.feed_posts()?),
            Job::Sitemap => Ok(feeds::sitemap_xml(self.site)),
            Job::NotFound => self.tera("404.html", &self.page_ctx("404.html")),
            Job::Robots => self.tera("robots.txt", &self.page_ctx("robots.txt")),
        }
    }

    fn feed_posts(&self) -> anyhow::Result<Vec<PostCtx<'_>>> {
        self.site
            .posts
            .iter()
            .take(FEED_LIMIT)
            .map(|&i| self.post_ctx(i))
            .collect()
    }
}
