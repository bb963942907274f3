//! Pulling a friend's feed: one conditional GET of the feed head, older
//! pages only when we fell behind, and only changes newer than the last
//! one applied. Items are checked and sanitised before they are stored.

use super::client::{Client, Fetched, MAX_DOCUMENT};
use super::outbox::lock;
use super::protocol::{self, Change, FeedHead, FeedPage};
use super::{private, sanitize};
use crate::store::{now_ms, FriendItem, Store};
use anyhow::{anyhow, bail};
use std::collections::HashMap;
use std::sync::Mutex;

/// Most archive pages read to catch up in one pull.
pub const MAX_CATCHUP_PAGES: u64 = 50;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct PullReport {
    pub not_modified: bool,
    pub applied: usize,
    pub skipped: usize,
    pub requests: usize,
}

/// Pulls new changes from `friend_url`'s feed into the store.
pub fn pull(
    store: &Mutex<Store>,
    client: &Client,
    friend_url: &str,
    bootstrap_pages: u64,
    identities: &[age::x25519::Identity],
) -> anyhow::Result<PullReport> {
    let friend = lock(store)
        .friend(friend_url)?
        .filter(|f| f.state == "friend")
        .ok_or_else(|| anyhow!("{friend_url} is not a friend"))?;
    let result = pull_inner(store, client, &friend, bootstrap_pages, identities);
    if let Err(e) = &result {
        lock(store).set_pull_error(friend_url, &format!("{e:#}"))?;
    }
    result
}

fn pull_inner(
    store: &Mutex<Store>,
    client: &Client,
    friend: &crate::store::Friend,
    bootstrap_pages: u64,
    identities: &[age::x25519::Identity],
) -> anyhow::Result<PullReport> {
    let mut report = PullReport {
        requests: 1,
        ..Default::default()
    };
    let (bytes, etag) = match client.get(&friend.feed, friend.feed_etag.as_deref(), MAX_DOCUMENT)? {
        Fetched::NotModified => {
            lock(store).set_pull_ok(
                &friend.url,
                friend.last_seq,
                friend.feed_etag.as_deref(),
                now_ms(),
            )?;
            report.not_modified = true;
            return Ok(report);
        }
        Fetched::Body { bytes, etag } => (bytes, etag),
    };
    let head: FeedHead =
        serde_json::from_slice(&bytes).map_err(|e| anyhow!("feed head is malformed: {e}"))?;
    if protocol::normalize_url(&head.site).as_deref() != Some(friend.url.as_str()) {
        bail!("feed at {} claims to be {}", friend.feed, head.site);
    }
    let mut since = friend.last_seq.max(0) as u64;
    let mut reset = false;
    if head.last_seq < since {
        // Their change log restarted (state lost): start over.
        since = 0;
        reset = true;
    }
    let mut changes: Vec<Change> = Vec::new();
    let first_inline = head.changes.first().map_or(head.last_seq + 1, |c| c.seq);
    if first_inline > since + 1 && head.page_size > 0 {
        let last_page = (first_inline - 1).div_ceil(head.page_size).min(head.pages);
        let first_page = if since == 0 {
            last_page
                .saturating_sub(bootstrap_pages.saturating_sub(1))
                .max(1)
        } else {
            ((since + 1).div_ceil(head.page_size))
                .max(last_page.saturating_sub(MAX_CATCHUP_PAGES - 1))
        };
        if bootstrap_pages > 0 || since > 0 {
            let base = feed_base(&friend.feed);
            for n in first_page..=last_page {
                let url = format!("{base}{}", protocol::page_path(n));
                let page: FeedPage = client.get_json(&url)?;
                report.requests += 1;
                changes.extend(page.changes);
            }
        }
    }
    changes.extend(head.changes);
    changes.retain(|c| c.seq > since && c.seq <= head.last_seq);
    changes.sort_by_key(|c| c.seq);
    changes.dedup_by_key(|c| c.seq);

    // Friends-only posts are fetched and opened before the store is locked.
    let mut opened: HashMap<u64, FriendItem> = HashMap::new();
    let mut new_epochs: Vec<(u32, String)> = Vec::new();
    for c in changes.iter().filter(|c| c.op == "private") {
        match open_private(
            store,
            client,
            friend,
            c,
            identities,
            &mut new_epochs,
            &mut report,
        ) {
            Ok(item) => {
                opened.insert(c.seq, item);
            }
            Err(_) => report.skipped += 1, // not for us (any more), or tampered
        }
    }

    let mut st = lock(store);
    st.transaction(|s| {
        if reset {
            for it in s
                .friend_items(true)?
                .iter()
                .filter(|i| i.friend == friend.url)
            {
                s.delete_item(&friend.url, &it.id)?;
            }
        }
        for (epoch, identity) in &new_epochs {
            s.add_friend_epoch(&friend.url, *epoch, identity)?;
        }
        for c in &changes {
            if c.op == "private" {
                if let Some(item) = opened.get(&c.seq) {
                    s.upsert_item(item)?;
                    report.applied += 1;
                }
                continue;
            }
            match check_change(&friend.url, c) {
                Ok(Some(item)) => s.upsert_item(&item)?,
                Ok(None) => s.delete_item(&friend.url, &c.id)?,
                Err(_) => {
                    report.skipped += 1;
                    continue;
                }
            }
            report.applied += 1;
            crate::faultpoint::pause("ingest.item_stored");
        }
        s.set_pull_ok(&friend.url, head.last_seq as i64, etag.as_deref(), now_ms())
    })?;
    Ok(report)
}

/// Fetches, decrypts and verifies one friends-only post.
fn open_private(
    store: &Mutex<Store>,
    client: &Client,
    friend: &crate::store::Friend,
    c: &Change,
    identities: &[age::x25519::Identity],
    new_epochs: &mut Vec<(u32, String)>,
    report: &mut PullReport,
) -> anyhow::Result<FriendItem> {
    let prefix = format!("{}{}", friend.url, protocol::PRIVATE_DIR);
    if !c.id.starts_with(&prefix) {
        bail!("friends-only post {} is not under {prefix}", c.id);
    }
    let blob = match client.get(&c.id, None, MAX_DOCUMENT)? {
        Fetched::Body { bytes, .. } => bytes,
        Fetched::NotModified => bail!("unexpected 304"),
    };
    report.requests += 1;
    let at = private::post_epoch(&blob)?;
    let epoch = at.epoch;
    let cached = lock(store).friend_epoch(&friend.url, epoch)?;
    let known = new_epochs
        .iter()
        .find(|(e, _)| *e == epoch)
        .map(|(_, i)| i.clone());
    let group: age::x25519::Identity = match cached.or(known) {
        Some(text) => text
            .parse()
            .map_err(|e| anyhow!("stored group key is damaged: {e}"))?,
        None => {
            // Our copy of the group key is in the file of our current key, or
            // of a retired one if the author has not seen our rotation yet.
            let mut opened = None;
            for id in identities {
                let bucket = protocol::bucket_of(&id.to_public().to_string(), at.buckets);
                let url = format!("{prefix}{}", protocol::epoch_file(epoch, bucket));
                report.requests += 1;
                let Ok(Fetched::Body { bytes, .. }) = client.get(&url, None, MAX_DOCUMENT) else {
                    continue;
                };
                if let Ok(g) = private::open_epoch(&bytes, identities) {
                    opened = Some(g);
                    break;
                }
            }
            let group = opened.ok_or_else(|| anyhow!("not a recipient of epoch {epoch}"))?;
            use age::secrecy::ExposeSecret as _;
            new_epochs.push((epoch, group.to_string().expose_secret().to_string()));
            group
        }
    };
    let author = protocol::decode_key(&friend.signing_key).map_err(|e| anyhow!(e))?;
    let item = private::open_post(&blob, &group, &author)?;
    if !item.url.starts_with(&friend.url) {
        bail!("friends-only post claims a URL outside {}", friend.url);
    }
    let published =
        chrono::DateTime::parse_from_rfc3339(&item.published).map_err(|_| anyhow!("bad date"))?;
    Ok(FriendItem {
        friend: friend.url.clone(),
        id: c.id.clone(),
        title: item.title.as_deref().map(super::inbox::clean_name),
        content_html: sanitize::clean(&item.content_html, &item.url),
        published: published.to_rfc3339(),
        updated: item.updated,
        tags: item.tags.into_iter().take(20).collect(),
        private: true,
    })
}

/// `https://a/federation/feed.json` → `https://a/`
fn feed_base(feed: &str) -> &str {
    feed.strip_suffix(protocol::FEED_PATH).unwrap_or(feed)
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
            }),
        }
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
