//! The card and the macros it shares with the post page: `header` (with
//! `avatar`) and `tags`.

use super::{truthy, Out};
use crate::render::card::Card;
use crate::render::context::{Author, PostCtx};

/// The `header` macro (with `avatar`).
pub(super) fn header(o: &mut Out, p: &PostCtx<'_>, a: &Author<'_>, private: bool) {
    o.raw(
        "\n  <header class=\"entry-meta\">\n    <a class=\"p-author h-card u-url author\" href=\"",
    )
    .text(&a.url)
    .raw("\">");
    match truthy(a.avatar.as_deref()) {
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
    if let (Some(u), Some(shown)) = (truthy(p.updated.as_deref()), &p.updated_display) {
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
pub(super) fn tags(o: &mut Out, p: &PostCtx<'_>) {
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

/// `partials/card.html`: the `card` macro with `full=false`, as the HTML
/// before the entry's body, the body (its summary if it has one, else its
/// content) and the HTML after it.
pub(in crate::render) fn card<'c>(e: &'c Card<'_>) -> (String, &'c str, String) {
    let p = &e.post;
    let mut o = Out(String::with_capacity(1536));
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
    let summary = truthy(p.summary);
    let body = summary.unwrap_or(&p.content);
    let mut tail = Out(String::with_capacity(512));
    match summary {
        Some(_) => {
            o.raw("\n  <div class=\"p-summary e-content entry-content\">");
            tail.raw("</div>\n  <p class=\"more\"><a href=\"")
                .text(&p.url)
                .raw("\">Continue reading<span class=\"visually-hidden\">: ")
                .text(&p.label)
                .raw("</span></a></p>\n  ")
        }
        None => {
            o.raw("\n  <div class=\"e-content entry-content\">");
            tail.raw("</div>\n  ")
        }
    };
    tail.raw("\n  ");
    tags(&mut tail, p);
    tail.raw("\n</article>\n");
    (o.0, body, tail.0)
}
