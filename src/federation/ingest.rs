//! Pulling a friend's feed: one conditional GET of the feed head, older
//! pages only when we fell behind, and only changes newer than the last
//! one applied. Items are checked and sanitised before they are stored.

use super::client::{Client, Fetched, MAX_DOCUMENT};
use super::ingest_private::{open_all_private, Opened};
use super::outbox::lock;
use super::protocol::{self, Change, FeedHead, FeedPage};
use super::sanitize;
use crate::config::FederationConfig;
use crate::store::{now_ms, FriendItem, Store};
use anyhow::{anyhow, bail};
use std::collections::HashMap;
use std::sync::Mutex;

/// Most archive pages read to catch up in one pull.
pub const MAX_CATCHUP_PAGES: u64 = 50;

pub use super::pull_report::PullReport;

/// Pulls new changes from `friend_url`'s feed into the store.
pub fn pull(
    store: &Mutex<Store>,
    client: &Client,
    friend_url: &str,
    cfg: &FederationConfig,
    identities: &[age::x25519::Identity],
) -> anyhow::Result<PullReport> {
    let friend = lock(store)
        .friend(friend_url)?
        .filter(|f| f.state == "friend")
        .ok_or_else(|| anyhow!("{friend_url} is not a friend"))?;
    let result = pull_inner(store, client, &friend, cfg, identities);
    if matches!(&result, Ok(r) if !r.not_modified) {
        // Best effort: a failed refresh keeps the old name until the next change.
        let _ = super::profile::refresh(store, client, &friend);
    }
    if let Err(e) = &result {
        lock(store).set_pull_error(friend_url, &format!("{e:#}"))?;
    }
    result
}

/// The steps of PROTOCOL.md §6.3 in order: head, restart check, pages,
/// friends-only blobs, then one transaction.
fn pull_inner(
    store: &Mutex<Store>,
    client: &Client,
    friend: &crate::store::Friend,
    cfg: &FederationConfig,
    identities: &[age::x25519::Identity],
) -> anyhow::Result<PullReport> {
    let mut report = PullReport {
        requests: 1,
        ..Default::default()
    };
    let Some((mut head, etag)) = fetch_head(store, client, friend, cfg)? else {
        report.not_modified = true;
        return Ok(report);
    };
    let mut since = friend.last_seq.max(0) as u64;
    let known_log = lock(store).friend_log(&friend.url)?;
    // Their change log restarted (state lost): a new log id, or a shorter
    // log from a writer that sends no id. Start over.
    let new_log = matches!((&known_log, &head.log), (Some(a), Some(b)) if a != b);
    let reset = new_log || head.last_seq < since;
    if reset {
        since = 0;
    }
    let limits = (cfg.bootstrap_pages, cfg.max_inline_changes);
    let mut raw = fetch_pages(client, friend, &head, since, limits, &mut report)?;
    raw.extend(std::mem::take(&mut head.changes));
    let (changes, malformed) = lenient_changes(raw, since, head.last_seq);
    report.skipped += malformed.len();
    let mut last_skip = malformed.last().cloned();
    if reset {
        // Epoch numbers restart with the log: the old group keys are stale.
        lock(store).clear_friend_epochs(&friend.url)?;
    }
    // Friends-only posts are fetched and opened before the store is locked.
    let opened = open_all_private(
        store,
        client,
        friend,
        &changes,
        identities,
        &mut report,
        &mut last_skip,
    );
    let pulled = Pulled {
        head: &head,
        etag: etag.as_deref(),
        known_log: known_log.as_deref(),
        reset,
        changes: &changes,
        opened,
    };
    store_pull(store, friend, cfg, pulled, &mut report, &mut last_skip)?;
    Ok(report)
}

/// The feed head, checked; None when it has not changed since the last pull.
fn fetch_head(
    store: &Mutex<Store>,
    client: &Client,
    friend: &crate::store::Friend,
    cfg: &FederationConfig,
) -> anyhow::Result<Option<(FeedHead<serde_json::Value>, Option<String>)>> {
    let (bytes, etag) = match client.get(&friend.feed, friend.feed_etag.as_deref(), MAX_DOCUMENT)? {
        Fetched::NotModified => {
            lock(store).set_pull_ok(
                &friend.url,
                friend.last_seq,
                friend.feed_etag.as_deref(),
                now_ms(),
            )?;
            return Ok(None);
        }
        Fetched::Body { bytes, etag } => (bytes, etag),
    };
    let head: FeedHead<serde_json::Value> = serde_json::from_slice(&bytes)
        .map_err(|e| anyhow!("feed head at {} is malformed: {e}", friend.feed))?;
    if protocol::normalize_url(&head.site).as_deref() != Some(friend.url.as_str()) {
        bail!("feed at {} claims to be {}", friend.feed, head.site);
    }
    within_cap(&friend.feed, head.changes.len(), cfg.max_inline_changes)?;
    // Sequence numbers are stored as SQLite integers; a larger one is no log
    // anyone can have written, and would overflow the page arithmetic.
    if i64::try_from(head.last_seq).is_err() {
        bail!(
            "feed head at {} is malformed: last_seq {} is larger than 2^63 - 1",
            friend.feed,
            head.last_seq
        );
    }
    Ok(Some((head, etag)))
}

/// What one pull read, ready to be stored.
struct Pulled<'a> {
    head: &'a FeedHead<serde_json::Value>,
    etag: Option<&'a str>,
    known_log: Option<&'a str>,
    reset: bool,
    changes: &'a [Change],
    opened: Opened,
}

/// Stores a pull in one transaction.
fn store_pull(
    store: &Mutex<Store>,
    friend: &crate::store::Friend,
    cfg: &FederationConfig,
    p: Pulled<'_>,
    report: &mut PullReport,
    last_skip: &mut Option<String>,
) -> anyhow::Result<()> {
    let mut st = lock(store);
    st.transaction(|s| {
        if p.reset {
            s.clear_friend_items(&friend.url)?;
            s.clear_replies_via(&friend.url)?;
        }
        for (epoch, identity) in &p.opened.epochs {
            s.add_friend_epoch(&friend.url, *epoch, identity)?;
        }
        apply_changes(s, friend, p.changes, &p.opened.items, report, last_skip)?;
        if p.head.log.as_deref() != p.known_log {
            s.set_friend_log(&friend.url, p.head.log.as_deref())?;
        }
        if report.skipped > 0 {
            s.add_skipped(&friend.url, report.skipped, last_skip.as_deref())?;
        }
        report.dropped = s.keep_newest_items(&friend.url, cfg.max_items_per_friend)?;
        s.set_pull_ok(&friend.url, p.head.last_seq as i64, p.etag, now_ms())
    })
}

/// A friend's feed document carries at most `cap` changes: a conforming
/// one never comes near (pages hold 100, the head 20).
fn within_cap(url: &str, n: usize, cap: usize) -> anyhow::Result<()> {
    if n > cap {
        bail!("{url} carries {n} changes, more than max_inline_changes = {cap}; refused");
    }
    Ok(())
}

/// Stores each change (friends-only ones as `opened` before), skipping and
/// counting the ones that fail their checks.
fn apply_changes(
    s: &Store,
    friend: &crate::store::Friend,
    changes: &[Change],
    opened: &HashMap<u64, (FriendItem, protocol::Item)>,
    report: &mut PullReport,
    last_skip: &mut Option<String>,
) -> anyhow::Result<()> {
    for c in changes {
        if c.op == "private" {
            if let Some((item, raw)) = opened.get(&c.seq) {
                s.upsert_item(item)?;
                report.replies +=
                    usize::from(super::reply::ingest_item(s, friend, &c.id, raw, true)?);
                report.applied += 1;
            }
            continue;
        }
        match check_change(&friend.url, c) {
            Ok(Some(item)) => {
                s.upsert_item(&item)?;
                if let Some(raw) = &c.item {
                    let touched = super::reply::ingest_item(s, friend, &c.id, raw, false)?;
                    report.replies += usize::from(touched);
                }
            }
            Ok(None) => {
                s.delete_item(&friend.url, &c.id)?;
                report.replies += usize::from(super::reply::forget(s, &friend.url, &c.id)?);
            }
            Err(e) => {
                report.skipped += 1;
                *last_skip = Some(format!("change {}: {e}", c.seq));
                continue;
            }
        }
        report.applied += 1;
        crate::faultpoint::pause("ingest.item_stored");
    }
    Ok(())
}

/// The pages holding changes after `since` that the head does not carry
/// (PROTOCOL.md §6.3), as raw changes; at bootstrap only the newest pages.
fn fetch_pages(
    client: &Client,
    friend: &crate::store::Friend,
    head: &FeedHead<serde_json::Value>,
    since: u64,
    (bootstrap_pages, cap): (u64, usize),
    report: &mut PullReport,
) -> anyhow::Result<Vec<serde_json::Value>> {
    let mut raw = Vec::new();
    let first_inline = head
        .changes
        .iter()
        .filter_map(raw_seq)
        .min()
        .unwrap_or(head.last_seq.saturating_add(1));
    if first_inline <= since.saturating_add(1)
        || head.page_size == 0
        || (since == 0 && bootstrap_pages == 0)
    {
        return Ok(raw);
    }
    let last_page = (first_inline - 1).div_ceil(head.page_size).min(head.pages);
    let first_page = if since == 0 {
        last_page
            .saturating_sub(bootstrap_pages.saturating_sub(1))
            .max(1)
    } else {
        ((since + 1).div_ceil(head.page_size)).max(last_page.saturating_sub(MAX_CATCHUP_PAGES - 1))
    };
    for n in first_page..=last_page {
        let url = page_url(&friend.feed, n);
        let page: FeedPage<serde_json::Value> = client.get_json(&url)?;
        report.requests += 1;
        within_cap(&url, page.changes.len(), cap)?;
        raw.extend(page.changes);
    }
    Ok(raw)
}

/// The `seq` of a change still in raw JSON, if it has a usable one.
fn raw_seq(c: &serde_json::Value) -> Option<u64> {
    c.get("seq").and_then(serde_json::Value::as_u64)
}

/// Parses each change on its own: the ones in (since, last] that are
/// well-formed, sorted and unique by `seq`, and a reason for each one in that
/// range that is not. A change without a usable `seq` cannot be placed in
/// the log; it is reported once per pull that reads it.
pub fn lenient_changes(
    raw: Vec<serde_json::Value>,
    since: u64,
    last: u64,
) -> (Vec<Change>, Vec<String>) {
    let mut changes = Vec::new();
    let mut malformed = Vec::new();
    for v in raw {
        let Some(seq) = raw_seq(&v) else {
            malformed.push("a change has no integer `seq`".to_string());
            continue;
        };
        if seq <= since || seq > last {
            continue;
        }
        match serde_json::from_value::<Change>(v) {
            Ok(c) => changes.push(c),
            Err(e) => malformed.push(format!("change {seq} is malformed: {e}")),
        }
    }
    changes.sort_by_key(|c| c.seq);
    changes.dedup_by_key(|c| c.seq);
    (changes, malformed)
}

/// Page `n` of the log whose head is at `head`: `changes/{n}.json` resolved
/// against the head URL, so next to it (`…/federation/changes/{n}.json`).
pub fn page_url(head: &str, n: u64) -> String {
    let dir = head.rfind('/').map_or(head, |i| &head[..=i]);
    format!("{dir}changes/{n}.json")
}

/// Validates one change from `friend`; Some(item) to store, None to delete.
pub fn check_change(friend: &str, c: &Change) -> Result<Option<FriendItem>, String> {
    if !c.id.starts_with(friend) {
        return Err(format!("item {} is not on {friend}", c.id));
    }
    match (c.op.as_str(), &c.item) {
        ("delete", _) => Ok(None),
        ("upsert", Some(item)) => {
            if item.url != c.id {
                return Err("item url differs from its id".into());
            }
            let published = chrono::DateTime::parse_from_rfc3339(&item.published)
                .map_err(|_| format!("item {} has a bad date", c.id))?;
            let updated = item
                .updated
                .as_deref()
                .and_then(|u| chrono::DateTime::parse_from_rfc3339(u).ok())
                .map(|d| d.to_rfc3339());
            Ok(Some(FriendItem {
                friend: friend.to_string(),
                id: c.id.clone(),
                title: item
                    .title
                    .as_deref()
                    .map(super::inbox::clean_name)
                    .filter(|t| !t.is_empty()),
                content_html: sanitize::clean(&item.content_html, &item.url),
                published: published.to_rfc3339(),
                updated,
                tags: item
                    .tags
                    .iter()
                    .take(20)
                    .map(|t| t.chars().filter(|c| !c.is_control()).take(50).collect())
                    .collect(),
                private: false,
            }))
        }
        _ => Err(format!(
            "change {} has unknown op `{}` or no item",
            c.seq, c.op
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(seq: u64, op: &str, id: &str, html: &str) -> Change {
        Change {
            seq,
            op: op.into(),
            id: id.into(),
            item: (op == "upsert").then(|| protocol::Item {
                url: id.into(),
                title: Some("T".into()),
                content_html: html.into(),
                published: "2026-11-24T10:00:00Z".into(),
                updated: None,
                tags: vec!["x".into()],
                ..Default::default()
            }),
        }
    }

    #[test]
    fn pages_resolve_next_to_the_head() {
        assert_eq!(
            page_url("https://a.example/federation/feed.json", 3),
            format!("https://a.example/{}", protocol::page_path(3))
        );
        assert_eq!(
            page_url("https://a.example/blog/log/head.json", 1),
            "https://a.example/blog/log/changes/1.json"
        );
    }

    #[test]
    fn items_are_checked_and_sanitised() {
        let a = "https://a.example/";
        let it = check_change(
            a,
            &change(
                1,
                "upsert",
                "https://a.example/posts/x/",
                "<p>hi<script>x</script></p>",
            ),
        )
        .unwrap()
        .unwrap();
        assert_eq!(it.content_html, "<p>hi</p>");
        assert!(check_change(
            a,
            &change(2, "upsert", "https://evil.example/posts/x/", "x")
        )
        .is_err());
        assert_eq!(
            check_change(a, &change(3, "delete", "https://a.example/posts/x/", "")).unwrap(),
            None
        );
        let mut bad = change(4, "upsert", "https://a.example/posts/y/", "x");
        bad.item.as_mut().unwrap().published = "yesterday".into();
        assert!(check_change(a, &bad).is_err());
    }
}

#[cfg(test)]
#[path = "ingest_tests.rs"]
mod pull_tests;
