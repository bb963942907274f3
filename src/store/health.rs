//! A quick look at whether the state database is sound.

use super::Store;
use anyhow::Context as _;

impl Store {
    /// SQLite's `PRAGMA quick_check`: empty when the database is sound,
    /// else what it found. A database too damaged to check is an error.
    pub fn quick_check(&self) -> anyhow::Result<Vec<String>> {
        self.check("quick_check")
    }

    /// `PRAGMA integrity_check`: also every index against its table (slower,
    /// reads everything; `status --deep`).
    pub fn integrity_check(&self) -> anyhow::Result<Vec<String>> {
        self.check("integrity_check")
    }

    fn check(&self, pragma: &str) -> anyhow::Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare(&format!("PRAGMA {pragma}"))
            .with_context(|| format!("cannot run {pragma}"))?;
        let found = st
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .with_context(|| format!("{pragma} failed"))?;
        Ok(found.into_iter().filter(|l| l != "ok").collect())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_new_database_is_sound() {
        let s = super::Store::in_memory().unwrap();
        assert!(s.quick_check().unwrap().is_empty());
    }
}

impl Store {
    /// Moves everything in the write-ahead log into the database file and
    /// empties the log (`wal_checkpoint(TRUNCATE)`), so that a plain copy
    /// of `state.db` holds every commit. False when another connection kept
    /// it from finishing.
    pub fn checkpoint(&self) -> anyhow::Result<bool> {
        let (busy, _, _): (i64, i64, i64) = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .with_context(|| format!("cannot checkpoint {}", self.path.display()))?;
        Ok(busy == 0)
    }

    /// Syncs the log and copies what it can into the file without waiting
    /// for anyone (`wal_checkpoint(PASSIVE)`).
    pub fn checkpoint_passive(&self) -> anyhow::Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .with_context(|| format!("cannot checkpoint {}", self.path.display()))
    }

    /// Writes a consistent copy of the whole database to the new file `to`
    /// (`VACUUM INTO`), while others may go on reading and writing.
    pub fn backup_to(&self, to: &std::path::Path) -> anyhow::Result<()> {
        if to.exists() {
            anyhow::bail!("{} exists: a backup never replaces a file", to.display());
        }
        let name = to
            .to_str()
            .ok_or_else(|| anyhow::anyhow!("{}: the name is not UTF-8", to.display()))?;
        self.conn
            .execute("VACUUM INTO ?1", [name])
            .with_context(|| format!("cannot write the backup {}", to.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod backup_tests {
    #[test]
    fn a_backup_holds_what_the_wal_held_and_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let s = super::Store::open(dir.path()).unwrap();
        s.record_seen("https://a.example/", "1", 10).unwrap();
        let to = dir.path().join("copy.db");
        s.backup_to(&to).unwrap();
        let copy = rusqlite::Connection::open(&to).unwrap();
        let n: i64 = copy
            .query_row("SELECT count(*) FROM seen", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        assert!(s.backup_to(&to).unwrap_err().to_string().contains("exists"));
        assert!(s.checkpoint().unwrap());
    }
}
