//! Receiving a Webmention: the request's checks (done before the 202) and
//! the verification a worker does later.

use super::{fetch, hentry, html};
use crate::federation::client::Client;
use crate::federation::outbox::lock;
use crate::store::{now_ms, Found, NotificationKind, Store, Webmention};
use std::sync::Mutex;
use url::Url;

/// Largest form body accepted.
pub const MAX_FORM: u64 = 4096;
/// Longest `source` or `target` accepted.
const MAX_URL: usize = 2048;
/// Mentions accepted per minute from one source host, and from all.
pub const PER_HOST: u32 = 10;
pub const GLOBAL: u32 = 60;
/// Mentions waiting for verification at most; past this the sender is
/// told to come back later.
pub const MAX_QUEUED: i64 = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub source: Url,
    pub target: Url,
}

impl Request {
    /// What the per-host rate limit counts.
    pub fn source_host(&self) -> String {
        self.source.host_str().unwrap_or("").to_ascii_lowercase()
    }
}

/// Reads the form body. `is_target` says whether a URL is one of this
/// site's public pages. The error is the reason given to the sender.
pub fn parse_request(body: &[u8], is_target: impl Fn(&Url) -> bool) -> Result<Request, String> {
    let mut source = None;
    let mut target = None;
    for (k, v) in url::form_urlencoded::parse(body) {
        match k.as_ref() {
            "source" => source = Some(v.into_owned()),
            "target" => target = Some(v.into_owned()),
            _ => {}
        }
    }
    let url = |name: &str, v: Option<String>| -> Result<Url, String> {
        let v = v.ok_or_else(|| format!("`{name}` is missing"))?;
        if v.len() > MAX_URL {
            return Err(format!("`{name}` is longer than {MAX_URL} bytes"));
        }
        let u = Url::parse(&v).map_err(|e| format!("`{name}` is not a URL: {e}"))?;
        if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
            return Err(format!("`{name}` must be an http or https URL"));
        }
        Ok(u)
    };
    let source = url("source", source)?;
    let mut target = url("target", target)?;
    target.set_fragment(None);
    if hentry::same_url(source.as_str(), target.as_str()) {
        return Err("`source` and `target` are the same page".into());
    }
    if !is_target(&target) {
        return Err("`target` is not a page of this site".into());
    }
    Ok(Request { source, target })
}

/// Fetches `source` and checks it links to `target`; what its h-entry says.
pub fn verify(client: &Client, source: &str, target: &str) -> Result<Found, String> {
    let page = fetch::get(client, source).map_err(|e| match e {
        fetch::Failed::Status(410) => "the source is gone (HTTP 410)".to_string(),
        e => format!("cannot fetch the source: {e}"),
    })?;
    if !page.content_type.contains("html") {
        // Plain text, JSON…: a link is the target's URL in the text.
        return if page.body.contains(target) {
            Ok(Found {
                kind: "mention".into(),
                ..Found::default()
            })
        } else {
            Err("the source does not link to the target".into())
        };
    }
    let doc = html::Page::parse(&page.body, page.url.clone())
        .map_err(|e| format!("cannot read the source: {e}"))?;
    let links = doc.elements().into_iter().any(|e| {
        let value = match html::tag(&e) {
            "a" | "area" | "link" => html::attr(&e, "href"),
            "img" | "audio" | "video" | "source" | "iframe" => html::attr(&e, "src"),
            _ => None,
        };
        value
            .and_then(|v| doc.resolve(&v))
            .is_some_and(|u| hentry::same_url(u.as_str(), target))
    });
    if !links {
        return Err("the source does not link to the target".into());
    }
    let entry = hentry::first_entry(&doc).unwrap_or_default();
    Ok(Found {
        kind: entry.kind(target).into(),
        author_name: entry.author_name,
        author_url: entry.author_url,
        content: entry.content,
        published: entry.published,
    })
}

/// Verifies one queued mention and stores the result; a mention from a
/// friend's site is approved at once, any other is held and notified.
/// Returns the new status.
pub fn process(store: &Mutex<Store>, client: &Client, w: &Webmention) -> anyhow::Result<String> {
    let verdict = verify(client, &w.source, &w.target);
    let st = lock(store);
    match verdict {
        Ok(found) => {
            let friend = st
                .friends()?
                .iter()
                .any(|f| f.state == "friend" && w.source.starts_with(&f.url));
            st.webmention_verified(&w.id, &found, friend, now_ms())?;
        }
        Err(reason) => st.webmention_refused(&w.id, &reason, now_ms())?,
    }
    let Some(after) = st.find_webmention(&w.id)? else {
        return Ok("gone".into());
    };
    // Held for the owner: say so once per source.
    if after.status() == "pending"
        && !st.has_notification(NotificationKind::Webmention, &w.source)?
    {
        let who = after.author_name.as_deref().unwrap_or(&w.source);
        let text = format!(
            "Webmention {} from {who} awaits approval: {} on {}",
            after.id, after.kind, after.target
        );
        st.add_notification(
            NotificationKind::Webmention,
            &w.source,
            Some(&w.source),
            &text,
        )?;
    }
    Ok(after.status().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(u: &Url) -> bool {
        u.as_str().starts_with("https://a.example/posts/")
    }

    #[test]
    fn requests_are_checked_before_queueing() {
        let ok = parse_request(
            b"source=https%3A%2F%2Fb.example%2Fn%2F1&target=https://a.example/posts/hi/%23c&x=1",
            ours,
        )
        .unwrap();
        assert_eq!(ok.source.as_str(), "https://b.example/n/1");
        assert_eq!(ok.target.as_str(), "https://a.example/posts/hi/");
        assert_eq!(ok.source_host(), "b.example");
        for (body, why) in [
            (
                &b"target=https://a.example/posts/hi/"[..],
                "`source` is missing",
            ),
            (
                b"source=https://b.example/&target=ftp://a.example/",
                "http or https",
            ),
            (
                b"source=nope&target=https://a.example/posts/hi/",
                "not a URL",
            ),
            (
                b"source=https://b.example/&target=https://c.example/",
                "not a page of this site",
            ),
            (
                b"source=https://a.example/posts/hi/&target=https://a.example/posts/hi/",
                "the same page",
            ),
        ] {
            let err = parse_request(body, ours).unwrap_err();
            assert!(err.contains(why), "{err}");
        }
        let long = format!(
            "source=https://b.example/{}&target=https://a.example/posts/x",
            "a".repeat(3000)
        );
        assert!(parse_request(long.as_bytes(), ours)
            .unwrap_err()
            .contains("longer"));
    }
}
