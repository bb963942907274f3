//! Whether a state database holds anything a peer could have seen: the
//! proof that the site already has an identity. A database that holds only
//! web sessions or a password (`serve` makes one for its sign-in link) does
//! not; one with friends, messages or a published change log does.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Tables whose rows only exist once the site has met a peer or published,
/// with the words that name them to a person.
const SEEN_BY_PEERS: &[(&str, &str)] = &[
    ("changes", "a published change log"),
    ("published", "a published change log"),
    ("friends", "friends or friend requests"),
    ("messages", "private messages"),
    ("outbox", "messages waiting for delivery"),
    ("my_epochs", "sealed friends-only posts"),
    ("friend_epochs", "friends' sealed-post keys"),
    ("friend_items", "friends' posts"),
    ("replies", "replies"),
    ("reactions", "reactions"),
    ("notifications", "notifications"),
    ("webmentions", "Webmentions"),
    ("seen", "received messages"),
];

/// What in the database at `path` shows an identity others know, in words,
/// or `None` when there is nothing (or no database). A database that cannot
/// be read counts as holding an identity: refusing is the safe mistake.
pub fn identity_evidence(path: &Path) -> Option<String> {
    if !path.exists() {
        return None;
    }
    let found = (|| -> rusqlite::Result<Option<&'static str>> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        for (table, words) in SEEN_BY_PEERS {
            let exists: bool = conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
                [table],
                |r| r.get(0),
            )?;
            if !exists {
                continue;
            }
            let rows: bool =
                conn.query_row(&format!("SELECT EXISTS(SELECT 1 FROM {table})"), [], |r| {
                    r.get(0)
                })?;
            if rows {
                return Ok(Some(words));
            }
        }
        Ok(None)
    })();
    match found {
        Ok(words) => words.map(|w| format!("{} holds {w}", path.display())),
        Err(e) => Some(format!("{} cannot be read ({e})", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        (dir, path)
    }

    #[test]
    fn no_database_and_an_empty_one_hold_no_identity() {
        let (_d, path) = db();
        assert_eq!(identity_evidence(&path), None);
        let store = super::super::Store::open_file(&path).unwrap();
        store.add_login_token("abc", i64::MAX).unwrap();
        drop(store);
        assert_eq!(identity_evidence(&path), None, "sessions are no identity");
    }

    #[test]
    fn a_friend_or_a_change_is_an_identity() {
        let (_d, path) = db();
        let store = super::super::Store::open_file(&path).unwrap();
        store
            .conn
            .execute(
                "INSERT INTO changes (seq, op, id, item) VALUES (1, 'delete', 'x', NULL)",
                [],
            )
            .unwrap();
        drop(store);
        let found = identity_evidence(&path).unwrap();
        assert!(found.contains("published change log"), "{found}");
    }

    #[test]
    fn a_damaged_database_counts_as_an_identity() {
        let (_d, path) = db();
        std::fs::write(&path, b"not a database at all, but not empty either").unwrap();
        let found = identity_evidence(&path).unwrap();
        assert!(found.contains("cannot be read"), "{found}");
    }
}
