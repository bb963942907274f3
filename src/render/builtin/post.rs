//! `post.html` with `partials/reactions.html` and `partials/thread.html`.

use super::card::{header, tags};
use super::layout::{layout, Blocks};
use super::{truthy, Out};
use crate::render::chrome::Chrome;
use crate::render::context::PostPage;
use crate::render::conversation::{ReactionCount, ReplyCtx};
use crate::render::PageAt;

/// A post's own page.
pub(in crate::render) fn post_page(chrome: &Chrome, at: &PageAt, page: &PostPage<'_>) -> String {
    let p = &page.post;
    let mut head = Out(String::new());
    head.raw("<link rel=\"webmention\" href=\"")
        .text(&chrome.urls.webmention)
        .raw("\">");
    let mut title = Out(String::new());
    title.text(&p.label).raw(" · ").text(&chrome.site.title);
    let mut description = Out(String::new());
    description.text(&p.description);
    let mut og = Out(String::new());
    og.raw(
        "<meta property=\"og:type\" content=\"article\">\n<meta property=\"og:title\" content=\"",
    )
    .text(&p.label)
    .raw("\">\n<meta property=\"og:description\" content=\"")
    .text(&p.description)
    .raw("\">\n<meta property=\"article:published_time\" content=\"")
    .text(&p.date)
    .raw("\">");
    let blocks = Blocks {
        head: head.0,
        title: Some(title.0),
        description: Some(description.0),
        og: Some(og.0),
    };
    layout(chrome, at, &blocks, p.content.len() + 2048, |o| {
        post_content(o, page)
    })
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
        match truthy(r.author_name.as_deref()) {
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
    match truthy(p.title) {
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
fn reactions(o: &mut Out, list: &[ReactionCount]) {
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
fn thread(o: &mut Out, thread: &[ReplyCtx]) {
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
