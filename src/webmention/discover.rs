//! Endpoint discovery (Webmention §3.1.2): the first `Link` header with
//! `rel="webmention"`, else the first `<link>` or `<a>` element with that
//! rel and an `href`, in document order; resolved against the page's URL
//! after redirects (an empty `href` is the page itself).

use super::fetch::Fetched;
use super::html::{self, Page};
use url::Url;

/// The endpoint a fetched page advertises, if any.
pub fn endpoint(page: &Fetched) -> Option<Url> {
    from_headers(&page.links, &page.url).or_else(|| {
        page.content_type
            .contains("html")
            .then(|| Page::parse(&page.body, page.url.clone()).ok())
            .flatten()
            .and_then(|p| from_html(&p))
    })
}

/// The first `Link` value with rel `webmention`. A header that does not
/// parse is skipped (a later one may still name the endpoint).
pub fn from_headers(values: &[String], base: &Url) -> Option<Url> {
    values.iter().find_map(|v| {
        http_link::parse_link_header(v, base)
            .ok()?
            .into_iter()
            .find(|l| l.rel.eq_ignore_ascii_case("webmention"))
            .map(|l| l.target)
    })
}

pub fn from_html(page: &Page) -> Option<Url> {
    page.elements().iter().find_map(|e| {
        if !matches!(html::tag(e), "link" | "a") || !html::has_rel(e, "webmention") {
            return None;
        }
        page.resolve(&html::attr(e, "href")?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://t.example/test/1?x=y").unwrap()
    }

    fn html(body: &str) -> Option<String> {
        from_html(&Page::parse(body, base()).unwrap()).map(String::from)
    }

    #[test]
    fn link_headers_absolute_relative_and_several_rels() {
        let h = |v: &[&str]| {
            from_headers(
                &v.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                &base(),
            )
            .map(String::from)
        };
        assert_eq!(
            h(&["<https://e.example/wm>; rel=\"webmention\""]).as_deref(),
            Some("https://e.example/wm")
        );
        assert_eq!(
            h(&["</wm?a=1>; rel=webmention"]).as_deref(),
            Some("https://t.example/wm?a=1")
        );
        assert_eq!(
            h(&["<a>; rel=\"other\", <b>; rel=\"webmention other\""]).as_deref(),
            Some("https://t.example/test/b")
        );
        assert_eq!(h(&["<x>; rel=\"not-webmention\""]), None);
        assert_eq!(
            h(&["garbage", "<ok>; rel=WebMention"]).as_deref(),
            Some("https://t.example/test/ok")
        );
    }

    #[test]
    fn html_link_and_a_first_one_wins_empty_is_the_page() {
        assert_eq!(
            html(r#"<link rel="webmention" href="/one"><a rel="webmention" href="/two">"#)
                .as_deref(),
            Some("https://t.example/one")
        );
        assert_eq!(
            html(r#"<a rel="webmention" href="two">x</a><link rel="webmention" href="/one">"#)
                .as_deref(),
            Some("https://t.example/test/two")
        );
        assert_eq!(
            html(r#"<link rel="webmention" href="">"#).as_deref(),
            Some("https://t.example/test/1?x=y")
        );
        // No href, a comment, another rel: none of them count.
        assert_eq!(
            html(
                r#"<link rel="webmention"><!-- <a rel="webmention" href="/c"> --><a rel="nope webmentions" href="/d">"#
            ),
            None
        );
        assert_eq!(
            html(r#"<link rel="stylesheet webmention" href="/e">"#).as_deref(),
            Some("https://t.example/e")
        );
    }
}
