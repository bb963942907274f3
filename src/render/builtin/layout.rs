//! `base.html`: the chrome around every page, with its blocks filled in.

use super::{truthy, Out};
use crate::render::chrome::Chrome;
use crate::render::PageAt;

/// What a page puts in `base.html`'s blocks, as finished HTML (`None`:
/// the block's default).
#[derive(Default)]
pub(super) struct Blocks {
    pub head: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub og: Option<String>,
}

/// `base.html` around `content`.
pub(super) fn layout(
    chrome: &Chrome,
    at: &PageAt,
    blocks: &Blocks,
    size: usize,
    content: impl FnOnce(&mut Out),
) -> String {
    let (site, urls) = (&chrome.site, &chrome.urls);
    let mut o = Out(String::with_capacity(size + 3072));
    o.raw("<!DOCTYPE html>\n<html lang=\"")
        .text(&site.language)
        .raw("\">\n<head>\n<meta charset=\"utf-8\">\n")
        .raw(&blocks.head)
        .raw("\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    match &blocks.title {
        Some(t) => o.raw(t),
        None => o.text(&site.title),
    };
    o.raw("</title>\n<meta name=\"description\" content=\"");
    match &blocks.description {
        Some(d) => o.raw(d),
        None => o.text(default_description(chrome)),
    };
    o.raw("\">\n");
    head_links(&mut o, chrome, at);
    match &blocks.og {
        Some(og) => o.raw(og),
        None => o
            .raw("<meta property=\"og:type\" content=\"website\">\n<meta property=\"og:title\" content=\"")
            .text(&site.title)
            .raw("\">\n<meta property=\"og:description\" content=\"")
            .text(default_description(chrome))
            .raw("\">"),
    };
    body_start(&mut o, chrome, at);
    content(&mut o);
    o.raw("\n</main>\n<footer class=\"site-footer\">\n  <p>")
        .text(&site.author)
        .raw(" · <a href=\"")
        .text(&urls.atom)
        .raw("\">Atom</a> · <a href=\"")
        .text(&urls.json_feed)
        .raw("\">JSON Feed</a> · made with Microsocial</p>\n</footer>\n</body>\n</html>\n");
    o.0
}

/// The bio, or else the title.
fn default_description(chrome: &Chrome) -> &str {
    or_title(chrome, chrome.site.bio.as_deref())
}

/// `s` if it is there and not empty, else the site's title.
pub(super) fn or_title<'a>(chrome: &'a Chrome, s: Option<&'a str>) -> &'a str {
    truthy(s).unwrap_or(&chrome.site.title)
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
