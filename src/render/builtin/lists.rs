//! `index.html`, `tag.html` and `timeline.html`, with the `pager` macro.

use super::layout::{layout, or_title, Blocks};
use super::Out;
use crate::render::chrome::Chrome;
use crate::render::context::Pagination;
use crate::render::PageAt;

/// A tag's heading: its name and how many posts carry it.
pub(in crate::render) struct TagHead<'a> {
    pub name: &'a str,
    pub count: usize,
}

/// The cards' size, to size the page's buffer once.
fn size(cards: &[&str]) -> usize {
    cards.iter().map(|c| c.len()).sum::<usize>() + 1024
}

/// `pagination.number` as Tera tests it: absent or 0 is false.
fn number(p: &Pagination) -> Option<usize> {
    p.number.filter(|&n| n != 0)
}

/// The home page and its archive pages.
pub(in crate::render) fn home(
    chrome: &Chrome,
    at: &PageAt,
    p: &Pagination,
    cards: &[&str],
) -> String {
    let site = &chrome.site;
    let mut title = Out(String::new());
    if let Some(n) = number(p) {
        title.raw("Page ").num(n).raw(" · ");
    }
    title.text(&site.title);
    let blocks = Blocks {
        title: Some(title.0),
        ..Blocks::default()
    };
    layout(chrome, at, &blocks, size(cards), |o| {
        o.raw("\n");
        match number(p) {
            None => {
                o.raw("\n<section class=\"h-card profile\">\n  ")
                    .when(site.avatar.as_deref(), |o, a| {
                        o.raw("<img class=\"u-photo avatar-large\" src=\"")
                            .text(a)
                            .raw("\" alt=\"\" width=\"72\" height=\"72\">");
                    })
                    .raw("\n  <div>\n    <h1><a class=\"p-name u-url u-uid\" href=\"")
                    .text(&site.base_url)
                    .raw("\">")
                    .text(or_title(chrome, Some(&site.author)))
                    .raw("</a></h1>\n    ")
                    .when(site.bio.as_deref(), |o, b| {
                        o.raw("<p class=\"p-note\">").text(b).raw("</p>");
                    })
                    .raw("\n  </div>\n</section>\n");
            }
            Some(n) => {
                o.raw("\n<h1 class=\"page-heading\">Posts, page ")
                    .num(n)
                    .raw("</h1>\n");
            }
        }
        o.raw("\n<div class=\"h-feed feed\">\n  <h2 class=\"p-name visually-hidden\">")
            .text(&site.title)
            .raw("</h2>\n  ");
        if cards.is_empty() {
            o.raw(EMPTY_HOME);
        }
        cards.iter().for_each(|c| {
            o.raw(c);
        });
        o.raw("\n</div>\n");
        pager(o, p);
        o.raw("\n");
    })
}

const EMPTY_HOME: &str = "<div class=\"empty\">\n    <p>No posts yet.</p>\n    <p>Write the first one with <code>microsocial new \"Hello\"</code> (or add a markdown file to <code>content/posts/</code>), then run <code>microsocial build</code>.</p>\n  </div>";

/// A tag's page and its archive pages.
pub(in crate::render) fn tag(
    chrome: &Chrome,
    at: &PageAt,
    p: &Pagination,
    t: &TagHead<'_>,
    cards: &[&str],
) -> String {
    let mut title = Out(String::new());
    title.raw("#").text(t.name);
    if let Some(n) = number(p) {
        title.raw(", page ").num(n);
    }
    title.raw(" · ").text(&chrome.site.title);
    let mut description = Out(String::new());
    description
        .raw("Posts tagged ")
        .text(t.name)
        .raw(" on ")
        .text(&chrome.site.title);
    let blocks = Blocks {
        title: Some(title.0),
        description: Some(description.0),
        ..Blocks::default()
    };
    layout(chrome, at, &blocks, size(cards), |o| {
        o.raw("\n<h1 class=\"page-heading\">Posts tagged #")
            .text(t.name)
            .raw(" <small>(")
            .num(t.count)
            .raw(")</small></h1>\n<div class=\"h-feed feed\">\n  <h2 class=\"p-name visually-hidden\">#")
            .text(t.name)
            .raw("</h2>\n  ");
        cards.iter().for_each(|c| {
            o.raw(c);
        });
        o.raw("\n</div>\n");
        pager(o, p);
        o.raw("\n");
    })
}

/// The timeline and its archive pages.
pub(in crate::render) fn timeline(
    chrome: &Chrome,
    at: &PageAt,
    p: &Pagination,
    friend_count: usize,
    cards: &[&str],
) -> String {
    let author = &chrome.site.author;
    let mut title = Out(String::new());
    title.raw("Timeline");
    if let Some(n) = number(p) {
        title.raw(", page ").num(n);
    }
    title.raw(" · ").text(&chrome.site.title);
    let mut description = Out(String::new());
    description.text(author).raw(" and friends");
    let blocks = Blocks {
        title: Some(title.0),
        description: Some(description.0),
        ..Blocks::default()
    };
    layout(chrome, at, &blocks, size(cards), |o| {
        o.raw("\n<h1 class=\"page-heading\">Timeline <small>")
            .text(author)
            .raw(" and friends</small></h1>\n");
        if friend_count == 0 {
            o.raw("<div class=\"empty note\">\n  <p>No friends here yet, so this timeline shows only ")
                .text(author)
                .raw("'s posts. Friends' posts appear here as they write them.</p>\n</div>");
        }
        o.raw("\n<div class=\"h-feed feed timeline\">\n  <h2 class=\"p-name visually-hidden\">Timeline</h2>\n  ");
        if cards.is_empty() {
            o.raw("<p class=\"empty\">No posts yet.</p>");
        }
        cards.iter().for_each(|c| {
            o.raw(c);
        });
        o.raw("\n</div>\n");
        pager(o, p);
        o.raw("\n");
    })
}

/// The `pager` macro.
fn pager(o: &mut Out, p: &Pagination) {
    o.raw("\n");
    if p.older.is_none() && p.newer.is_none() {
        o.raw("\n");
        return;
    }
    o.raw("\n<nav class=\"pager\" aria-label=\"Pagination\">\n  ");
    match p.newer.as_deref() {
        Some(u) => o
            .raw("<a rel=\"prev\" href=\"")
            .text(u)
            .raw("\">← Newer posts</a>"),
        None => o.raw("<span></span>"),
    };
    o.raw("\n  ");
    if let Some(n) = number(p) {
        o.raw("<span class=\"page-number\">Page ")
            .num(n)
            .raw(" of ")
            .num(p.last)
            .raw("</span>");
    }
    o.raw("\n  ");
    match p.older.as_deref() {
        Some(u) => o
            .raw("<a rel=\"next\" href=\"")
            .text(u)
            .raw("\">Older posts →</a>"),
        None => o.raw("<span></span>"),
    };
    o.raw("\n</nav>\n\n");
}
