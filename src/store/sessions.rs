//! The owner's web sessions, one-time sign-in tokens and password hash.
//! Callers pass hashes only; the secrets never reach the database.

use super::Store;
use rusqlite::{params, OptionalExtension as _};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie value, hex.
    pub id: String,
    pub csrf: String,
    pub created: i64,
    pub expires: i64,
    pub last_seen: i64,
    pub how: String,
    /// Time (ms) of the newest timeline entry this session has been shown.
    pub seen_until: i64,
}

const PASSWORD_KEY: &str = "owner_password";

impl Store {
    pub fn add_login_token(&self, hash: &str, expires: i64) -> anyhow::Result<()> {
        self.at("login_tokens", || {
            self.conn.execute(
                "INSERT INTO login_tokens (hash, expires) VALUES (?1, ?2)",
                params![hash, expires],
            )?;
            Ok(())
        })
    }

    /// Uses up a token: true when it existed and had not expired at `now`.
    /// Expired tokens are swept at the same time.
    pub fn take_login_token(&self, hash: &str, now: i64) -> anyhow::Result<bool> {
        self.at("login_tokens", || {
            let n = self.conn.execute(
                "DELETE FROM login_tokens WHERE hash = ?1 AND expires > ?2",
                params![hash, now],
            )?;
            self.conn
                .execute("DELETE FROM login_tokens WHERE expires <= ?1", [now])?;
            Ok(n == 1)
        })
    }

    pub fn add_session(&self, s: &Session) -> anyhow::Result<()> {
        self.at("sessions", || {
            self.conn.execute(
                "INSERT INTO sessions (id, csrf, created, expires, last_seen, how)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![s.id, s.csrf, s.created, s.expires, s.last_seen, s.how],
            )?;
            Ok(())
        })
    }

    /// The live session `id` at `now`, marked as seen.
    pub fn session(&self, id: &str, now: i64) -> anyhow::Result<Option<Session>> {
        self.at("sessions", || {
            self.conn.execute(
                "UPDATE sessions SET last_seen = ?2 WHERE id = ?1 AND expires > ?2",
                params![id, now],
            )?;
            let s = self
                .conn
                .query_row(
                    "SELECT id, csrf, created, expires, last_seen, how, seen_until FROM sessions
                     WHERE id = ?1 AND expires > ?2",
                    params![id, now],
                    session_row,
                )
                .optional()?;
            Ok(s)
        })
    }

    /// Live sessions at `now`, newest first; expired ones are dropped.
    pub fn sessions(&self, now: i64) -> anyhow::Result<Vec<Session>> {
        self.at("sessions", || {
            self.conn
                .execute("DELETE FROM sessions WHERE expires <= ?1", [now])?;
            let mut st = self.conn.prepare(
                "SELECT id, csrf, created, expires, last_seen, how, seen_until FROM sessions ORDER BY created DESC",
            )?;
            let rows = st
                .query_map([], session_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    /// Ends the sessions whose id starts with `prefix`; how many ended.
    pub fn revoke_session(&self, prefix: &str) -> anyhow::Result<usize> {
        self.at("sessions", || {
            Ok(self.conn.execute(
                "DELETE FROM sessions WHERE substr(id, 1, length(?1)) = ?1 AND length(?1) > 0",
                [prefix],
            )?)
        })
    }

    /// Ends every session and unused sign-in token; how many sessions ended.
    pub fn revoke_all_sessions(&self) -> anyhow::Result<usize> {
        self.at("sessions", || {
            self.conn.execute("DELETE FROM login_tokens", [])?;
            Ok(self.conn.execute("DELETE FROM sessions", [])?)
        })
    }

    /// Leaves a one-line note for the session's next page.
    pub fn set_flash(&self, id: &str, text: &str) -> anyhow::Result<()> {
        self.at("sessions", || {
            self.conn.execute(
                "UPDATE sessions SET flash = ?2 WHERE id = ?1",
                params![id, text],
            )?;
            Ok(())
        })
    }

    /// The note left for this session, removed as it is read.
    pub fn take_flash(&self, id: &str) -> anyhow::Result<Option<String>> {
        self.at("sessions", || {
            let f: Option<Option<String>> = self
                .conn
                .query_row("SELECT flash FROM sessions WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            self.conn
                .execute("UPDATE sessions SET flash = NULL WHERE id = ?1", [id])?;
            Ok(f.flatten())
        })
    }

    /// Remembers the newest timeline entry the session has been shown.
    pub fn set_seen_until(&self, id: &str, ms: i64) -> anyhow::Result<()> {
        self.at("sessions", || {
            self.conn.execute(
                "UPDATE sessions SET seen_until = ?2 WHERE id = ?1",
                params![id, ms],
            )?;
            Ok(())
        })
    }

    /// The owner's password hash (PHC string), if one is set.
    pub fn password_hash(&self) -> anyhow::Result<Option<String>> {
        self.at("site_meta", || {
            Ok(self
                .conn
                .query_row(
                    "SELECT value FROM site_meta WHERE key = ?1",
                    [PASSWORD_KEY],
                    |r| r.get(0),
                )
                .optional()?)
        })
    }

    /// Sets (or with None, removes) the owner's password hash.
    pub fn set_password_hash(&self, phc: Option<&str>) -> anyhow::Result<()> {
        self.at("site_meta", || {
            match phc {
                Some(h) => self.conn.execute(
                    "INSERT INTO site_meta (key, value) VALUES (?1, ?2)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    params![PASSWORD_KEY, h],
                )?,
                None => self
                    .conn
                    .execute("DELETE FROM site_meta WHERE key = ?1", [PASSWORD_KEY])?,
            };
            Ok(())
        })
    }
}

fn session_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id: r.get(0)?,
        csrf: r.get(1)?,
        created: r.get(2)?,
        expires: r.get(3)?,
        last_seen: r.get(4)?,
        how: r.get(5)?,
        seen_until: r.get(6)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_works_once_and_only_before_it_expires() {
        let s = Store::in_memory().unwrap();
        s.add_login_token("a", 1_000).unwrap();
        s.add_login_token("b", 1_000).unwrap();
        assert!(s.take_login_token("a", 999).unwrap());
        assert!(!s.take_login_token("a", 999).unwrap(), "used twice");
        assert!(!s.take_login_token("b", 1_000).unwrap(), "expired");
        assert!(!s.take_login_token("zzz", 0).unwrap(), "unknown");
    }

    #[test]
    fn sessions_expire_and_can_be_revoked() {
        let s = Store::in_memory().unwrap();
        for (id, exp) in [("aa11", 100), ("bb22", 50)] {
            s.add_session(&Session {
                id: id.into(),
                csrf: "c".into(),
                created: 0,
                expires: exp,
                last_seen: 0,
                how: "link".into(),
                seen_until: 0,
            })
            .unwrap();
        }
        assert!(s.session("aa11", 60).unwrap().is_some());
        assert!(s.session("bb22", 60).unwrap().is_none(), "expired");
        assert_eq!(s.sessions(60).unwrap().len(), 1);
        assert_eq!(s.revoke_session("").unwrap(), 0, "empty prefix");
        assert_eq!(s.revoke_session("aa").unwrap(), 1);
        assert!(s.session("aa11", 60).unwrap().is_none());
    }

    #[test]
    fn flash_is_shown_once() {
        let s = Store::in_memory().unwrap();
        s.add_session(&Session {
            id: "x".into(),
            csrf: "c".into(),
            created: 0,
            expires: 10,
            last_seen: 0,
            how: "link".into(),
            seen_until: 0,
        })
        .unwrap();
        s.set_flash("x", "done").unwrap();
        assert_eq!(s.take_flash("x").unwrap().as_deref(), Some("done"));
        assert_eq!(s.take_flash("x").unwrap(), None);
    }
}
