//! Friend content is untrusted HTML: ammonia keeps the formatting and drops
//! scripts, event handlers, `javascript:` URLs, styles and forms.

use crate::config::RemoteImages;
use ammonia::{Builder, UrlRelative};

/// Cleans `html` from a friend's post; relative URLs resolve against `base`.
pub fn clean(html: &str, base: &str) -> String {
    let mut b = Builder::default();
    b.link_rel(Some("noopener noreferrer ugc nofollow"));
    b.url_schemes(["http", "https", "mailto"].into_iter().collect());
    match ammonia::Url::parse(base) {
        Ok(url) => b.url_relative(UrlRelative::RewriteWithBase(url)),
        Err(_) => b.url_relative(UrlRelative::Deny),
    };
    b.clean(html).to_string()
}

/// `clean`, then the owner's `remote_images` choice for the private view:
/// with `link`, no image loads from another host when the page opens.
pub fn clean_for_private_view(html: &str, base: &str, images: RemoteImages) -> String {
    let cleaned = clean(html, base);
    match images {
        RemoteImages::Load => cleaned,
        // Cleaned again: ammonia adds `rel` to the new links, and checks our output too.
        RemoteImages::Link => clean(&super::remote_images::images_to_links(&cleaned), base),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_view_images_are_links_unless_loading_is_chosen() {
        let html = r#"<p>hi <img src="pixel.gif" alt="me" onerror="x()"></p>"#;
        let base = "https://a.example/posts/one/";
        let link = clean_for_private_view(html, base, RemoteImages::Link);
        assert!(!link.contains("<img"), "{link}");
        assert!(
            link.contains(r#"<a href="https://a.example/posts/one/pixel.gif" rel="noopener noreferrer ugc nofollow">[image: me]</a>"#),
            "{link}"
        );
        let load = clean_for_private_view(html, base, RemoteImages::Load);
        assert!(
            load.contains(r#"<img src="https://a.example/posts/one/pixel.gif" alt="me">"#),
            "{load}"
        );
        assert!(!load.contains("onerror"));
    }

    #[test]
    fn hostile_markup_is_inert() {
        let dirty = r#"<p onclick="steal()">hi<script>alert(1)</script>
            <a href="javascript:alert(1)">x</a><img src="x.png" onerror="alert(1)">
            <iframe src="https://evil/"></iframe><style>body{}</style><a href="/p/">rel</a></p>"#;
        let out = clean(dirty, "https://a.example/posts/one/");
        for bad in [
            "<script",
            "onclick",
            "onerror",
            "javascript:",
            "<iframe",
            "<style",
        ] {
            assert!(!out.contains(bad), "{bad} survived in {out}");
        }
        assert!(
            out.contains(r#"src="https://a.example/posts/one/x.png""#),
            "{out}"
        );
        assert!(out.contains(r#"href="https://a.example/p/""#), "{out}");
        assert!(out.contains("hi"));
    }

    #[test]
    fn formatting_survives() {
        let out = clean(
            "<p><strong>b</strong> <em>i</em></p><pre><code>x &lt; y</code></pre>",
            "https://a/",
        );
        assert!(
            out.contains("<strong>b</strong>") && out.contains("<code>x &lt; y</code>"),
            "{out}"
        );
    }
}
