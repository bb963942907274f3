//! This site's change log: each build compares the posts it publishes with
//! what it published before and appends `upsert` / `delete` changes. The
//! log is published as a small head plus fixed pages numbered from the
//! oldest, so friends fetch only what is new and deletions propagate.

use super::protocol::{self, Change, FeedHead, FeedPage, Item};
use crate::store::Store;
use std::collections::{HashMap, HashSet};

/// On the very first sync of an existing site only this many of the newest
/// posts enter the log; older ones are recorded as published silently
/// (friends see them on the site itself, not in their timeline).
pub const FIRST_SYNC_ITEMS: usize = 200;

/// One published post as the log tracks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Permalink, or for a friends-only post the URL of its sealed blob.
    pub id: String,
    pub hash: String,
    /// Logged as a `private` change: no content, only where the blob is.
    pub private: bool,
}

/// What the log must record, given the posts published now (`current`,
/// newest first) and what was published before.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// Indices into `current` whose content is new or changed.
    pub upserts: Vec<usize>,
    /// Indices into `current` to record without a change (first sync only).
    pub silent: Vec<usize>,
    pub deletes: Vec<String>,
}

pub fn diff(current: &[Published], published: &HashMap<String, String>, first_sync: bool) -> Diff {
    let mut d = Diff::default();
    for (i, Published { id, hash, .. }) in current.iter().enumerate() {
        if published.get(id) != Some(hash) {
            if first_sync && i >= FIRST_SYNC_ITEMS {
                d.silent.push(i);
            } else {
                d.upserts.push(i);
            }
        }
    }
    let live: HashSet<&str> = current.iter().map(|p| p.id.as_str()).collect();
    let mut deletes: Vec<String> = published
        .keys()
        .filter(|id| !live.contains(id.as_str()))
        .cloned()
        .collect();
    deletes.sort();
    d.deletes = deletes;
    // Oldest first, so the log reads in publication order.
    d.upserts.reverse();
    d
}

/// Appends the changes in one transaction; returns the new last sequence number.
pub fn record(
    store: &mut Store,
    current: &[Published],
    diff: &Diff,
    item: &dyn Fn(usize) -> anyhow::Result<Item>,
) -> anyhow::Result<u64> {
    let items: Vec<(usize, Option<String>)> = diff
        .upserts
        .iter()
        .map(|&i| {
            Ok((
                i,
                match current[i].private {
                    true => None,
                    false => Some(serde_json::to_string(&item(i)?)?),
                },
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    store.transaction(|s| {
        for (i, json) in &items {
            let p = &current[*i];
            let op = if p.private { "private" } else { "upsert" };
            s.append_change(op, &p.id, Some(&p.hash), json.as_deref())?;
        }
        for &i in &diff.silent {
            s.mark_published(&current[i].id, &current[i].hash)?;
        }
        for id in &diff.deletes {
            s.append_change("delete", id, None, None)?;
        }
        s.last_seq()
    })
}

fn to_changes(rows: Vec<crate::store::ChangeRow>) -> anyhow::Result<Vec<Change>> {
    rows.into_iter()
        .map(|(seq, op, id, item)| {
            Ok(Change {
                seq,
                op,
                id,
                item: item.map(|j| serde_json::from_str(&j)).transpose()?,
            })
        })
        .collect()
}

pub fn head_bytes(store: &Store, site: &str) -> anyhow::Result<Vec<u8>> {
    let last = store.last_seq()?;
    let from = last.saturating_sub(protocol::HEAD_CHANGES - 1).max(1);
    let head = FeedHead {
        protocol: protocol::PROTOCOL.into(),
        site: site.into(),
        last_seq: last,
        page_size: protocol::CHANGES_PER_PAGE,
        pages: if last == 0 {
            0
        } else {
            protocol::page_of(last)
        },
        log: Some(store.log_id()?),
        changes: to_changes(store.changes(from, last)?)?,
    };
    Ok(serde_json::to_vec(&head)?)
}

pub fn page_bytes(store: &Store, site: &str, n: u64) -> anyhow::Result<Vec<u8>> {
    let first = (n - 1) * protocol::CHANGES_PER_PAGE + 1;
    let page = FeedPage {
        protocol: protocol::PROTOCOL.into(),
        site: site.into(),
        page: n,
        changes: to_changes(store.changes(first, first + protocol::CHANGES_PER_PAGE - 1)?)?,
    };
    Ok(serde_json::to_vec(&page)?)
}

/// Fingerprint inputs of page `n`: it changes only while it is not full.
pub fn page_version(n: u64, last_seq: u64) -> u64 {
    last_seq.min(n * protocol::CHANGES_PER_PAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(items: &[(&str, &str)]) -> Vec<Published> {
        items
            .iter()
            .map(|(a, b)| Published {
                id: a.to_string(),
                hash: b.to_string(),
                private: false,
            })
            .collect()
    }

    #[test]
    fn diff_finds_new_changed_and_deleted() {
        let published: HashMap<String, String> = [("a", "1"), ("b", "1"), ("gone", "1")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let d = diff(
            &cur(&[("new", "1"), ("b", "2"), ("a", "1")]),
            &published,
            false,
        );
        assert_eq!(d.upserts, vec![1, 0]);
        assert_eq!(d.deletes, vec!["gone".to_string()]);
        assert!(d.silent.is_empty());
    }

    #[test]
    fn first_sync_logs_only_the_newest() {
        let current: Vec<Published> = (0..FIRST_SYNC_ITEMS + 5)
            .map(|i| Published {
                id: i.to_string(),
                hash: "h".into(),
                private: false,
            })
            .collect();
        let d = diff(&current, &HashMap::new(), true);
        assert_eq!(d.upserts.len(), FIRST_SYNC_ITEMS);
        assert_eq!(d.silent.len(), 5);
    }

    #[test]
    fn log_round_trips_through_head_and_pages() {
        let mut s = Store::in_memory().unwrap();
        let mut current: Vec<Published> = (0..150)
            .map(|i| Published {
                id: format!("https://a/posts/{i}/"),
                hash: "h".into(),
                private: false,
            })
            .collect();
        let d = diff(&current, &HashMap::new(), false);
        let ids: Vec<String> = current.iter().map(|p| p.id.clone()).collect();
        let item = |i: usize| {
            Ok(Item {
                url: ids[i].clone(),
                title: None,
                content_html: "<p>x</p>".into(),
                published: "2026-11-24T00:00:00Z".into(),
                updated: None,
                tags: vec![],
            })
        };
        assert_eq!(record(&mut s, &current, &d, &item).unwrap(), 150);
        let head: FeedHead =
            serde_json::from_slice(&head_bytes(&s, "https://a/").unwrap()).unwrap();
        assert_eq!(head.last_seq, 150);
        assert_eq!(head.pages, 2);
        assert_eq!(head.changes.len() as u64, protocol::HEAD_CHANGES);
        assert_eq!(head.changes.last().unwrap().seq, 150);
        let p1: FeedPage =
            serde_json::from_slice(&page_bytes(&s, "https://a/", 1).unwrap()).unwrap();
        assert_eq!(p1.changes.len() as u64, protocol::CHANGES_PER_PAGE);
        assert_eq!(p1.changes[0].id, "https://a/posts/149/"); // oldest first
                                                              // Nothing changed: nothing to record.
        let again = diff(&current, &s.published().unwrap(), false);
        assert_eq!(again, Diff::default());
        // A friends-only post is logged without content.
        current.insert(
            0,
            Published {
                id: "https://a/federation/private/x.age".into(),
                hash: "h".into(),
                private: true,
            },
        );
        let d = diff(&current, &s.published().unwrap(), false);
        assert_eq!(record(&mut s, &current, &d, &item).unwrap(), 151);
        let head: FeedHead =
            serde_json::from_slice(&head_bytes(&s, "https://a/").unwrap()).unwrap();
        let last = head.changes.last().unwrap();
        assert_eq!((last.op.as_str(), last.item.is_none()), ("private", true));
        assert_eq!(page_version(1, 150), 100);
        assert_eq!(page_version(2, 150), 150);
    }
}
