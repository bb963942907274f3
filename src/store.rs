//! Private state in SQLite (`.social/state.db`, WAL): friends, the outbox,
//! seen message ids, friends' cached items and this site's own change log.
//! The CLI and a running sidecar open it at the same time; WAL plus a busy
//! timeout make that safe, and every multi-step change is one transaction.

use anyhow::{anyhow, Context as _};
use rusqlite::{params, Connection, OptionalExtension as _};
use std::path::Path;
use std::time::Duration;

mod caps;
mod feedstate;
mod health;
mod migrations;
mod outbox_admin;
mod profile;

pub use migrations::SCHEMA_VERSION;

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Friend {
    pub url: String,
    pub name: String,
    /// `friend`, `outgoing` (we asked) or `incoming` (they asked).
    pub state: String,
    pub signing_key: String,
    pub encryption_key: String,
    pub inbox: String,
    pub feed: String,
    pub avatar: Option<String>,
    pub created: i64,
    pub last_seq: i64,
    pub feed_etag: Option<String>,
    pub last_pull: Option<i64>,
    pub last_pull_error: Option<String>,
    pub last_heard: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutMsg {
    pub id: String,
    pub recipient: String,
    pub inbox: String,
    pub kind: String,
    pub body: String,
    pub created: i64,
    pub attempts: i64,
    pub next_attempt: i64,
    pub last_error: Option<String>,
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FriendItem {
    pub friend: String,
    pub id: String,
    pub title: Option<String>,
    pub content_html: String,
    pub published: String,
    pub updated: Option<String>,
    pub tags: Vec<String>,
    pub private: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub peer: String,
    pub id: String,
    /// `in` or `out`.
    pub direction: String,
    pub body: String,
    pub at: i64,
    /// `pending`, `delivered`, `failed` (outgoing) or `received`.
    pub state: String,
    pub read: bool,
}

pub struct Store {
    conn: Connection,
    /// The database file, named in errors.
    path: std::path::PathBuf,
}

/// One row of the change log: (seq, op, id, item JSON).
pub type ChangeRow = (u64, String, String, Option<String>);

const FRIEND_COLS: &str = "url, name, state, signing_key, encryption_key, inbox, feed, avatar, created, last_seq, feed_etag, last_pull, last_pull_error, last_heard";

fn friend_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Friend> {
    Ok(Friend {
        url: r.get(0)?,
        name: r.get(1)?,
        state: r.get(2)?,
        signing_key: r.get(3)?,
        encryption_key: r.get(4)?,
        inbox: r.get(5)?,
        feed: r.get(6)?,
        avatar: r.get(7)?,
        created: r.get(8)?,
        last_seq: r.get(9)?,
        feed_etag: r.get(10)?,
        last_pull: r.get(11)?,
        last_pull_error: r.get(12)?,
        last_heard: r.get(13)?,
    })
}

const OUT_COLS: &str =
    "id, recipient, inbox, type, body, created, attempts, next_attempt, last_error, state";

fn out_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutMsg> {
    Ok(OutMsg {
        id: r.get(0)?,
        recipient: r.get(1)?,
        inbox: r.get(2)?,
        kind: r.get(3)?,
        body: r.get(4)?,
        created: r.get(5)?,
        attempts: r.get(6)?,
        next_attempt: r.get(7)?,
        last_error: r.get(8)?,
        state: r.get(9)?,
    })
}

impl Store {
    /// Opens (creating if needed) the state database of the site at `root`.
    pub fn open(root: &Path) -> anyhow::Result<Store> {
        let dir = crate::federation::keys::private_dir(root);
        crate::federation::keys::create_private_dir(&dir)?;
        let path = dir.join("state.db");
        let conn =
            Connection::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        // Owner-only, whoever created it (and SQLite's -wal/-shm files
        // inherit this mode).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("cannot restrict {}", path.display()))?;
        }
        Store::init(conn, &path).with_context(|| format!("cannot use {}", path.display()))
    }

    #[cfg(test)]
    pub fn in_memory() -> anyhow::Result<Store> {
        Store::init(Connection::open_in_memory()?, Path::new(":memory:"))
    }

    fn init(conn: Connection, path: &Path) -> anyhow::Result<Store> {
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // WAL with NORMAL survives a killed process; only a power cut can
        // lose the last commits, never corrupt the file.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations::migrate(&conn)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Runs `f` in one IMMEDIATE transaction: all of it happens or none.
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&Store) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        match f(self) {
            Ok(v) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Runs `f`, naming the database file and `table` if it fails: a
    /// damaged database must say where to look.
    pub fn at<T>(&self, table: &str, f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
        f().with_context(|| {
            format!(
                "state database {}, table {table} (damaged? restore it from a backup)",
                self.path.display()
            )
        })
    }

    // ---- friends

    pub fn friends(&self) -> anyhow::Result<Vec<Friend>> {
        self.at("friends", || {
            let mut st = self.conn.prepare_cached(&format!(
                "SELECT {FRIEND_COLS} FROM friends ORDER BY name COLLATE NOCASE, url"
            ))?;
            let rows = st
                .query_map([], friend_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    pub fn friend(&self, url: &str) -> anyhow::Result<Option<Friend>> {
        self.at("friends", || {
            let mut st = self
                .conn
                .prepare_cached(&format!("SELECT {FRIEND_COLS} FROM friends WHERE url = ?1"))?;
            Ok(st.query_row([url], friend_row).optional()?)
        })
    }

    /// A friend by URL (normalised) or by name (case-insensitive).
    pub fn find_friend(&self, who: &str) -> anyhow::Result<Option<Friend>> {
        if let Some(url) = crate::federation::protocol::normalize_url(who) {
            if let Some(f) = self.friend(&url)? {
                return Ok(Some(f));
            }
        }
        let matches: Vec<Friend> = self
            .friends()?
            .into_iter()
            .filter(|f| f.name.eq_ignore_ascii_case(who.trim()))
            .collect();
        match matches.len() {
            0 | 1 => Ok(matches.into_iter().next()),
            _ => Err(anyhow!("several friends are called `{who}`: use the URL")),
        }
    }

    pub fn upsert_friend(&self, f: &Friend) -> anyhow::Result<()> {
        self.conn.execute(
            "INSERT INTO friends (url, name, state, signing_key, encryption_key, inbox, feed, avatar, created)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (url) DO UPDATE SET name = ?2, state = ?3, signing_key = ?4, encryption_key = ?5,
                inbox = ?6, feed = ?7, avatar = ?8",
            params![f.url, f.name, f.state, f.signing_key, f.encryption_key, f.inbox, f.feed, f.avatar, f.created],
        )?;
        Ok(())
    }

    pub fn set_friend_state(&self, url: &str, state: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE friends SET state = ?2 WHERE url = ?1",
            params![url, state],
        )?;
        Ok(())
    }

    /// Drops a friendship and everything cached from that site.
    pub fn remove_friend(&self, url: &str) -> anyhow::Result<()> {
        self.conn
            .execute("DELETE FROM friend_items WHERE friend = ?1", [url])?;
        self.conn
            .execute("DELETE FROM friends WHERE url = ?1", [url])?;
        Ok(())
    }

    pub fn mark_heard(&self, url: &str, now: i64) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE friends SET last_heard = ?2 WHERE url = ?1",
            params![url, now],
        )?;
        Ok(())
    }

    pub fn set_pull_ok(
        &self,
        url: &str,
        last_seq: i64,
        etag: Option<&str>,
        now: i64,
    ) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE friends SET last_seq = ?2, feed_etag = ?3, last_pull = ?4, last_pull_error = NULL WHERE url = ?1",
            params![url, last_seq, etag, now],
        )?;
        Ok(())
    }

    pub fn set_pull_error(&self, url: &str, error: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE friends SET last_pull_error = ?2 WHERE url = ?1",
            params![url, error],
        )?;
        Ok(())
    }

    // ---- replay protection

    /// Records a message id; false when it was seen before from that sender.
    pub fn record_seen(&self, sender: &str, id: &str, now: i64) -> anyhow::Result<bool> {
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO seen (sender, id, received) VALUES (?1, ?2, ?3)",
            params![sender, id, now],
        )?;
        Ok(n == 1)
    }

    /// Forgets ids older than `before`; the clock window rejects their replays anyway.
    pub fn prune_seen(&self, before: i64) -> anyhow::Result<usize> {
        Ok(self
            .conn
            .execute("DELETE FROM seen WHERE received < ?1", [before])?)
    }

    // ---- outbox

    pub fn enqueue(&self, m: &OutMsg) -> anyhow::Result<()> {
        self.conn.execute(
            &format!(
                "INSERT INTO outbox ({OUT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ),
            params![
                m.id,
                m.recipient,
                m.inbox,
                m.kind,
                m.body,
                m.created,
                m.attempts,
                m.next_attempt,
                m.last_error,
                m.state
            ],
        )?;
        Ok(())
    }

    /// Claims up to `limit` due messages for `lease_ms`, so two processes
    /// never send the same attempt at once.
    pub fn claim_due(
        &mut self,
        now: i64,
        lease_ms: i64,
        limit: usize,
    ) -> anyhow::Result<Vec<OutMsg>> {
        self.transaction(|s| {
            let mut st = s.conn.prepare_cached(&format!(
                "SELECT {OUT_COLS} FROM outbox WHERE state = 'pending' AND next_attempt <= ?1 AND lease_until <= ?1
                 ORDER BY next_attempt, created LIMIT ?2"
            ))?;
            let due = st
                .query_map(params![now, limit as i64], out_row)?
                .collect::<Result<Vec<_>, _>>()?;
            for m in &due {
                s.conn.execute(
                    "UPDATE outbox SET lease_until = ?2 WHERE id = ?1",
                    params![m.id, now + lease_ms],
                )?;
            }
            Ok(due)
        })
    }

    pub fn delivered(&self, id: &str) -> anyhow::Result<()> {
        self.conn
            .execute("DELETE FROM outbox WHERE id = ?1", [id])?;
        self.conn.execute(
            "UPDATE messages SET state = 'delivered' WHERE id = ?1 AND direction = 'out'",
            [id],
        )?;
        Ok(())
    }

    pub fn retry_later(&self, id: &str, next_attempt: i64, error: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2, lease_until = 0, last_error = ?3 WHERE id = ?1",
            params![id, next_attempt, error],
        )?;
        Ok(())
    }

    pub fn give_up(&self, id: &str, error: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, state = 'failed', lease_until = 0, last_error = ?2 WHERE id = ?1",
            params![id, error],
        )?;
        self.conn.execute(
            "UPDATE messages SET state = 'failed' WHERE id = ?1 AND direction = 'out'",
            [id],
        )?;
        Ok(())
    }

    pub fn outbox_entry(&self, id: &str) -> anyhow::Result<Option<OutMsg>> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {OUT_COLS} FROM outbox WHERE id = ?1"))?;
        Ok(st.query_row([id], out_row).optional()?)
    }

    // ---- private messages

    /// Stores a message; false when that id was already stored for the peer.
    pub fn add_message(&self, m: &Message) -> anyhow::Result<bool> {
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO messages (peer, id, direction, body, at, state, read)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![m.peer, m.id, m.direction, m.body, m.at, m.state, m.read],
        )?;
        Ok(n == 1)
    }

    /// The conversation with `peer`, oldest first.
    pub fn messages(&self, peer: &str) -> anyhow::Result<Vec<Message>> {
        let mut st = self.conn.prepare_cached(
            "SELECT peer, id, direction, body, at, state, read FROM messages WHERE peer = ?1 ORDER BY at, rowid",
        )?;
        let rows = st
            .query_map([peer], |r| {
                Ok(Message {
                    peer: r.get(0)?,
                    id: r.get(1)?,
                    direction: r.get(2)?,
                    body: r.get(3)?,
                    at: r.get(4)?,
                    state: r.get(5)?,
                    read: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// (peer, messages, unread, last time) for every conversation.
    pub fn conversations(&self) -> anyhow::Result<Vec<(String, i64, i64, i64)>> {
        let mut st = self.conn.prepare_cached(
            "SELECT peer, COUNT(*), SUM(CASE WHEN direction = 'in' AND read = 0 THEN 1 ELSE 0 END), MAX(at)
             FROM messages GROUP BY peer ORDER BY MAX(at) DESC",
        )?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn mark_read(&self, peer: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE messages SET read = 1 WHERE peer = ?1 AND direction = 'in'",
            [peer],
        )?;
        Ok(())
    }

    pub fn clear_messages(&self, peer: &str) -> anyhow::Result<usize> {
        Ok(self
            .conn
            .execute("DELETE FROM messages WHERE peer = ?1", [peer])?)
    }

    pub fn set_encryption_key(&self, url: &str, key: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE friends SET encryption_key = ?2 WHERE url = ?1",
            params![url, key],
        )?;
        Ok(())
    }

    // ---- group keys of friends-only posts

    /// This site's newest epoch: (number, identity, recipients fingerprint).
    pub fn my_epoch(&self) -> anyhow::Result<Option<(u32, String, String)>> {
        self.at("my_epochs", || {
            Ok(self
                .conn
                .query_row(
                    "SELECT epoch, identity, recipients FROM my_epochs ORDER BY epoch DESC LIMIT 1",
                    [],
                    |r| Ok((r.get::<_, i64>(0)? as u32, r.get(1)?, r.get(2)?)),
                )
                .optional()?)
        })
    }

    pub fn add_my_epoch(&self, epoch: u32, identity: &str, recipients: &str) -> anyhow::Result<()> {
        self.at("my_epochs", || {
            self.conn.execute(
                "INSERT INTO my_epochs (epoch, identity, recipients, created) VALUES (?1, ?2, ?3, ?4)",
                params![epoch as i64, identity, recipients, now_ms()],
            )?;
            Ok(())
        })
    }

    pub fn add_epoch_file(&self, epoch: u32, bucket: u16, bytes: &[u8]) -> anyhow::Result<()> {
        self.at("my_epoch_files", || {
            self.conn.execute(
                "INSERT OR REPLACE INTO my_epoch_files (epoch, bucket, bytes) VALUES (?1, ?2, ?3)",
                params![epoch as i64, bucket as i64, bytes],
            )?;
            Ok(())
        })
    }

    pub fn epoch_files(&self, epoch: u32) -> anyhow::Result<Vec<(u16, Vec<u8>)>> {
        self.at("my_epoch_files", || {
            let mut st = self.conn.prepare_cached(
                "SELECT bucket, bytes FROM my_epoch_files WHERE epoch = ?1 ORDER BY bucket",
            )?;
            let rows = st
                .query_map([epoch as i64], |r| {
                    Ok((r.get::<_, i64>(0)? as u16, r.get(1)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    pub fn friend_epoch(&self, friend: &str, epoch: u32) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT identity FROM friend_epochs WHERE friend = ?1 AND epoch = ?2",
                params![friend, epoch as i64],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn add_friend_epoch(&self, friend: &str, epoch: u32, identity: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO friend_epochs (friend, epoch, identity) VALUES (?1, ?2, ?3)",
            params![friend, epoch as i64, identity],
        )?;
        Ok(())
    }

    /// Makes every pending message to `recipient` due now (they are back).
    pub fn wake(&self, recipient: &str, now: i64) -> anyhow::Result<usize> {
        Ok(self.conn.execute(
            "UPDATE outbox SET next_attempt = ?2 WHERE recipient = ?1 AND state = 'pending' AND next_attempt > ?2",
            params![recipient, now],
        )?)
    }

    pub fn outbox(&self) -> anyhow::Result<Vec<OutMsg>> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {OUT_COLS} FROM outbox ORDER BY created"))?;
        let rows = st.query_map([], out_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn next_due(&self) -> anyhow::Result<Option<i64>> {
        Ok(self.conn.query_row(
            "SELECT MIN(MAX(next_attempt, lease_until)) FROM outbox WHERE state = 'pending'",
            [],
            |r| r.get::<_, Option<i64>>(0),
        )?)
    }

    // ---- friends' items

    pub fn upsert_item(&self, it: &FriendItem) -> anyhow::Result<()> {
        self.conn.execute(
            "INSERT INTO friend_items (friend, id, title, content_html, published, updated, tags, private)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (friend, id) DO UPDATE SET title = ?3, content_html = ?4, published = ?5, updated = ?6,
                tags = ?7, private = ?8",
            params![
                it.friend,
                it.id,
                it.title,
                it.content_html,
                it.published,
                it.updated,
                serde_json::to_string(&it.tags)?,
                it.private
            ],
        )?;
        Ok(())
    }

    pub fn delete_item(&self, friend: &str, id: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "DELETE FROM friend_items WHERE friend = ?1 AND id = ?2",
            params![friend, id],
        )?;
        Ok(())
    }

    /// Items of current friends only; friends-only posts when `private`.
    pub fn friend_items(&self, private: bool) -> anyhow::Result<Vec<FriendItem>> {
        self.at("friend_items", || {
            let mut st = self.conn.prepare_cached(
                "SELECT i.friend, i.id, i.title, i.content_html, i.published, i.updated, i.tags, i.private
                 FROM friend_items i JOIN friends f ON f.url = i.friend AND f.state = 'friend'
                 WHERE i.private <= ?1",
            )?;
            let rows = st
                .query_map([private], |r| {
                    let tags: String = r.get(6)?;
                    Ok(FriendItem {
                        friend: r.get(0)?,
                        id: r.get(1)?,
                        title: r.get(2)?,
                        content_html: r.get(3)?,
                        published: r.get(4)?,
                        updated: r.get(5)?,
                        tags: serde_json::from_str(&tags).unwrap_or_default(),
                        private: r.get(7)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    // ---- this site's change log

    pub fn published(&self) -> anyhow::Result<std::collections::HashMap<String, String>> {
        self.at("published", || {
            let mut st = self.conn.prepare_cached("SELECT id, hash FROM published")?;
            let rows = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
    }

    pub fn last_seq(&self) -> anyhow::Result<u64> {
        self.at("changes", || {
            let v: Option<i64> = self
                .conn
                .query_row("SELECT MAX(seq) FROM changes", [], |r| r.get(0))?;
            Ok(v.unwrap_or(0) as u64)
        })
    }

    /// Appends one change and records what is now published under `id`.
    pub fn append_change(
        &self,
        op: &str,
        id: &str,
        hash: Option<&str>,
        item: Option<&str>,
    ) -> anyhow::Result<u64> {
        self.at("changes", || {
            self.conn.execute(
                "INSERT INTO changes (op, id, item) VALUES (?1, ?2, ?3)",
                params![op, id, item],
            )?;
            let seq = self.conn.last_insert_rowid() as u64;
            match hash {
                Some(h) => self.conn.execute(
                    "INSERT INTO published (id, hash) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET hash = ?2",
                    params![id, h],
                )?,
                None => self.conn.execute("DELETE FROM published WHERE id = ?1", [id])?,
            };
            Ok(seq)
        })
    }

    /// Records `id` as published without a change (first sync of old posts).
    pub fn mark_published(&self, id: &str, hash: &str) -> anyhow::Result<()> {
        self.at("published", || {
            self.conn.execute(
                "INSERT INTO published (id, hash) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET hash = ?2",
                params![id, hash],
            )?;
            Ok(())
        })
    }

    /// Changes with `from <= seq <= to`, oldest first, as (seq, op, id, item JSON).
    pub fn changes(&self, from: u64, to: u64) -> anyhow::Result<Vec<ChangeRow>> {
        self.at("changes", || {
            let mut st = self.conn.prepare_cached(
                "SELECT seq, op, id, item FROM changes WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq",
            )?;
            let rows = st
                .query_map(params![from as i64, to as i64], |r| {
                    Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?, r.get(3)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn friend(url: &str, name: &str, state: &str) -> Friend {
        Friend {
            url: url.into(),
            name: name.into(),
            state: state.into(),
            signing_key: "ed25519:x".into(),
            encryption_key: "age1x".into(),
            inbox: format!("{url}inbox"),
            feed: format!("{url}federation/feed.json"),
            avatar: None,
            created: 1,
            last_seq: 0,
            feed_etag: None,
            last_pull: None,
            last_pull_error: None,
            last_heard: None,
        }
    }

    #[test]
    fn seen_ids_detect_replays_per_sender() {
        let s = Store::in_memory().unwrap();
        assert!(s.record_seen("https://a/", "1", 10).unwrap());
        assert!(!s.record_seen("https://a/", "1", 11).unwrap());
        assert!(s.record_seen("https://b/", "1", 12).unwrap());
        assert_eq!(s.prune_seen(11).unwrap(), 1);
    }

    #[test]
    fn failed_transaction_stores_nothing() {
        let mut s = Store::in_memory().unwrap();
        let r: anyhow::Result<()> = s.transaction(|s| {
            s.record_seen("https://a/", "1", 10)?;
            Err(anyhow!("rejected later"))
        });
        assert!(r.is_err());
        assert!(s.record_seen("https://a/", "1", 10).unwrap());
    }

    #[test]
    fn friends_by_url_or_name_and_removal_drops_items() {
        let s = Store::in_memory().unwrap();
        s.upsert_friend(&friend("https://a.example/", "Ann", "friend"))
            .unwrap();
        assert_eq!(
            s.find_friend("ann").unwrap().unwrap().url,
            "https://a.example/"
        );
        assert_eq!(
            s.find_friend("HTTPS://A.EXAMPLE").unwrap().unwrap().name,
            "Ann"
        );
        let item = FriendItem {
            friend: "https://a.example/".into(),
            id: "https://a.example/posts/x/".into(),
            title: None,
            content_html: "<p>x</p>".into(),
            published: "2026-11-24T00:00:00Z".into(),
            updated: None,
            tags: vec!["t".into()],
            private: false,
        };
        s.upsert_item(&item).unwrap();
        s.upsert_item(&FriendItem {
            id: "https://a.example/federation/private/p.age".into(),
            private: true,
            ..item
        })
        .unwrap();
        assert_eq!(
            s.friend_items(false).unwrap().len(),
            1,
            "public view has no private posts"
        );
        assert_eq!(s.friend_items(true).unwrap().len(), 2);
        s.remove_friend("https://a.example/").unwrap();
        assert!(s.friend_items(true).unwrap().is_empty());
        assert!(s.find_friend("Ann").unwrap().is_none());
    }

    #[test]
    fn outbox_leases_and_wakes() {
        let mut s = Store::in_memory().unwrap();
        let m = OutMsg {
            id: "m1".into(),
            recipient: "https://b/".into(),
            inbox: "https://b/inbox".into(),
            kind: "feed.updated".into(),
            body: "{}".into(),
            created: 0,
            attempts: 0,
            next_attempt: 100,
            last_error: None,
            state: "pending".into(),
        };
        s.enqueue(&m).unwrap();
        assert!(s.claim_due(50, 1000, 10).unwrap().is_empty());
        assert_eq!(s.claim_due(100, 1000, 10).unwrap().len(), 1);
        // Leased: a second claimant gets nothing.
        assert!(s.claim_due(101, 1000, 10).unwrap().is_empty());
        s.retry_later("m1", 5000, "down").unwrap();
        assert_eq!(s.wake("https://b/", 200).unwrap(), 1);
        let again = s.claim_due(200, 1000, 10).unwrap();
        assert_eq!(again[0].attempts, 1);
        s.delivered("m1").unwrap();
        assert!(s.outbox().unwrap().is_empty());
    }

    #[test]
    fn messages_dedupe_track_delivery_and_clear() {
        let s = Store::in_memory().unwrap();
        let m = Message {
            peer: "https://b/".into(),
            id: "m1".into(),
            direction: "out".into(),
            body: "hi".into(),
            at: 1,
            state: "pending".into(),
            read: true,
        };
        assert!(s.add_message(&m).unwrap());
        assert!(!s.add_message(&m).unwrap(), "same id twice is stored once");
        s.delivered("m1").unwrap();
        assert_eq!(s.messages("https://b/").unwrap()[0].state, "delivered");
        s.add_message(&Message {
            id: "m2".into(),
            direction: "in".into(),
            state: "received".into(),
            read: false,
            at: 2,
            ..m.clone()
        })
        .unwrap();
        assert_eq!(
            s.conversations().unwrap(),
            vec![("https://b/".to_string(), 2, 1, 2)]
        );
        s.mark_read("https://b/").unwrap();
        assert_eq!(s.conversations().unwrap()[0].2, 0);
        assert_eq!(s.clear_messages("https://b/").unwrap(), 2);
        assert!(s.messages("https://b/").unwrap().is_empty());
    }

    #[test]
    fn change_log_numbers_and_tracks_published() {
        let s = Store::in_memory().unwrap();
        assert_eq!(
            s.append_change("upsert", "u1", Some("h1"), Some("{}"))
                .unwrap(),
            1
        );
        assert_eq!(s.append_change("delete", "u1", None, None).unwrap(), 2);
        assert_eq!(s.last_seq().unwrap(), 2);
        assert!(s.published().unwrap().is_empty());
        assert_eq!(s.changes(2, 2).unwrap()[0].1, "delete");
    }
}
