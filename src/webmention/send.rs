//! Sending Webmentions: every public post added, changed or deleted in
//! this site's change log since the last `publish` gets one outbox entry
//! per link to another site (in this version or the one before). Friends-only posts never appear in the log as plain
//! items (they are `private` changes), so they send nothing.
//!
//! The outbox delivers an entry with [`attempt`]: discover the target's
//! endpoint, then POST the form; its retries and give-up rules apply.

use super::{discover, fetch, html};
use crate::federation::client::{Client, Delivery};
use crate::federation::protocol::Item;
use crate::store::{now_ms, OutMsg, Store};
use url::Url;

/// The outbox `type` of a Webmention (local only: never a signed message).
pub const KIND: &str = crate::store::WEBMENTION;
/// Links of one post that get a Webmention, at most.
pub const MAX_LINKS_PER_POST: usize = 50;

/// The http(s) links of `content_html`, resolved against the post's URL,
/// that leave this site (`site_url`), without duplicates, in order.
pub fn outgoing_links(post_url: &Url, content_html: &str, site_url: &str) -> Vec<String> {
    // Our own markdown output never nests that deep; if it did, send nothing.
    let Ok(page) = html::Page::parse(content_html, post_url.clone()) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for e in page.elements() {
        if html::tag(&e) != "a" {
            continue;
        }
        let Some(mut u) = html::attr(&e, "href").and_then(|h| page.resolve(&h)) else {
            continue;
        };
        u.set_fragment(None);
        let u = String::from(u);
        let http = u.starts_with("http://") || u.starts_with("https://");
        if http && !u.starts_with(site_url) && !out.contains(&u) {
            out.push(u);
        }
    }
    out.truncate(MAX_LINKS_PER_POST);
    out
}

/// Queues Webmentions for the public changes after the stored cursor and
/// moves the cursor, in one transaction. An edited or deleted post also
/// tells the targets its previous version linked (Webmention §3.1.3), so
/// they can update or drop the mention. Returns how many were queued.
pub fn queue_new_posts(store: &mut Store, site_url: &str) -> anyhow::Result<usize> {
    store.transaction(|s| {
        let from = s.webmention_cursor()?;
        let last = s.last_seq()?;
        let mut queued = 0;
        if last > from {
            for (seq, op, id, item) in s.changes(from + 1, last)? {
                if op == "private" {
                    continue;
                }
                let now = item.as_deref().map(|i| parse_item(&id, i)).transpose()?;
                let before = s.upsert_before(&id, seq)?;
                let before = before.as_deref().map(|i| parse_item(&id, i)).transpose()?;
                let Some(Ok(source)) = now.as_ref().or(before.as_ref()).map(|i| Url::parse(&i.url))
                else {
                    continue;
                };
                let mut targets = Vec::new();
                for i in now.iter().chain(before.iter()) {
                    for t in outgoing_links(&source, &i.content_html, site_url) {
                        if !targets.contains(&t) {
                            targets.push(t);
                        }
                    }
                }
                for target in targets {
                    enqueue(s, source.as_str(), &target)?;
                    queued += 1;
                }
            }
        }
        // A log that restarted (fewer changes than the cursor) starts over.
        s.set_webmention_cursor(last)?;
        Ok(queued)
    })
}

fn parse_item(id: &str, json: &str) -> anyhow::Result<Item> {
    serde_json::from_str(json).map_err(|e| anyhow::anyhow!("change of {id} in table changes: {e}"))
}

fn enqueue(s: &Store, source: &str, target: &str) -> anyhow::Result<()> {
    let now = now_ms();
    s.enqueue(&OutMsg {
        id: crate::federation::new_id()?,
        recipient: target.into(),
        inbox: target.into(),
        kind: KIND.into(),
        body: serde_json::json!({"source": source, "target": target}).to_string(),
        created: now,
        attempts: 0,
        next_attempt: now,
        last_error: None,
        state: "pending".into(),
    })
}

/// One delivery attempt of an outbox entry of type [`KIND`].
pub fn attempt(client: &Client, m: &OutMsg) -> Delivery {
    let body: serde_json::Value = match serde_json::from_str(&m.body) {
        Ok(b) => b,
        Err(e) => return Delivery::Refused(format!("stored body is damaged: {e}")),
    };
    let (Some(source), Some(target)) = (body["source"].as_str(), body["target"].as_str()) else {
        return Delivery::Refused("stored body has no source and target".into());
    };
    let page = match fetch::get(client, target) {
        Ok(p) => p,
        Err(fetch::Failed::Status(code)) if (400..500).contains(&code) && code != 429 => {
            return Delivery::Refused(format!("target {target}: HTTP {code}"))
        }
        Err(fetch::Failed::Blocked(why)) => {
            return Delivery::Refused(format!("target {target}: {why}"))
        }
        Err(e) => {
            return Delivery::Retry {
                reason: format!("target {target}: {e}"),
                after: None,
            }
        }
    };
    match discover::endpoint(&page) {
        Some(endpoint) => fetch::post(client, endpoint.as_str(), source, target),
        None => Delivery::Refused(format!("{target} advertises no Webmention endpoint")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_links_to_other_sites_count_once_each() {
        let post = Url::parse("https://me.example/posts/hi/").unwrap();
        let html = r##"<p><a href="https://o.example/a">a</a> <a href="/posts/x/">mine</a>
            <a href="https://o.example/a#c">again</a> <a href="mailto:x@y">mail</a>
            <a href="#fn1">note</a> <a href="http://p.example/b?q=1">b</a></p>"##;
        assert_eq!(
            outgoing_links(&post, html, "https://me.example/"),
            ["https://o.example/a", "http://p.example/b?q=1"]
        );
    }

    #[test]
    fn the_cursor_skips_what_was_sent_and_private_changes() {
        let mut s = Store::in_memory().unwrap();
        let item = |url: &str, html: &str| {
            serde_json::json!({"url": url, "content_html": html, "published": "2026-01-01"})
                .to_string()
        };
        s.append_change(
            "upsert",
            "a",
            Some("h"),
            Some(&item(
                "https://me.example/a/",
                "<a href='https://o.example/1'>x</a>",
            )),
        )
        .unwrap();
        s.append_change("private", "b", Some("h"), None).unwrap();
        assert_eq!(queue_new_posts(&mut s, "https://me.example/").unwrap(), 1);
        assert_eq!(
            queue_new_posts(&mut s, "https://me.example/").unwrap(),
            0,
            "sent once"
        );
        let out = s.outbox().unwrap();
        assert_eq!(
            (out[0].kind.as_str(), out[0].recipient.as_str()),
            (KIND, "https://o.example/1")
        );
        let body: serde_json::Value = serde_json::from_str(&out[0].body).unwrap();
        assert_eq!(body["source"], "https://me.example/a/");
    }

    #[test]
    fn an_edit_or_a_delete_tells_the_targets_it_no_longer_links() {
        let mut s = Store::in_memory().unwrap();
        let site = "https://me.example/";
        let item = |html: &str| {
            serde_json::json!({"url": "https://me.example/a/", "content_html": html, "published": "2026-01-01"})
                .to_string()
        };
        let targets = |s: &Store| -> Vec<String> {
            let mut t: Vec<_> = s
                .outbox()
                .unwrap()
                .into_iter()
                .map(|m| m.recipient)
                .collect();
            t.sort();
            t
        };
        let id = "https://me.example/a/";
        s.append_change(
            "upsert",
            id,
            Some("1"),
            Some(&item("<a href='https://o.example/1'>x</a>")),
        )
        .unwrap();
        assert_eq!(queue_new_posts(&mut s, site).unwrap(), 1);
        s.append_change(
            "upsert",
            id,
            Some("2"),
            Some(&item("<a href='https://o.example/2'>y</a>")),
        )
        .unwrap();
        // The new link, and the old one so its site can drop the mention.
        assert_eq!(queue_new_posts(&mut s, site).unwrap(), 2);
        assert_eq!(
            targets(&s),
            [
                "https://o.example/1",
                "https://o.example/1",
                "https://o.example/2"
            ]
        );
        s.append_change("delete", id, None, None).unwrap();
        assert_eq!(queue_new_posts(&mut s, site).unwrap(), 1);
        assert_eq!(targets(&s).last().unwrap(), "https://o.example/2");
        let last = s
            .outbox()
            .unwrap()
            .into_iter()
            .max_by_key(|m| m.created)
            .unwrap();
        assert!(
            last.body.contains("\"source\":\"https://me.example/a/\""),
            "{}",
            last.body
        );
    }

    #[test]
    fn a_damaged_entry_is_refused_without_any_request() {
        let m = OutMsg {
            id: "1".into(),
            recipient: "https://o.example/".into(),
            inbox: "https://o.example/".into(),
            kind: KIND.into(),
            body: "{".into(),
            created: 0,
            attempts: 0,
            next_attempt: 0,
            last_error: None,
            state: "pending".into(),
        };
        assert!(matches!(
            attempt(&Client::new(false), &m),
            Delivery::Refused(_)
        ));
    }
}
