//! Private state in SQLite (`.social/state.db`, WAL): friends, the outbox,
//! seen message ids, friends' cached items and this site's own change log.
//! The CLI and a running sidecar open it at the same time; WAL plus a busy
//! timeout make that safe, and every multi-step change is one transaction.
//!
//! This root opens the database, runs transactions and names the file and
//! table in errors; each concern adds its own `impl Store` in a child module:
//! `friends`, `outbox`, `items` (friends' items), `messages` (and seen ids),
//! `epochs` (group keys), `changelog`, `notifications`, `replies`, `reactions`; `migrations` holds the schema.

use anyhow::Context as _;
use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

mod changelog;
mod epochs;
mod friends;
mod health;
mod identity;
mod items;
mod logins;
mod messages;
mod migrations;
mod notifications;
mod outbox;
mod reactions;
mod replies;
mod sessions;
mod webmentions;

pub use changelog::ChangeRow;
pub use friends::Friend;
pub use identity::identity_evidence;
pub use items::FriendItem;
pub use messages::Message;
pub use migrations::SCHEMA_VERSION;
pub use notifications::{rfc3339, Kind as NotificationKind, Notification};
pub use outbox::{Lane, OutMsg, WEBMENTION};
pub use reactions::ReactionApplied;
pub use replies::Reply;
pub use sessions::Session;
pub use webmentions::{Found, Webmention};

/// What to do about a damaged state database, in every message that finds one.
pub const RESTORE_ADVICE: &str = "stop the sidecar, move .social/state.db (and state.db-wal, \
     state.db-shm) aside, and put back the newest copy made by `microsocial backup FILE` \
     as .social/state.db (see docs/guide/backups.md); messages since that copy are lost";

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub struct Store {
    conn: Connection,
    /// The database file, named in errors.
    path: std::path::PathBuf,
}

impl Store {
    /// The folder that holds the database (`.social/`).
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// Opens (creating if needed) the state database of the site at `root`.
    pub fn open(root: &Path) -> anyhow::Result<Store> {
        let dir = crate::fsutil::private_dir(root);
        crate::fsutil::create_closed_dir(&dir)?;
        Store::open_file(&dir.join("state.db"))
    }

    /// Opens (creating if needed) the state database at `path`.
    pub fn open_file(path: &Path) -> anyhow::Result<Store> {
        let conn =
            Connection::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        // Owner-only, whoever created it (and SQLite's -wal/-shm files
        // inherit this mode).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("cannot restrict {}", path.display()))?;
        }
        Store::init(conn, path).with_context(|| format!("cannot use {}", path.display()))
    }

    /// The raw connection, for unit tests that set up odd states.
    #[cfg(test)]
    pub fn conn_for_tests(&self) -> &Connection {
        &self.conn
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::anyhow;

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
}
