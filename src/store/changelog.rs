//! This site's own change log: what is published under each id, the
//! numbered changes friends read, and the log's id.

use super::Store;
use anyhow::Context as _;
use rusqlite::{params, OptionalExtension as _};

/// One row of the change log: (seq, op, id, item JSON).
pub type ChangeRow = (u64, String, String, Option<String>);

impl Store {
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

    /// The id of this site's change log, made on first use. A new state
    /// database starts a new log, and so a new id: friends re-read it.
    pub fn log_id(&self) -> anyhow::Result<String> {
        let get = || {
            self.conn
                .query_row(
                    "SELECT value FROM site_meta WHERE key = 'log_id'",
                    [],
                    |r| r.get::<_, String>(0),
                )
                .optional()
                .context("cannot read the change-log id from table site_meta")
        };
        if let Some(id) = get()? {
            return Ok(id);
        }
        self.conn
            .execute(
                "INSERT OR IGNORE INTO site_meta (key, value) VALUES ('log_id', ?1)",
                [crate::fsutil::new_id()?],
            )
            .context("cannot store the change-log id in table site_meta")?;
        get()?.context("change-log id vanished from table site_meta")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn log_id_is_made_once_and_kept() {
        let s = Store::in_memory().unwrap();
        let id = s.log_id().unwrap();
        assert_eq!(id.len(), 32);
        assert_eq!(s.log_id().unwrap(), id);
        assert_ne!(Store::in_memory().unwrap().log_id().unwrap(), id);
    }
}
