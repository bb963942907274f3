//! The few microformats2 properties a received Webmention shows: of the
//! source's first `h-entry`, the author (name, url), the text of its
//! content (or summary, or name), `published`, and what it replies to,
//! likes or reposts. Parsed from the HTML tree per the mf2 parsing rules
//! for these property kinds (`p-`, `u-`, `dt-`, `e-`); a nested
//! microformat is a property's value and its inside is not the entry's.

use super::html::{self, Page};
use markup5ever_rcdom::Handle;

/// Longest content text kept, in characters.
pub const MAX_CONTENT: usize = 2000;
/// Longest author name or date kept, in characters.
const MAX_SHORT: usize = 200;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub author_name: Option<String>,
    pub author_url: Option<String>,
    /// Plain text (never HTML): whoever shows it escapes it.
    pub content: Option<String>,
    pub published: Option<String>,
    pub in_reply_to: Vec<String>,
    pub like_of: Vec<String>,
    pub repost_of: Vec<String>,
}

impl Entry {
    /// `reply`, `like`, `repost` or `mention`, as the entry relates to `target`.
    pub fn kind(&self, target: &str) -> &'static str {
        let names = |urls: &[String]| urls.iter().any(|u| same_url(u, target));
        if names(&self.in_reply_to) {
            "reply"
        } else if names(&self.like_of) {
            "like"
        } else if names(&self.repost_of) {
            "repost"
        } else {
            "mention"
        }
    }
}

/// Equal URLs, ignoring a fragment.
pub fn same_url(a: &str, b: &str) -> bool {
    let strip = |s: &str| {
        url::Url::parse(s).ok().map(|mut u| {
            u.set_fragment(None);
            u
        })
    };
    match (strip(a), strip(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn is_root(h: &Handle) -> bool {
    html::tokens(h, "class").iter().any(|c| c.starts_with("h-"))
}

/// The first `h-entry` of the page, if any.
pub fn first_entry(page: &Page) -> Option<Entry> {
    let el = page
        .elements()
        .into_iter()
        .find(|e| html::tokens(e, "class").iter().any(|c| c == "h-entry"))?;
    let mut entry = Entry::default();
    // Properties are on the entry's descendants, not inside nested microformats.
    for p in html::descendants(&el, |n| !is_root(n)) {
        for class in html::tokens(&p, "class") {
            apply(page, &p, &class, &mut entry);
        }
    }
    Some(entry)
}

fn apply(page: &Page, p: &Handle, class: &str, e: &mut Entry) {
    match class {
        "p-author" | "u-author" => {
            if is_root(p) {
                let (name, url) = card(page, p);
                e.author_name = e.author_name.take().or(name);
                e.author_url = e.author_url.take().or(url);
            } else if class == "u-author" {
                e.author_url = e.author_url.take().or_else(|| u_value(page, p));
            } else {
                e.author_name = e.author_name.take().or_else(|| short(html::text(p)));
            }
        }
        "e-content" => e.content = Some(clip(&html::text(p), MAX_CONTENT)),
        "p-summary" if e.content.is_none() => e.content = short_long(html::text(p)),
        "dt-published" => {
            let v = html::attr(p, "datetime").unwrap_or_else(|| html::text(p));
            e.published = e.published.take().or_else(|| short(v));
        }
        "u-in-reply-to" => e.in_reply_to.extend(cite(page, p)),
        "u-like-of" => e.like_of.extend(cite(page, p)),
        "u-repost-of" => e.repost_of.extend(cite(page, p)),
        _ => {}
    }
}

/// A `u-` property's value: `href` or `src` by element, else its text.
fn u_value(page: &Page, p: &Handle) -> Option<String> {
    let raw = match html::tag(p) {
        "a" | "area" | "link" => html::attr(p, "href"),
        "img" | "audio" | "video" | "source" | "iframe" => html::attr(p, "src"),
        _ => None,
    }
    .unwrap_or_else(|| html::text(p));
    page.resolve(&raw)
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(String::from)
}

/// The URL a `u-in-reply-to` (and kin) names: its own value, or the
/// `u-url` of a nested `h-cite`.
fn cite(page: &Page, p: &Handle) -> Option<String> {
    if !is_root(p) {
        return u_value(page, p);
    }
    html::descendants(p, |n| !is_root(n))
        .iter()
        .find(|n| html::tokens(n, "class").iter().any(|c| c == "u-url"))
        .and_then(|n| u_value(page, n))
        .or_else(|| u_value(page, p))
}

/// Name and URL of a nested `h-card`.
fn card(page: &Page, p: &Handle) -> (Option<String>, Option<String>) {
    let inside = html::descendants(p, |n| !is_root(n));
    let with = |class: &str| {
        inside
            .iter()
            .find(|n| html::tokens(n, "class").iter().any(|c| c == class))
            .cloned()
    };
    let name = with("p-name")
        .map(|n| html::text(&n))
        .or_else(|| Some(html::text(p)))
        .and_then(short);
    let url = with("u-url")
        .and_then(|n| u_value(page, &n))
        .or_else(|| (html::tag(p) == "a").then(|| u_value(page, p)).flatten());
    (name, url)
}

fn short(s: String) -> Option<String> {
    let s = clip(s.trim(), MAX_SHORT);
    (!s.is_empty()).then_some(s)
}

fn short_long(s: String) -> Option<String> {
    let s = clip(s.trim(), MAX_CONTENT);
    (!s.is_empty()).then_some(s)
}

/// At most `max` characters, cut at a character boundary, with `…` if cut.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(html: &str) -> Option<Entry> {
        first_entry(
            &Page::parse(html, url::Url::parse("https://b.example/notes/1").unwrap()).unwrap(),
        )
    }

    #[test]
    fn a_reply_with_an_author_card() {
        let e = entry(
            r#"<article class="h-entry">
              <a class="p-author h-card" href="/">Bo <img class="u-photo" src="/b.png"></a>
              <a class="u-in-reply-to" href="https://a.example/posts/hi/">in reply</a>
              <time class="dt-published" datetime="2026-11-25T10:00:00Z">yesterday</time>
              <div class="e-content">Nice <b>post</b>!<script>alert(1)</script></div>
            </article>"#,
        )
        .unwrap();
        assert_eq!(e.author_name.as_deref(), Some("Bo"));
        assert_eq!(e.author_url.as_deref(), Some("https://b.example/"));
        assert_eq!(e.content.as_deref(), Some("Nice post!"));
        assert_eq!(e.published.as_deref(), Some("2026-11-25T10:00:00Z"));
        assert_eq!(e.kind("https://a.example/posts/hi/"), "reply");
        assert_eq!(e.kind("https://a.example/posts/other/"), "mention");
    }

    #[test]
    fn likes_reposts_cites_and_nested_entries() {
        let e = entry(
            r#"<div class="h-entry"><p class="p-summary">Short</p>
               <div class="u-like-of h-cite"><a class="u-url" href="https://a.example/l">x</a></div>
               <a class="u-repost-of" href="https://a.example/r">r</a>
               <div class="h-entry"><div class="e-content">not mine</div></div></div>"#,
        )
        .unwrap();
        assert_eq!(e.content.as_deref(), Some("Short"));
        assert_eq!(e.kind("https://a.example/l#frag"), "like");
        assert_eq!(e.kind("https://a.example/r"), "repost");
    }

    #[test]
    fn no_entry_and_long_content_is_clipped() {
        assert_eq!(entry("<p>just a page</p>"), None);
        let long = "é".repeat(MAX_CONTENT + 10);
        let e = entry(&format!(
            r#"<div class="h-entry"><p class="e-content">{long}</p></div>"#
        ))
        .unwrap();
        assert_eq!(e.content.unwrap().chars().count(), MAX_CONTENT + 1);
    }

    #[test]
    fn a_plain_author_and_a_javascript_url_are_handled() {
        let e = entry(
            r#"<div class="h-entry"><span class="p-author">Cy</span>
               <a class="u-in-reply-to" href="javascript:alert(1)">x</a></div>"#,
        )
        .unwrap();
        assert_eq!(e.author_name.as_deref(), Some("Cy"));
        assert!(e.in_reply_to.is_empty());
    }
}
