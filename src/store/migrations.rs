//! Schema migrations of the state database: an ordered list, applied in
//! one transaction when the database is opened. `PRAGMA user_version` holds
//! the number of migrations applied. A migration, once released, never
//! changes: a new column or table is a new entry at the end.

use anyhow::{anyhow, Context as _};
use rusqlite::Connection;

/// One step: its number (1-based, the `user_version` after it) and SQL.
struct Migration {
    version: i64,
    what: &'static str,
    sql: &'static str,
}

/// Every migration in order. Version 1 is the first released schema; its
/// `IF NOT EXISTS` clauses keep databases made before migrations existed
/// (which already say `user_version = 1`) valid.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        what: "friends, outbox, seen ids, friends' items, messages, epochs, change log",
        sql: V1,
    },
    Migration {
        version: 2,
        what: "count of a friend's items dropped by max_items_per_friend",
        sql: "ALTER TABLE friends ADD COLUMN items_dropped INTEGER NOT NULL DEFAULT 0;",
    },
    Migration {
        version: 3,
        what: "the ETag of each friend's discovery document (name and avatar refresh)",
        sql: "ALTER TABLE friends ADD COLUMN discovery_etag TEXT;",
    },
    Migration {
        version: 4,
        what: "skipped changes, change-log ids and accepted message types per friend",
        sql: V4_FEED_STATE,
    },
    Migration {
        version: 5,
        what: "owner web interface: sessions and one-time sign-in tokens",
        sql: V5_SESSIONS,
    },
    Migration {
        version: 6,
        what: "notifications, replies to our posts, reactions",
        sql: V6_CONVERSATIONS,
    },
    Migration {
        version: 7,
        what: "received Webmentions, and how far publish has sent them",
        sql: V7_WEBMENTIONS,
    },
    Migration {
        version: 8,
        what: "each friend's bio from their discovery document (read again at the next pull)",
        sql: "ALTER TABLE friends ADD COLUMN bio TEXT; UPDATE friends SET discovery_etag = NULL;",
    },
    Migration {
        version: 9,
        what: "friends' former names, so `chat Ann` still finds Ann after a rename",
        sql: V9_FORMER_NAMES,
    },
    Migration {
        version: 10,
        what: "failed password sign-ins per address, shared by serve and the sidecar",
        sql: "CREATE TABLE login_failures (
                  source TEXT PRIMARY KEY,   -- ip:ADDRESS, or net:PREFIX/64 for IPv6
                  failures INTEGER NOT NULL,
                  last INTEGER NOT NULL      -- ms since the epoch
              ) WITHOUT ROWID;",
    },
    Migration {
        version: 11,
        what: "this site's own reactions, so a sender keeps to 8 emoji per post",
        sql: "CREATE TABLE my_reactions (
                  post TEXT NOT NULL,
                  emoji TEXT NOT NULL,
                  PRIMARY KEY (post, emoji)
              ) WITHOUT ROWID;",
    },
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// Brings the database up to [`SCHEMA_VERSION`], all steps or none.
pub fn migrate(conn: &Connection) -> anyhow::Result<()> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .context("cannot read the schema version")?;
    if version > SCHEMA_VERSION {
        return Err(anyhow!(
            "state database is from a newer Microsocial (schema {version}, this build knows {SCHEMA_VERSION}): upgrade microsocial"
        ));
    }
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")
        .context("cannot start the schema migration")?;
    let result = (|| {
        for m in MIGRATIONS.iter().filter(|m| m.version > version) {
            conn.execute_batch(m.sql)
                .with_context(|| format!("migration {} ({}) failed", m.version, m.what))?;
            // user_version cannot be bound as a parameter; the number is ours.
            conn.execute_batch(&format!("PRAGMA user_version = {}", m.version))?;
        }
        anyhow::Ok(())
    })();
    match result {
        Ok(()) => conn
            .execute_batch("COMMIT")
            .context("cannot commit the schema migration"),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

const V1: &str = "
CREATE TABLE IF NOT EXISTS friends (
    url TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('friend', 'outgoing', 'incoming')),
    signing_key TEXT NOT NULL,
    encryption_key TEXT NOT NULL,
    inbox TEXT NOT NULL,
    feed TEXT NOT NULL,
    avatar TEXT,
    created INTEGER NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    feed_etag TEXT,
    last_pull INTEGER,
    last_pull_error TEXT,
    last_heard INTEGER
);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    inbox TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    created INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    lease_until INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed'))
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt);
CREATE TABLE IF NOT EXISTS seen (
    sender TEXT NOT NULL,
    id TEXT NOT NULL,
    received INTEGER NOT NULL,
    PRIMARY KEY (sender, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_received ON seen (received);
CREATE TABLE IF NOT EXISTS friend_items (
    friend TEXT NOT NULL,
    id TEXT NOT NULL,
    title TEXT,
    content_html TEXT NOT NULL,
    published TEXT NOT NULL,
    updated TEXT,
    tags TEXT NOT NULL,
    -- 1 for a friends-only post: shown in the private view only.
    private INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (friend, id)
);
CREATE TABLE IF NOT EXISTS messages (
    peer TEXT NOT NULL,
    id TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    body TEXT NOT NULL,
    at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'received')),
    read INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (peer, id)
);
CREATE INDEX IF NOT EXISTS messages_id ON messages (id);
-- Group keys of this site's friends-only posts, one per set of recipients.
CREATE TABLE IF NOT EXISTS my_epochs (
    epoch INTEGER PRIMARY KEY,
    identity TEXT NOT NULL,
    recipients TEXT NOT NULL,
    created INTEGER NOT NULL
);
-- The sealed files of each epoch's group key (sealing is the slow part, so
-- a build into a fresh folder reuses them).
CREATE TABLE IF NOT EXISTS my_epoch_files (
    epoch INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (epoch, bucket)
);
-- Group keys friends shared with us.
CREATE TABLE IF NOT EXISTS friend_epochs (
    friend TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    identity TEXT NOT NULL,
    PRIMARY KEY (friend, epoch)
);
CREATE TABLE IF NOT EXISTS published (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY,
    op TEXT NOT NULL CHECK (op IN ('upsert', 'delete', 'private')),
    id TEXT NOT NULL,
    item TEXT
);
";

const V4_FEED_STATE: &str = "
-- Changes of a friend's log skipped as malformed or unopenable, and why.
ALTER TABLE friends ADD COLUMN skipped_changes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE friends ADD COLUMN last_skip TEXT;
-- The `log` id of the friend's change log last read: a new one means restarted.
ALTER TABLE friends ADD COLUMN feed_log TEXT;
-- The friend's discovery `accepts` list, newline-separated; NULL = base set.
ALTER TABLE friends ADD COLUMN accepts TEXT;
-- Files an epoch key was split into; NULL for epochs sealed before this
-- column (then it was ceil(recipients / 64)).
ALTER TABLE my_epochs ADD COLUMN buckets INTEGER;
-- Single values of this site: the id of its own change log.
CREATE TABLE site_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

const V6_CONVERSATIONS: &str = "
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    from_site TEXT NOT NULL,
    url TEXT,
    text TEXT NOT NULL,
    time INTEGER NOT NULL,
    read INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_unread ON notifications (read, time);
-- Replies read from change logs: `via` is the site whose log carried it
-- (the replier's own, or the parent's author relaying its thread).
CREATE TABLE replies (
    url TEXT NOT NULL,
    via TEXT NOT NULL,
    -- The post that starts the thread, and the post or reply answered.
    root TEXT NOT NULL,
    parent TEXT NOT NULL,
    author TEXT NOT NULL,
    author_name TEXT NOT NULL,
    content_html TEXT NOT NULL,
    published TEXT NOT NULL,
    private INTEGER NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    received INTEGER NOT NULL,
    PRIMARY KEY (url, via)
);
CREATE INDEX replies_root ON replies (root);
-- Reactions to our posts. A removal is kept (present = 0) with its time,
-- so an older add delivered late cannot bring the reaction back.
CREATE TABLE reactions (
    post TEXT NOT NULL,
    reactor TEXT NOT NULL,
    emoji TEXT NOT NULL,
    present INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (post, reactor, emoji)
);
";

/// Only hashes of the secrets are stored: a copy of the database cannot
/// sign anyone in. The owner's password hash lives in `site_meta`.
const V5_SESSIONS: &str = "
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,          -- SHA-256 of the cookie value, hex
    csrf TEXT NOT NULL,           -- the token every form of this session carries
    created INTEGER NOT NULL,     -- ms since the epoch
    expires INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    how TEXT NOT NULL,            -- `link` or `password`, and from where
    flash TEXT,                   -- what the last POST did, shown once
    seen_until INTEGER NOT NULL DEFAULT 0  -- newest timeline entry shown
);
CREATE TABLE login_tokens (
    hash TEXT PRIMARY KEY,        -- SHA-256 of the token, hex
    expires INTEGER NOT NULL
);
";

const V7_WEBMENTIONS: &str = "
-- One row per (source, target): a re-sent mention updates it.
CREATE TABLE webmentions (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    -- queued (waiting for verification), verified, refused (see reason).
    state TEXT NOT NULL CHECK (state IN ('queued', 'verified', 'refused')),
    -- The owner's word: NULL (undecided), approved or rejected.
    decision TEXT CHECK (decision IN ('approved', 'rejected')),
    reason TEXT,
    kind TEXT NOT NULL DEFAULT 'mention',
    author_name TEXT,
    author_url TEXT,
    content TEXT,
    published TEXT,
    received INTEGER NOT NULL,
    checked INTEGER,
    UNIQUE (source, target)
);
CREATE INDEX webmentions_state ON webmentions (state, received);
-- Publish sends Webmentions for changes after this seq; posts published
-- before this version are not announced again.
INSERT OR REPLACE INTO site_meta (key, value)
    SELECT 'webmention_sent_seq', COALESCE(MAX(seq), 0) FROM changes;
";

/// Every rename, however it happens (a discovery refresh, a new request),
/// leaves the old name here; a friend removed takes their names along.
const V9_FORMER_NAMES: &str = "
CREATE TABLE friend_names (
    url TEXT NOT NULL,
    name TEXT NOT NULL,
    until INTEGER NOT NULL,       -- ms since the epoch: when it stopped being theirs
    PRIMARY KEY (url, name)
) WITHOUT ROWID;
CREATE TRIGGER friend_renamed AFTER UPDATE OF name ON friends
    WHEN OLD.name <> NEW.name
BEGIN
    INSERT OR REPLACE INTO friend_names (url, name, until)
        VALUES (OLD.url, OLD.name, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER friend_removed AFTER DELETE ON friends
BEGIN
    DELETE FROM friend_names WHERE url = OLD.url;
END;
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(
                m.version,
                i as i64 + 1,
                "migration {} is out of order",
                m.what
            );
        }
    }

    #[test]
    fn a_newer_database_is_refused_and_left_alone() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
            .unwrap();
        let err = migrate(&conn).unwrap_err().to_string();
        assert!(err.contains("newer Microsocial"), "{err}");
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION + 1);
    }

    #[test]
    fn a_failing_migration_changes_nothing() {
        let conn = Connection::open_in_memory().unwrap();
        // A table in the way makes version 1's index creation fail halfway.
        conn.execute_batch("CREATE TABLE outbox (x INTEGER)")
            .unwrap();
        assert!(migrate(&conn).is_err());
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, 0);
        let friends: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'friends'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(friends, 0, "the partly applied step was rolled back");
    }
}
