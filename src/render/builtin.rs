//! The built-in theme's post page and card, written directly: byte for byte
//! what Tera makes of `base.html`, `post.html`, `macros.html` and the
//! partials, at a fraction of the cost (ARCHITECTURE.md, "The built-in
//! theme's fast path"). It is used only while the site overrides none of
//! those templates; `tests/builtin.rs` builds varied sites both ways and
//! compares every file. A change to one of those templates must be made
//! here too, and that test says where they differ.

use super::card::{Author, Card};
use super::chrome::Chrome;
use super::context::{PostCtx, PostPage};
use super::text::escape_into;
use super::PageAt;

/// Which pages are written here rather than by Tera.
pub(super) struct Builtin {
    pub post: bool,
    pub card: bool,
}

/// The templates each fast path stands for.
const POST: [&str; 5] = [
    "base.html",
    "post.html",
    "macros.html",
    "partials/reactions.html",
    "partials/thread.html",
];
const CARD: [&str; 2] = ["macros.html", "partials/card.html"];

impl Builtin {
    pub fn detect(templates: &[(String, String)]) -> Builtin {
        let unchanged = |names: &[&str]| {
            names.iter().all(|name| {
                let default = super::theme::DEFAULT_TEMPLATES
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, t)| *t);
                let used = templates.iter().find(|(n, _)| n == name);
                default.is_some() && used.is_some_and(|(_, t)| Some(t.as_str()) == default)
            })
        };
        Builtin {
            post: unchanged(&POST),
            card: unchanged(&CARD),
        }
    }
}

/// An HTML buffer: `raw` is template text or `| safe` HTML, `text` escapes
/// as Tera's autoescape does (`text::escape`).
struct Out(String);

impl Out {
    fn raw(&mut self, s: &str) -> &mut Out {
        self.0.push_str(s);
        self
    }

    fn text(&mut self, s: &str) -> &mut Out {
        escape_into(&mut self.0, s);
        self
    }

    /// Tera's truthiness of an optional string: absent or empty is false.
    fn when(&mut self, s: Option<&str>, f: impl FnOnce(&mut Out, &str)) -> &mut Out {
        if let Some(s) = s.filter(|s| !s.is_empty()) {
            f(self, s);
        }
        self
    }
}

/// `post.html` inside `base.html`.
pub(super) fn post_page(chrome: &Chrome, at: &PageAt, page: &PostPage<'_>) -> String {
    let mut o = Out(String::with_capacity(page.post.content.len() + 4096));
    let p = &page.post;
    head_start(&mut o, chrome);
    o.raw("<link rel=\"webmention\" href=\"")
        .text(&chrome.urls.webmention)
        .raw("\">");
    o.raw("\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
        .text(&p.label)
        .raw(" · ")
        .text(&chrome.site.title)
        .raw("</title>\n<meta name=\"description\" content=\"")
        .text(&p.description)
        .raw("\">\n");
    head_links(&mut o, chrome, at);
    o.raw(
        "<meta property=\"og:type\" content=\"article\">\n<meta property=\"og:title\" content=\"",
    )
    .text(&p.label)
    .raw("\">\n<meta property=\"og:description\" content=\"")
    .text(&p.description)
    .raw("\">\n<meta property=\"article:published_time\" content=\"")
    .text(&p.date)
    .raw("\">");
    body_start(&mut o, chrome, at);
    post_content(&mut o, page);
    body_end(&mut o, chrome);
    o.0
}

/// `base.html` up to the `head` block.
fn head_start(o: &mut Out, chrome: &Chrome) {
    o.raw("<!DOCTYPE html>\n<html lang=\"")
        .text(&chrome.site.language)
        .raw("\">\n<head>\n<meta charset=\"utf-8\">\n");
}

/// `base.html` from the generator line up to the `og` block.
fn head_links(o: &mut Out, chrome: &Chrome, at: &PageAt) {
    let (site, urls) = (&chrome.site, &chrome.urls);
    o.raw("<meta name=\"generator\" content=\"")
        .text(&chrome.generator)
        .raw("\">\n<link rel=\"canonical\" href=\"")
        .text(&at.url)
        .raw("\">\n<link rel=\"stylesheet\" href=\"")
        .text(&urls.style)
        .raw("\">\n<link rel=\"icon\" href=\"")
        .text(&site.base_path)
        .raw("favicon.svg\" type=\"image/svg+xml\">\n<link rel=\"alternate\" type=\"application/atom+xml\" title=\"")
        .text(&site.title)
        .raw(" (Atom)\" href=\"")
        .text(&urls.atom)
        .raw("\">\n<link rel=\"alternate\" type=\"application/feed+json\" title=\"")
        .text(&site.title)
        .raw(" (JSON Feed)\" href=\"")
        .text(&urls.json_feed)
        .raw("\">\n<link rel=\"microsocial\" type=\"application/json\" href=\"")
        .text(&urls.discovery)
        .raw("\">\n<meta property=\"og:site_name\" content=\"")
        .text(&site.title)
        .raw("\">\n<meta property=\"og:url\" content=\"")
        .text(&at.url)
        .raw("\">\n");
}

/// `base.html` from after the `og` block to the `content` block.
fn body_start(o: &mut Out, chrome: &Chrome, at: &PageAt) {
    let (site, urls) = (&chrome.site, &chrome.urls);
    o.raw("\n").when(site.avatar.as_deref(), |o, a| {
        o.raw("<meta property=\"og:image\" content=\"")
            .text(a)
            .raw("\">");
    });
    o.raw("\n</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to content</a>\n<header class=\"site-header\">\n  <a class=\"site-title\" href=\"")
        .text(&urls.home)
        .raw("\">")
        .when(site.avatar.as_deref(), |o, a| {
            o.raw("<img class=\"site-avatar\" src=\"")
                .text(a)
                .raw("\" alt=\"\" width=\"40\" height=\"40\">");
        })
        .raw("<span>")
        .text(&site.title)
        .raw("</span></a>\n  <nav aria-label=\"Site\">\n    <ul>\n");
    for (url, name, label) in [
        (&urls.home, "page", "Posts"),
        (&urls.timeline, "timeline", "Timeline"),
        (&urls.friends, "friends", "Friends"),
        (&urls.tags, "tags", "Tags"),
    ] {
        o.raw("      <li><a href=\"").text(url).raw("\"");
        current(o, at, &at.section, url, name);
        o.raw(">").raw(label).raw("</a></li>\n");
    }
    o.raw("      ");
    for item in &chrome.nav {
        o.raw("<li><a href=\"").text(&item.url).raw("\"");
        current(o, at, "", &item.url, "-");
        o.raw(">").text(&item.title).raw("</a></li>\n      ");
    }
    o.raw("\n    </ul>\n  </nav>\n</header>\n<main id=\"main\">\n");
}

/// The `current` macro: aria-current on the page itself or its section.
fn current(o: &mut Out, at: &PageAt, section: &str, url: &str, name: &str) {
    if at.path == url {
        o.raw(" aria-current=\"page\"");
    } else if section == name {
        o.raw(" aria-current=\"true\"");
    }
}

/// `base.html` after the `content` block.
fn body_end(o: &mut Out, chrome: &Chrome) {
    o.raw("\n</main>\n<footer class=\"site-footer\">\n  <p>")
        .text(&chrome.site.author)
        .raw(" · <a href=\"")
        .text(&chrome.urls.atom)
        .raw("\">Atom</a> · <a href=\"")
        .text(&chrome.urls.json_feed)
        .raw("\">JSON Feed</a> · made with Microsocial</p>\n</footer>\n</body>\n</html>\n");
}

/// `post.html`'s `content` block.
fn post_content(o: &mut Out, page: &PostPage<'_>) {
    let p = &page.post;
    o.raw("\n<article class=\"h-entry entry single\">\n  ");
    header(o, p, &page.author, false);
    o.raw("\n  ");
    if let Some(r) = &page.in_reply_to {
        o.raw("<p class=\"in-reply-to\">In reply to <a class=\"u-in-reply-to\" href=\"")
            .text(&r.url)
            .raw("\">");
        match r.author_name.as_deref().filter(|n| !n.is_empty()) {
            Some(name) => o.text(name),
            None => o.text(&r.url),
        };
        o.raw("</a>")
            .when(r.excerpt.as_deref(), |o, x| {
                o.raw(": <q>").text(x).raw("</q>");
            })
            .raw("</p>");
    }
    o.raw("\n  ");
    match p.title.filter(|t| !t.is_empty()) {
        Some(t) => o.raw("<h1 class=\"p-name entry-title\">").text(t),
        None => o.raw("<h1 class=\"visually-hidden\">").text(&p.label),
    };
    o.raw("</h1>\n  <div class=\"e-content entry-content\">")
        .raw(&p.content)
        .raw("</div>\n  ");
    tags(o, p);
    o.raw("\n  ");
    if !page.mentions.is_empty() {
        o.raw("<p class=\"mentions\">Mentions: ");
        for (k, m) in page.mentions.iter().enumerate() {
            o.raw("<a class=\"h-card u-category\" href=\"")
                .text(m.url)
                .raw("\">")
                .text(m.name)
                .raw("</a>");
            if k + 1 < page.mentions.len() {
                o.raw(", ");
            }
        }
        o.raw("</p>");
    }
    o.raw("\n  ");
    reactions(o, &page.reactions);
    thread(o, &page.thread);
    o.raw("\n</article>\n");
    pager(o, page);
}

/// The neighbours' links under a post.
fn pager(o: &mut Out, page: &PostPage<'_>) {
    if page.newer.is_none() && page.older.is_none() {
        o.raw("\n");
        return;
    }
    o.raw("\n<nav class=\"pager\" aria-label=\"More posts\">\n  ");
    match &page.newer {
        Some(n) => o
            .raw("<a rel=\"prev\" href=\"")
            .text(&n.url)
            .raw("\">← ")
            .text(n.label)
            .raw("</a>"),
        None => o.raw("<span></span>"),
    };
    o.raw("\n  ");
    match &page.older {
        Some(n) => o
            .raw("<a rel=\"next\" href=\"")
            .text(&n.url)
            .raw("\">")
            .text(n.label)
            .raw(" →</a>"),
        None => o.raw("<span></span>"),
    };
    o.raw("\n</nav>\n\n");
}

/// `partials/reactions.html`, with the file's last newline.
fn reactions(o: &mut Out, list: &[super::conversation::ReactionCount]) {
    if !list.is_empty() {
        o.raw("<ul class=\"reactions\" aria-label=\"Reactions\">\n  ");
        for x in list {
            let who = x.who.join(", ");
            o.raw("<li class=\"reaction\"");
            if !x.who.is_empty() {
                o.raw(" title=\"").text(&who).raw("\"");
            }
            o.raw("><span class=\"emoji\">")
                .text(&x.emoji)
                .raw("</span> <span class=\"count\">")
                .raw(&x.count.to_string())
                .raw("</span>");
            if !x.who.is_empty() {
                o.raw(" <span class=\"who\">").text(&who).raw("</span>");
            }
            o.raw("</li>");
        }
        o.raw("\n</ul>");
    }
    o.raw("\n");
}

/// `partials/thread.html`, with the file's last newline.
fn thread(o: &mut Out, thread: &[super::conversation::ReplyCtx]) {
    if !thread.is_empty() {
        let n = thread.len();
        o.raw("<section class=\"thread\" aria-label=\"Replies\">\n  <h2 class=\"thread-heading\">")
            .raw(&n.to_string())
            .raw(if n == 1 { " reply" } else { " replies" })
            .raw("</h2>\n  ");
        for r in thread {
            o.raw("<article class=\"h-entry reply depth-")
                .raw(&r.depth.to_string())
                .raw("\">\n    <header class=\"entry-meta\"><a class=\"p-author h-card\" href=\"")
                .text(&r.author_url)
                .raw("\">")
                .text(&r.author_name)
                .raw("</a>\n      <a class=\"u-url\" href=\"")
                .text(&r.url)
                .raw("\"><time class=\"dt-published\" datetime=\"")
                .text(&r.date)
                .raw("\">")
                .text(&r.date_display)
                .raw("</time></a></header>\n    <div class=\"e-content\">")
                .raw(&r.content)
                .raw("</div>\n  </article>");
        }
        o.raw("\n</section>");
    }
    o.raw("\n");
}

/// The `header` macro (with `avatar`).
fn header(o: &mut Out, p: &PostCtx<'_>, a: &Author<'_>, private: bool) {
    o.raw(
        "\n  <header class=\"entry-meta\">\n    <a class=\"p-author h-card u-url author\" href=\"",
    )
    .text(&a.url)
    .raw("\">");
    match a.avatar.as_deref().filter(|s| !s.is_empty()) {
        Some(src) => o
            .raw("<img class=\"u-photo avatar\" src=\"")
            .text(src)
            .raw("\" alt=\"\" width=\"32\" height=\"32\">"),
        None => o.raw(&a.monogram),
    };
    o.raw("<span class=\"p-name\">")
        .text(a.name)
        .raw("</span></a>\n    <span class=\"host\">")
        .text(&a.host)
        .raw("</span>\n    <span class=\"when\"><a class=\"u-url u-uid\" href=\"")
        .text(&p.url)
        .raw("\"><time class=\"dt-published\" datetime=\"")
        .text(&p.date)
        .raw("\">")
        .text(&p.date_display)
        .raw("</time></a>");
    if let (Some(u), Some(shown)) = (
        p.updated.as_deref().filter(|u| !u.is_empty()),
        &p.updated_display,
    ) {
        o.raw(" <span class=\"updated\">(updated <time class=\"dt-updated\" datetime=\"")
            .text(u)
            .raw("\">")
            .text(shown)
            .raw("</time>)</span>");
    }
    o.raw("</span>\n    ");
    if p.draft {
        o.raw("<span class=\"badge draft\">Draft<span class=\"visually-hidden\">: not published, only this preview shows it</span></span>");
    }
    o.raw("\n    ");
    if private {
        o.raw(PRIVATE_BADGE);
    }
    o.raw("\n  </header>\n");
}

const PRIVATE_BADGE: &str = "<span class=\"badge\"><svg class=\"icon\" width=\"14\" height=\"14\" viewBox=\"0 0 16 16\" aria-hidden=\"true\" focusable=\"false\"><path fill=\"currentColor\" d=\"M8 1a3.5 3.5 0 0 0-3.5 3.5V7H4a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1V8a1 1 0 0 0-1-1h-.5V4.5A3.5 3.5 0 0 0 8 1Zm-2 6V4.5a2 2 0 1 1 4 0V7Z\"/></svg>Friends only<span class=\"visually-hidden\">: only friends can read this post</span></span>";

/// The `tags` macro.
fn tags(o: &mut Out, p: &PostCtx<'_>) {
    if p.tags.is_empty() {
        return;
    }
    o.raw("<ul class=\"tags\" aria-label=\"Tags\">");
    for t in &p.tags {
        o.raw("<li><a class=\"p-category\" href=\"")
            .text(&t.url)
            .raw("\">#")
            .text(t.name)
            .raw("</a></li>");
    }
    o.raw("</ul>");
}

/// `partials/card.html`: the `card` macro with `full=false`.
pub(super) fn card(e: &Card<'_>) -> String {
    let p = &e.post;
    let mut o = Out(String::with_capacity(p.content.len() + 1536));
    o.raw("\n<article class=\"h-entry entry")
        .raw(if e.own { " own" } else { "" })
        .raw("\">\n  ");
    header(&mut o, p, &e.author, e.private);
    o.raw("\n  ").when(p.title, |o, t| {
        o.raw("<h2 class=\"p-name entry-title\"><a href=\"")
            .text(&p.url)
            .raw("\">")
            .text(t)
            .raw("</a></h2>");
    });
    o.raw("\n  ");
    match p.summary.filter(|s| !s.is_empty()) {
        Some(s) => o
            .raw("\n  <div class=\"p-summary e-content entry-content\">")
            .raw(s)
            .raw("</div>\n  <p class=\"more\"><a href=\"")
            .text(&p.url)
            .raw("\">Continue reading<span class=\"visually-hidden\">: ")
            .text(&p.label)
            .raw("</span></a></p>\n  "),
        None => o
            .raw("\n  <div class=\"e-content entry-content\">")
            .raw(&p.content)
            .raw("</div>\n  "),
    };
    o.raw("\n  ");
    tags(&mut o, p);
    o.raw("\n</article>\n");
    o.0
}

#[cfg(test)]
mod tests {
    use super::Builtin;
    use crate::render::theme::DEFAULT_TEMPLATES;

    fn templates(change: Option<&str>) -> Vec<(String, String)> {
        DEFAULT_TEMPLATES
            .iter()
            .map(|(n, t)| match Some(*n) == change {
                true => (n.to_string(), format!("{{# mine #}}{t}")),
                false => (n.to_string(), t.to_string()),
            })
            .collect()
    }

    #[test]
    fn only_the_unchanged_default_templates_take_the_fast_path() {
        let all = Builtin::detect(&templates(None));
        assert!(all.post && all.card);
        let post = Builtin::detect(&templates(Some("partials/thread.html")));
        assert!(!post.post && post.card);
        let both = Builtin::detect(&templates(Some("macros.html")));
        assert!(!both.post && !both.card);
        let card = Builtin::detect(&templates(Some("partials/card.html")));
        assert!(card.post && !card.card);
        // A list template of the site's own does not matter here.
        let list = Builtin::detect(&templates(Some("index.html")));
        assert!(list.post && list.card);
    }
}
