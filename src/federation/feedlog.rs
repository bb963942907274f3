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

/// One change not yet in the store: (op, id, hash, item JSON).
type NewChange = (&'static str, String, Option<String>, Option<String>);

/// The changes a build makes, held back from the store until the output
/// that publishes them is live: a build that fails publishes nothing, so a
/// post that was never live never reaches the log.
#[derive(Debug, Default)]
pub struct Pending {
    /// The store's last sequence number when the changes were computed.
    base: u64,
    changes: Vec<NewChange>,
    /// Recorded as published without a change (first sync only).
    silent: Vec<(String, String)>,
}

impl Pending {
    /// Nothing to append: the log as stored.
    pub fn none(store: &Store) -> anyhow::Result<Pending> {
        Ok(Pending {
            base: store.last_seq()?,
            ..Pending::default()
        })
    }

    pub fn last_seq(&self) -> u64 {
        self.base + self.changes.len() as u64
    }

    /// How many changes the build appends.
    pub fn appended(&self) -> usize {
        self.changes.len()
    }

    /// Appends the changes in one transaction, with the sequence numbers
    /// the published documents already show.
    pub fn commit(self, store: &mut Store) -> anyhow::Result<()> {
        if self.changes.is_empty() && self.silent.is_empty() {
            return Ok(());
        }
        store.transaction(|s| {
            if s.last_seq()? != self.base {
                return Err(anyhow::anyhow!(
                    "the change log moved during the build (another build?): build again"
                ));
            }
            for (op, id, hash, json) in &self.changes {
                s.append_change(op, id, hash.as_deref(), json.as_deref())?;
            }
            for (id, hash) in &self.silent {
                s.mark_published(id, hash)?;
            }
            Ok(())
        })
    }

    /// Stored changes with `from <= seq <= to`, then the pending ones.
    fn changes(
        &self,
        store: &Store,
        from: u64,
        to: u64,
    ) -> anyhow::Result<Vec<crate::store::ChangeRow>> {
        let mut rows = if from <= self.base {
            store.changes(from, to.min(self.base))?
        } else {
            Vec::new()
        };
        for (k, (op, id, _, item)) in self.changes.iter().enumerate() {
            let seq = self.base + 1 + k as u64;
            if (from..=to).contains(&seq) {
                rows.push((seq, op.to_string(), id.clone(), item.clone()));
            }
        }
        Ok(rows)
    }
}

/// Computes the changes to append, without storing them.
pub fn pending(
    store: &Store,
    current: &[Published],
    diff: &Diff,
    item: &dyn Fn(usize) -> anyhow::Result<Item>,
) -> anyhow::Result<Pending> {
    let mut changes: Vec<NewChange> = Vec::new();
    for &i in &diff.upserts {
        let p = &current[i];
        let (op, json) = match p.private {
            true => ("private", None),
            false => ("upsert", Some(serde_json::to_string(&item(i)?)?)),
        };
        changes.push((op, p.id.clone(), Some(p.hash.clone()), json));
    }
    for id in &diff.deletes {
        changes.push(("delete", id.clone(), None, None));
    }
    let silent = diff
        .silent
        .iter()
        .map(|&i| (current[i].id.clone(), current[i].hash.clone()))
        .collect();
    Ok(Pending {
        base: store.last_seq()?,
        changes,
        silent,
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

pub fn head_bytes(store: &Store, log: &Pending, site: &str) -> anyhow::Result<Vec<u8>> {
    let last = log.last_seq();
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
        changes: to_changes(log.changes(store, from, last)?)?,
    };
    Ok(serde_json::to_vec(&head)?)
}

pub fn page_bytes(store: &Store, log: &Pending, site: &str, n: u64) -> anyhow::Result<Vec<u8>> {
    let first = (n - 1) * protocol::CHANGES_PER_PAGE + 1;
    let page = FeedPage {
        protocol: protocol::PROTOCOL.into(),
        site: site.into(),
        page: n,
        changes: to_changes(log.changes(store, first, first + protocol::CHANGES_PER_PAGE - 1)?)?,
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

    /// Stores the changes at once, as a build does once its output is live.
    fn record(
        s: &mut Store,
        current: &[Published],
        d: &Diff,
        item: &dyn Fn(usize) -> anyhow::Result<Item>,
    ) -> anyhow::Result<u64> {
        let p = pending(s, current, d, item)?;
        let last = p.last_seq();
        p.commit(s)?;
        Ok(last)
    }

    fn head_of(s: &Store) -> FeedHead {
        let log = Pending::none(s).unwrap();
        serde_json::from_slice(&head_bytes(s, &log, "https://a/").unwrap()).unwrap()
    }

    #[test]
    fn pending_changes_are_published_but_stored_only_on_commit() {
        let mut s = Store::in_memory().unwrap();
        let current = vec![Published {
            id: "https://a/posts/1/".into(),
            hash: "h".into(),
            private: true,
        }];
        let d = diff(&current, &HashMap::new(), false);
        let p = pending(&s, &current, &d, &|_| Err(anyhow::anyhow!("unused"))).unwrap();
        let shown: FeedHead =
            serde_json::from_slice(&head_bytes(&s, &p, "https://a/").unwrap()).unwrap();
        assert_eq!((shown.last_seq, shown.changes.len()), (1, 1));
        assert_eq!(s.last_seq().unwrap(), 0, "nothing stored before commit");
        assert!(s.published().unwrap().is_empty());
        p.commit(&mut s).unwrap();
        assert_eq!(head_of(&s).changes, shown.changes);
        // A log that moved meanwhile is refused, not overwritten.
        let stale = pending(&s, &[], &diff(&[], &s.published().unwrap(), false), &|_| {
            Err(anyhow::anyhow!("unused"))
        })
        .unwrap();
        s.append_change("delete", "https://a/x/", None, None)
            .unwrap();
        assert!(stale.commit(&mut s).is_err());
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
                ..Default::default()
            })
        };
        assert_eq!(record(&mut s, &current, &d, &item).unwrap(), 150);
        let head = head_of(&s);
        assert_eq!(head.last_seq, 150);
        assert_eq!(head.pages, 2);
        assert_eq!(head.changes.len() as u64, protocol::HEAD_CHANGES);
        assert_eq!(head.changes.last().unwrap().seq, 150);
        let p1: FeedPage = serde_json::from_slice(
            &page_bytes(&s, &Pending::none(&s).unwrap(), "https://a/", 1).unwrap(),
        )
        .unwrap();
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
        let head = head_of(&s);
        let last = head.changes.last().unwrap();
        assert_eq!((last.op.as_str(), last.item.is_none()), ("private", true));
        assert_eq!(page_version(1, 150), 100);
        assert_eq!(page_version(2, 150), 150);
    }
}
