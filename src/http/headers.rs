//! Security headers that every response carries, by kind of page.

use super::files::header_value;
use std::io::Read;

/// What a response is, which decides its policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// The public site as the sidecar serves it: the theme has no script.
    Public,
    /// The same, for a site whose own address is plain http (a local
    /// trial): friends' images there are plain http too.
    PublicPlain,
    /// The public site in `serve`, which adds the same-origin reload script.
    Preview,
    /// The private view (`/home/` in `serve`): friends' text, messages.
    Private,
    /// JSON endpoints and plain-text errors.
    Api,
    /// The owner's web interface under `/home/`: forms post only to itself.
    Home,
}

/// Friends' avatars and images may be remote on the public site.
pub const PUBLIC_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' https: data:; media-src 'self' https:; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
pub const PUBLIC_PLAIN_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' http: https: data:; media-src 'self' http: https:; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// `serve` is plain http on loopback, and so are local friends' sites.
pub const PREVIEW_CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' http: https: data:; media-src 'self' http: https:; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// No third-party loads at all: a remote image would tell its host when the
/// owner reads a message. Keep in step with the meta tag in the theme's
/// private templates (`private_csp` in the template context).
pub const PRIVATE_CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/// The owner interface: its own script, style and images, nothing remote.
pub const HOME_CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

impl Page {
    pub fn csp(self) -> &'static str {
        match self {
            Page::Public => PUBLIC_CSP,
            Page::PublicPlain => PUBLIC_PLAIN_CSP,
            Page::Preview => PREVIEW_CSP,
            Page::Private => PRIVATE_CSP,
            Page::Api => API_CSP,
            Page::Home => HOME_CSP,
        }
    }

    pub fn referrer_policy(self) -> &'static str {
        match self {
            Page::Public | Page::PublicPlain | Page::Preview => "strict-origin-when-cross-origin",
            Page::Private | Page::Api | Page::Home => "no-referrer",
        }
    }

    /// The headers as raw lines, for responses written by hand.
    pub fn raw(self) -> String {
        format!(
            "X-Content-Type-Options: nosniff\r\nReferrer-Policy: {}\r\nContent-Security-Policy: {}\r\n",
            self.referrer_policy(),
            self.csp()
        )
    }
}

/// Adds the security headers of `page` to a response.
pub fn secure<R: Read>(response: tiny_http::Response<R>, page: Page) -> tiny_http::Response<R> {
    let r = response
        .with_header(header_value("X-Content-Type-Options", "nosniff"))
        .with_header(header_value("Referrer-Policy", page.referrer_policy()))
        .with_header(header_value("Content-Security-Policy", page.csp()));
    match page {
        // Owner pages hold messages and tokens: never cached anywhere.
        Page::Home => r.with_header(header_value("Cache-Control", "no-store")),
        _ => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_policy_allows_inline_script_and_the_private_view_loads_nothing_remote() {
        for page in [
            Page::Public,
            Page::PublicPlain,
            Page::Preview,
            Page::Private,
            Page::Api,
            Page::Home,
        ] {
            assert!(page.csp().starts_with("default-src 'none'"));
            assert!(!page.csp().contains("unsafe-inline"));
            assert!(page.raw().contains("nosniff"));
        }
        assert!(!PUBLIC_CSP.contains("script-src"));
        assert!(!PUBLIC_PLAIN_CSP.contains("script-src"));
        assert!(
            !PUBLIC_CSP.contains("http:"),
            "an https site loads no plain http"
        );
        assert!(!PRIVATE_CSP.contains("https:"));
    }

    #[test]
    fn private_templates_carry_the_private_policy_as_a_meta_tag() {
        // A meta policy cannot say frame-ancestors; the header does.
        let meta = PRIVATE_CSP.replace("; frame-ancestors 'none'", "");
        let tag = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{meta}\">");
        for t in [
            include_str!("../../themes/default/templates/home.html"),
            include_str!("../../themes/default/templates/thread.html"),
        ] {
            assert!(t.contains(&tag), "{tag}");
        }
    }
}
