//! Received Webmentions (queued, verified or refused, and the owner's
//! decision), and how far `publish` has sent Webmentions for this site's
//! own changes.

use super::Store;
use anyhow::Context as _;
use rusqlite::{params, OptionalExtension as _};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webmention {
    pub id: String,
    pub source: String,
    pub target: String,
    /// `queued`, `verified` or `refused`.
    pub state: String,
    /// `approved`, `rejected` or None (undecided).
    pub decision: Option<String>,
    pub reason: Option<String>,
    /// `reply`, `like`, `repost` or `mention`.
    pub kind: String,
    pub author_name: Option<String>,
    pub author_url: Option<String>,
    pub content: Option<String>,
    pub published: Option<String>,
    pub received: i64,
}

impl Webmention {
    /// What the owner sees: queued, refused, pending (verified, waiting for
    /// approval), approved or rejected.
    pub fn status(&self) -> &str {
        match (self.state.as_str(), self.decision.as_deref()) {
            ("verified", None) => "pending",
            ("verified", Some(d)) => d,
            (s, _) => s,
        }
    }
}

/// What verification found in the source's h-entry.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub kind: String,
    pub author_name: Option<String>,
    pub author_url: Option<String>,
    pub content: Option<String>,
    pub published: Option<String>,
}

const COLS: &str = "id, source, target, state, decision, reason, kind, author_name, author_url, content, published, received";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Webmention> {
    Ok(Webmention {
        id: r.get(0)?,
        source: r.get(1)?,
        target: r.get(2)?,
        state: r.get(3)?,
        decision: r.get(4)?,
        reason: r.get(5)?,
        kind: r.get(6)?,
        author_name: r.get(7)?,
        author_url: r.get(8)?,
        content: r.get(9)?,
        published: r.get(10)?,
        received: r.get(11)?,
    })
}

const CURSOR: &str = "webmention_sent_seq";

impl Store {
    /// Queues (`source`, `target`) for verification under a new `id`, or
    /// queues the existing row again (its id and the owner's word stay).
    /// Returns the row's id.
    pub fn queue_webmention(
        &self,
        id: &str,
        source: &str,
        target: &str,
        now: i64,
    ) -> anyhow::Result<String> {
        self.at("webmentions", || {
            self.conn.execute(
                "INSERT INTO webmentions (id, source, target, state, received) VALUES (?1, ?2, ?3, 'queued', ?4)
                 ON CONFLICT (source, target) DO UPDATE SET state = 'queued', reason = NULL, received = ?4",
                params![id, source, target, now],
            )?;
            Ok(self.conn.query_row(
                "SELECT id FROM webmentions WHERE source = ?1 AND target = ?2",
                params![source, target],
                |r| r.get(0),
            )?)
        })
    }

    /// The oldest queued mention, if any.
    pub fn next_queued_webmention(&self) -> anyhow::Result<Option<Webmention>> {
        self.at("webmentions", || {
            Ok(self
                .conn
                .query_row(
                    &format!("SELECT {COLS} FROM webmentions WHERE state = 'queued' ORDER BY received LIMIT 1"),
                    [],
                    row,
                )
                .optional()?)
        })
    }

    /// The oldest `limit` queued mentions, oldest first (workers pick one
    /// whose source host is not being checked already).
    pub fn queued_webmention_list(&self, limit: usize) -> anyhow::Result<Vec<Webmention>> {
        self.at("webmentions", || {
            let mut st = self.conn.prepare_cached(&format!(
                "SELECT {COLS} FROM webmentions WHERE state = 'queued' ORDER BY received LIMIT ?1"
            ))?;
            let rows = st.query_map([limit as i64], row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Queued mentions whose source starts with `origin` (`https://host/`).
    pub fn queued_webmentions_from(&self, origin: &str) -> anyhow::Result<i64> {
        let pattern = format!(
            "{}%",
            origin
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        self.at("webmentions", || {
            Ok(self.conn.query_row(
                "SELECT COUNT(*) FROM webmentions WHERE state = 'queued' AND source LIKE ?1 ESCAPE '\\'",
                [pattern],
                |r| r.get(0),
            )?)
        })
    }

    pub fn queued_webmentions(&self) -> anyhow::Result<i64> {
        self.at("webmentions", || {
            Ok(self.conn.query_row(
                "SELECT COUNT(*) FROM webmentions WHERE state = 'queued'",
                [],
                |r| r.get(0),
            )?)
        })
    }

    /// Marks `id` verified with what its source says; `approve` decides it
    /// when the owner has not (a friend's mention).
    pub fn webmention_verified(
        &self,
        id: &str,
        f: &Found,
        approve: bool,
        now: i64,
    ) -> anyhow::Result<()> {
        self.at("webmentions", || {
            self.conn.execute(
                "UPDATE webmentions SET state = 'verified', reason = NULL, kind = ?2, author_name = ?3,
                 author_url = ?4, content = ?5, published = ?6, checked = ?7,
                 decision = CASE WHEN decision IS NULL AND ?8 THEN 'approved' ELSE decision END
                 WHERE id = ?1",
                params![id, f.kind, f.author_name, f.author_url, f.content, f.published, now, approve],
            )?;
            Ok(())
        })
    }

    /// Marks `id` refused; what it showed before is dropped.
    pub fn webmention_refused(&self, id: &str, reason: &str, now: i64) -> anyhow::Result<()> {
        self.at("webmentions", || {
            self.conn.execute(
                "UPDATE webmentions SET state = 'refused', reason = ?2, checked = ?3,
                 author_name = NULL, author_url = NULL, content = NULL, published = NULL WHERE id = ?1",
                params![id, reason, now],
            )?;
            Ok(())
        })
    }

    /// Every mention, newest first.
    pub fn webmentions(&self) -> anyhow::Result<Vec<Webmention>> {
        self.at("webmentions", || {
            let mut st = self.conn.prepare_cached(&format!(
                "SELECT {COLS} FROM webmentions ORDER BY received DESC, id"
            ))?;
            let rows = st.query_map([], row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    /// The mention whose id is `id` or starts with it (one match only).
    pub fn find_webmention(&self, id: &str) -> anyhow::Result<Option<Webmention>> {
        let all = self.webmentions()?;
        let mut hits = all.into_iter().filter(|w| w.id.starts_with(id));
        match (hits.next(), hits.next()) {
            (Some(w), None) => Ok(Some(w)),
            (Some(_), Some(_)) => anyhow::bail!("more than one Webmention id starts with `{id}`"),
            _ => Ok(None),
        }
    }

    pub fn decide_webmention(&self, id: &str, decision: &str) -> anyhow::Result<()> {
        self.at("webmentions", || {
            self.conn.execute(
                "UPDATE webmentions SET decision = ?2 WHERE id = ?1",
                params![id, decision],
            )?;
            Ok(())
        })
    }

    /// The item JSON of the last `upsert` of `id` before change `seq`:
    /// what an edited or deleted post linked to before.
    pub fn upsert_before(&self, id: &str, seq: u64) -> anyhow::Result<Option<String>> {
        self.at("changes", || {
            Ok(self
                .conn
                .query_row(
                    "SELECT item FROM changes WHERE id = ?1 AND seq < ?2 AND op = 'upsert'
                     ORDER BY seq DESC LIMIT 1",
                    params![id, seq as i64],
                    |r| r.get(0),
                )
                .optional()?
                .flatten())
        })
    }

    /// The last change of this site's log Webmentions were sent for.
    pub fn webmention_cursor(&self) -> anyhow::Result<u64> {
        self.at("site_meta", || {
            let v: Option<String> = self
                .conn
                .query_row(
                    "SELECT value FROM site_meta WHERE key = ?1",
                    [CURSOR],
                    |r| r.get(0),
                )
                .optional()?;
            v.map_or(Ok(0), |s| {
                s.parse()
                    .with_context(|| format!("{CURSOR} is `{s}`, not a number"))
            })
        })
    }

    pub fn set_webmention_cursor(&self, seq: u64) -> anyhow::Result<()> {
        self.at("site_meta", || {
            self.conn.execute(
                "INSERT OR REPLACE INTO site_meta (key, value) VALUES (?1, ?2)",
                params![CURSOR, seq.to_string()],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_mentions_are_counted_per_source_origin() {
        let s = Store::in_memory().unwrap();
        s.queue_webmention("w1", "https://b.example/1", "https://a/p/", 5)
            .unwrap();
        s.queue_webmention("w2", "https://b.example/2", "https://a/p/", 6)
            .unwrap();
        s.queue_webmention("w3", "https://b.example.evil/3", "https://a/p/", 7)
            .unwrap();
        s.queue_webmention("w4", "https://b_example/4", "https://a/p/", 8)
            .unwrap();
        assert_eq!(s.queued_webmentions_from("https://b.example/").unwrap(), 2);
        assert_eq!(
            s.queued_webmentions_from("https://b%example/").unwrap(),
            0,
            "% is no wildcard"
        );
        assert_eq!(s.queued_webmentions_from("https://bxexample/").unwrap(), 0);
        let list = s.queued_webmention_list(2).unwrap();
        assert_eq!(
            list.iter().map(|w| w.id.as_str()).collect::<Vec<_>>(),
            ["w1", "w2"]
        );
    }

    #[test]
    fn a_mention_is_queued_verified_decided_and_requeued_keeping_the_decision() {
        let s = Store::in_memory().unwrap();
        let id = s
            .queue_webmention("w1", "https://b/1", "https://a/p/", 5)
            .unwrap();
        assert_eq!(s.queued_webmentions().unwrap(), 1);
        let w = s.next_queued_webmention().unwrap().unwrap();
        assert_eq!((w.id.as_str(), w.status()), ("w1", "queued"));
        let found = Found {
            kind: "reply".into(),
            content: Some("hi".into()),
            ..Found::default()
        };
        s.webmention_verified(&id, &found, false, 6).unwrap();
        assert_eq!(s.find_webmention("w").unwrap().unwrap().status(), "pending");
        s.decide_webmention(&id, "rejected").unwrap();
        // Sent again: same row, still rejected once verified, even for a friend.
        assert_eq!(
            s.queue_webmention("w2", "https://b/1", "https://a/p/", 7)
                .unwrap(),
            "w1"
        );
        s.webmention_verified(&id, &found, true, 8).unwrap();
        assert_eq!(s.webmentions().unwrap()[0].status(), "rejected");
        s.webmention_refused(&id, "no link", 9).unwrap();
        let w = s.find_webmention("w1").unwrap().unwrap();
        assert_eq!((w.status(), w.content.as_deref()), ("refused", None));
        assert!(s.find_webmention("zz").unwrap().is_none());
    }

    #[test]
    fn the_cursor_starts_at_the_log_and_moves() {
        let s = Store::in_memory().unwrap();
        assert_eq!(s.webmention_cursor().unwrap(), 0);
        s.set_webmention_cursor(12).unwrap();
        assert_eq!(s.webmention_cursor().unwrap(), 12);
    }
}
