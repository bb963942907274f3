//! Rendering: the site model in, page bytes out. Each page's context holds only
//! what that page shows (never a whole collection), so builds stay linear.
//!
//! Over 500 lines for now: the output plan, the page contexts and the
//! private view's renderer still share this file; splitting them is the
//! remaining part of issue #10's layout work (see ARCHITECTURE.md).

pub mod feeds;
pub mod theme;

use crate::content::{display_date, Entry};
use crate::site::{paginate, Paging, Site, TimelineRef};
use anyhow::{anyhow, Context as _};
use serde::Serialize;
use std::borrow::Cow;
use tera::{Context, Tera};
use theme::Theme;

/// Newest posts carried by each feed.
pub const FEED_LIMIT: usize = 20;

/// Rendered markdown of one entry.
#[derive(Debug, Clone)]
pub struct Html {
    pub content: String,
    pub summary: Option<String>,
    /// Link and image targets with their line in the source file, for `check`.
    pub links: Vec<(String, usize)>,
}

/// One output file to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Entry(usize),
    /// A timeline page: all posts or one tag's (index into `Site::tags`);
    /// `archive` is None for the first page, else the archive page number.
    List {
        tag: Option<usize>,
        archive: Option<usize>,
    },
    Tags,
    /// The merged timeline of own and friends' posts.
    Timeline {
        archive: Option<usize>,
    },
    Friends,
    Atom,
    JsonFeed,
    Sitemap,
    NotFound,
    Robots,
}

pub struct Planned {
    /// Output-relative path, `/`-separated.
    pub path: String,
    pub job: Job,
    /// Hash of every input of the page; unchanged means the page is unchanged.
    pub fingerprint: u128,
}

/// Small helper for fingerprints.
pub struct Fp(xxhash_rust::xxh3::Xxh3);

impl Fp {
    pub fn new(seed: u128) -> Fp {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(&seed.to_le_bytes());
        Fp(h)
    }
    pub fn str(mut self, s: &str) -> Fp {
        self.0.update(&(s.len() as u64).to_le_bytes());
        self.0.update(s.as_bytes());
        self
    }
    pub fn num(mut self, n: u128) -> Fp {
        self.0.update(&n.to_le_bytes());
        self
    }
    pub fn done(self) -> u128 {
        self.0.digest128()
    }
}

fn list_of(site: &Site, tag: Option<usize>) -> &[usize] {
    match tag {
        Some(t) => &site.tags[t].posts,
        None => &site.posts,
    }
}

fn list_dir(site: &Site, tag: Option<usize>) -> String {
    match tag {
        Some(t) => format!("tags/{}/", site.tags[t].slug),
        None => String::new(),
    }
}

fn page_dir(site: &Site, tag: Option<usize>, archive: Option<usize>) -> String {
    match archive {
        Some(n) => format!("{}page/{n}/", list_dir(site, tag)),
        None => list_dir(site, tag),
    }
}

fn timeline_dir(archive: Option<usize>) -> String {
    match archive {
        Some(n) => format!("timeline/page/{n}/"),
        None => "timeline/".into(),
    }
}

fn range_of(paging: &Paging, archive: Option<usize>) -> std::ops::Range<usize> {
    match archive {
        Some(n) => paging.archives[n - 1].clone(),
        None => paging.home.clone(),
    }
}

/// Every output of the site with its fingerprint. `entry_fp[i]` covers entry
/// `i`'s source and whatever its rendering depends on.
pub fn plan(site: &Site, globals: u128, entry_fp: &[u128]) -> Vec<Planned> {
    let mut out = Vec::with_capacity(site.posts.len() * 2 + 16);
    let per = site.config.site.posts_per_page;
    let fp_of = |i: usize| entry_fp[i];
    for (pos, &i) in site.posts.iter().enumerate() {
        let e = &site.entries[i];
        let mut fp = Fp::new(globals).str("post").num(fp_of(i));
        for n in [pos.checked_sub(1), Some(pos + 1)] {
            match n.and_then(|n| site.posts.get(n)) {
                Some(&j) => fp = fp.str(&site.entries[j].label).str(&site.entries[j].slug),
                None => fp = fp.str(""),
            }
        }
        out.push(Planned {
            path: format!("{}index.html", site.entry_dir(e)),
            job: Job::Entry(i),
            fingerprint: fp.done(),
        });
    }
    for &i in &site.pages {
        out.push(Planned {
            path: format!("{}index.html", site.entry_dir(&site.entries[i])),
            job: Job::Entry(i),
            fingerprint: Fp::new(globals).str("page").num(fp_of(i)).done(),
        });
    }
    for tag in std::iter::once(None).chain((0..site.tags.len()).map(Some)) {
        let list = list_of(site, tag);
        let paging = paginate(list.len(), per);
        let name = tag.map_or("", |t| site.tags[t].name.as_str());
        for archive in std::iter::once(None).chain((1..=paging.archives.len()).map(Some)) {
            let mut fp = Fp::new(globals)
                .str("list")
                .str(name)
                .num(archive.unwrap_or(0) as u128)
                .num(paging.archives.len() as u128);
            for &i in &list[range_of(&paging, archive)] {
                fp = fp.num(fp_of(i));
            }
            out.push(Planned {
                path: format!("{}index.html", page_dir(site, tag, archive)),
                job: Job::List { tag, archive },
                fingerprint: fp.done(),
            });
        }
    }
    let paging = paginate(site.timeline.len(), per);
    for archive in std::iter::once(None).chain((1..=paging.archives.len()).map(Some)) {
        let mut fp = Fp::new(globals)
            .str("timeline")
            .num(archive.unwrap_or(0) as u128)
            .num(paging.archives.len() as u128);
        for r in &site.timeline[range_of(&paging, archive)] {
            fp = match *r {
                TimelineRef::Own(i) => fp.num(fp_of(i)),
                TimelineRef::Friend(j) => fp.num(site.friend_posts[j].fingerprint),
            };
        }
        out.push(Planned {
            path: format!("{}index.html", timeline_dir(archive)),
            job: Job::Timeline { archive },
            fingerprint: fp.done(),
        });
    }
    let mut friends_fp = Fp::new(globals).str("friends");
    for f in &site.friends {
        friends_fp = friends_fp
            .str(&f.url)
            .str(&f.name)
            .str(f.avatar.as_deref().unwrap_or(""));
    }
    out.push(Planned {
        path: "friends/index.html".into(),
        job: Job::Friends,
        fingerprint: friends_fp.done(),
    });
    let mut tags_fp = Fp::new(globals).str("tags");
    for t in &site.tags {
        tags_fp = tags_fp.str(&t.name).num(t.posts.len() as u128);
    }
    out.push(Planned {
        path: "tags/index.html".into(),
        job: Job::Tags,
        fingerprint: tags_fp.done(),
    });
    let mut feed_fp = Fp::new(globals).str("feed");
    for &i in site.posts.iter().take(FEED_LIMIT) {
        feed_fp = feed_fp.num(fp_of(i));
    }
    let feed_fp = feed_fp.done();
    out.push(Planned {
        path: "atom.xml".into(),
        job: Job::Atom,
        fingerprint: feed_fp,
    });
    out.push(Planned {
        path: "feed.json".into(),
        job: Job::JsonFeed,
        fingerprint: feed_fp,
    });
    let mut map_fp = Fp::new(globals).str("sitemap");
    for &i in site.posts.iter().chain(&site.pages) {
        let e = &site.entries[i];
        map_fp = map_fp.str(&e.slug).str(&lastmod(e));
    }
    for t in &site.tags {
        map_fp = map_fp.str(&t.slug);
    }
    out.push(Planned {
        path: "sitemap.xml".into(),
        job: Job::Sitemap,
        fingerprint: map_fp.done(),
    });
    for (path, job) in [("404.html", Job::NotFound), ("robots.txt", Job::Robots)] {
        out.push(Planned {
            path: path.into(),
            job,
            fingerprint: Fp::new(globals).str(path).done(),
        });
    }
    out
}

fn lastmod(e: &Entry) -> String {
    e.updated.unwrap_or(e.date).to_rfc3339()
}

/// Entries whose HTML a job needs.
pub fn needed_entries(site: &Site, job: Job) -> Vec<usize> {
    match job {
        Job::Entry(i) => vec![i],
        Job::List { tag, archive } => {
            let list = list_of(site, tag);
            let paging = paginate(list.len(), site.config.site.posts_per_page);
            list[range_of(&paging, archive)].to_vec()
        }
        Job::Timeline { archive } => {
            let paging = paginate(site.timeline.len(), site.config.site.posts_per_page);
            site.timeline[range_of(&paging, archive)]
                .iter()
                .filter_map(|r| match r {
                    TimelineRef::Own(i) => Some(*i),
                    TimelineRef::Friend(_) => None,
                })
                .collect()
        }
        Job::Atom | Job::JsonFeed => site.posts.iter().take(FEED_LIMIT).copied().collect(),
        _ => Vec::new(),
    }
}

#[derive(Serialize)]
struct Link<'a> {
    name: &'a str,
    url: String,
}

#[derive(Serialize)]
pub struct PostCtx<'a> {
    pub title: Option<&'a str>,
    pub label: Cow<'a, str>,
    pub url: String,
    pub path: String,
    pub date: String,
    pub date_display: String,
    pub updated: Option<String>,
    pub updated_display: Option<String>,
    tags: Vec<Link<'a>>,
    pub content: Cow<'a, str>,
    pub summary: Option<&'a str>,
    pub description: Cow<'a, str>,
}

impl PostCtx<'_> {
    pub fn tag_names(&self) -> Vec<&str> {
        self.tags.iter().map(|t| t.name).collect()
    }
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
    url: String,
    avatar: Option<String>,
}

#[derive(Serialize)]
struct TimelineEntry<'a> {
    #[serde(flatten)]
    post: PostCtx<'a>,
    author: Author<'a>,
    /// False for a friend's post.
    own: bool,
    /// A friends-only post (only ever in the private view).
    private: bool,
}

/// A conversation for the private view.
pub struct Thread<'a> {
    pub slug: String,
    pub name: &'a str,
    pub url: &'a str,
    pub unread: i64,
    pub messages: Vec<ChatLine>,
}

/// One message of a conversation, as the private view shows it.
pub struct ChatLine {
    /// Sent by the owner (else received).
    pub mine: bool,
    pub body: String,
    /// Milliseconds since the epoch.
    pub at: i64,
    pub state: String,
}

#[derive(Serialize)]
struct MessageCtx<'a> {
    mine: bool,
    body: &'a str,
    at: String,
    at_display: String,
    state: &'a str,
}

fn ms_time(ms: i64) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .fixed_offset()
}

/// Text of sanitised HTML, for labels (tags dropped, entities kept escaped).
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[derive(Serialize)]
struct Neighbour<'a> {
    label: &'a str,
    url: String,
}

#[derive(Serialize)]
struct Pagination {
    number: Option<usize>,
    last: usize,
    older: Option<String>,
    newer: Option<String>,
}

impl Pagination {
    /// Links for page `archive` (None: the first page) of a list with `last`
    /// archive pages numbered from the oldest; `at` gives a page's URL.
    fn new(
        archive: Option<usize>,
        last: usize,
        at: impl Fn(Option<usize>) -> String,
    ) -> Pagination {
        let (older, newer) = match archive {
            None => ((last > 0).then(|| at(Some(last))), None),
            Some(n) => (
                (n > 1).then(|| at(Some(n - 1))),
                Some(if n < last { at(Some(n + 1)) } else { at(None) }),
            ),
        };
        Pagination {
            number: archive,
            last,
            older,
            newer,
        }
    }
}

/// Makes a friend's HTML safe to show, given the post's URL as the base for
/// relative links. The caller supplies it: render does no sanitising of its
/// own, and runs it only on the friends' posts a page shows.
pub type Sanitise = dyn Fn(&str, &str) -> String + Sync;

pub struct Renderer<'a> {
    pub site: &'a Site,
    tera: Tera,
    base: Context,
    htmls: &'a [Option<Html>],
    base_path: String,
    sanitise: &'a Sanitise,
}

/// Escapes text for HTML and XML. Unlike Tera's default it leaves `/`
/// alone: escaping it is not needed in text or quoted attributes, and it
/// makes every URL three times longer.
pub fn escape(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 8);
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Tera's errors nest the useful part; flatten the chain into one message.
pub fn tera_message(err: &tera::Error) -> String {
    let mut msg = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
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
        let cfg = &site.config.site;
        let base_path = cfg.base_path().to_string();
        let mut base = Context::new();
        let avatar = cfg.avatar_url();
        base.insert(
            "site",
            &serde_json::json!({
                "title": cfg.title, "author": cfg.author, "bio": cfg.bio, "avatar": avatar,
                "language": cfg.language, "base_url": cfg.base_url, "base_path": base_path,
            }),
        );
        base.insert(
            "urls",
            &serde_json::json!({
                "home": base_path, "atom": format!("{base_path}atom.xml"),
                "json_feed": format!("{base_path}feed.json"), "tags": format!("{base_path}tags/"),
                "style": format!("{base_path}style.css"),
                "timeline": format!("{base_path}timeline/"),
                "friends": format!("{base_path}friends/"),
                "discovery": format!("{base_path}.well-known/microsocial.json"),
                "webmention": cfg.webmention_url(&site.config.federation),
            }),
        );
        let nav: Vec<_> = site
            .pages
            .iter()
            .map(|&i| {
                let e = &site.entries[i];
                serde_json::json!({"title": e.label, "url": format!("{base_path}{}", site.entry_dir(e))})
            })
            .collect();
        base.insert("nav", &nav);
        base.insert(
            "generator",
            &format!("Microsocial {}", env!("CARGO_PKG_VERSION")),
        );
        Ok(Renderer {
            site,
            tera,
            base,
            htmls,
            base_path,
            sanitise,
        })
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
            date_display: display_date(&e.date),
            updated: e.updated.map(|d| d.to_rfc3339()),
            updated_display: e.updated.map(|d| display_date(&d)),
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
        })
    }

    fn page_ctx(&self, rel: &str) -> Context {
        let mut ctx = self.base.clone();
        ctx.insert("page_url", &format!("{}{rel}", self.site.base_url()));
        ctx
    }

    fn tera(&self, template: &str, ctx: &Context) -> anyhow::Result<Vec<u8>> {
        self.tera
            .render(template, ctx)
            .map(String::into_bytes)
            .map_err(|e| anyhow!("template {template}: {}", tera_message(&e)))
    }

    pub fn render(&self, job: Job) -> anyhow::Result<Vec<u8>> {
        let site = self.site;
        match job {
            Job::Entry(i) => {
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
            Job::List { tag, archive } => {
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
                if let Some(t) = tag {
                    let t = &site.tags[t];
                    ctx.insert(
                        "tag",
                        &serde_json::json!({"name": t.name, "count": t.posts.len(),
                            "url": self.path(&format!("tags/{}/", t.slug))}),
                    );
                    self.tera("tag.html", &ctx)
                } else {
                    self.tera("index.html", &ctx)
                }
            }
            Job::Tags => {
                let mut ctx = self.page_ctx("tags/");
                let tags: Vec<_> = site
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
            Job::Timeline { archive } => {
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
            Job::Friends => {
                let mut ctx = self.page_ctx("friends/");
                let friends: Vec<_> = site
                    .friends
                    .iter()
                    .map(|f| serde_json::json!({"name": f.name, "url": f.url, "avatar": f.avatar}))
                    .collect();
                ctx.insert("friends", &friends);
                self.tera("friends.html", &ctx)
            }
            Job::Atom => {
                let mut ctx = self.page_ctx("atom.xml");
                let posts = self.feed_posts()?;
                ctx.insert("updated", &feeds::updated(site));
                ctx.insert("posts", &posts);
                self.tera("atom.xml", &ctx)
            }
            Job::JsonFeed => feeds::json_feed(site, &self.feed_posts()?),
            Job::Sitemap => Ok(feeds::sitemap_xml(site)),
            Job::NotFound => self.tera("404.html", &self.page_ctx("404.html")),
            Job::Robots => self.tera("robots.txt", &self.page_ctx("robots.txt")),
        }
    }

    fn timeline_entry(&self, r: TimelineRef) -> anyhow::Result<TimelineEntry<'_>> {
        let site = self.site;
        let cfg = &site.config.site;
        Ok(match r {
            TimelineRef::Own(i) => TimelineEntry {
                post: self.post_ctx(i)?,
                author: Author {
                    name: &cfg.author,
                    url: cfg.base_url.clone(),
                    avatar: cfg.avatar_url(),
                },
                own: true,
                private: site.entries[i].friends_only,
            },
            TimelineRef::Friend(j) => {
                let p = &site.friend_posts[j];
                let f = &site.friends[p.friend];
                let content = (self.sanitise)(&p.content_html, &p.url);
                let text = crate::content::excerpt(&strip_tags(&content), 60);
                TimelineEntry {
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
                }
            }
        })
    }

    /// The private view's front page: the newest `limit` timeline entries
    /// (friends-only posts included) and the conversations.
    pub fn render_home(&self, limit: usize, threads: &[Thread<'_>]) -> anyhow::Result<Vec<u8>> {
        let mut ctx = self.page_ctx("home/");
        let entries = self
            .site
            .timeline
            .iter()
            .take(limit)
            .map(|r| self.timeline_entry(*r))
            .collect::<anyhow::Result<Vec<_>>>()?;
        ctx.insert("entries", &entries);
        let convs: Vec<_> = threads
            .iter()
            .map(|t| {
                serde_json::json!({"name": t.name, "friend_url": t.url, "unread": t.unread,
                    "count": t.messages.len(), "url": format!("/home/messages/{}/", t.slug)})
            })
            .collect();
        ctx.insert("conversations", &convs);
        self.tera("home.html", &ctx)
    }

    pub fn render_thread(&self, t: &Thread<'_>) -> anyhow::Result<Vec<u8>> {
        let mut ctx = self.page_ctx("home/");
        let messages: Vec<MessageCtx> = t
            .messages
            .iter()
            .map(|m| MessageCtx {
                mine: m.mine,
                body: &m.body,
                at: ms_time(m.at).to_rfc3339(),
                at_display: ms_time(m.at).format("%-d %b %Y %H:%M").to_string(),
                state: &m.state,
            })
            .collect();
        ctx.insert("friend", &serde_json::json!({"name": t.name, "url": t.url}));
        ctx.insert("messages", &messages);
        self.tera("thread.html", &ctx)
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
