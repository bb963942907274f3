//! A quick look at whether the state database is sound.

use super::Store;
use anyhow::Context as _;

impl Store {
    /// SQLite's `PRAGMA quick_check`: empty when the database is sound,
    /// else what it found. A database too damaged to check is an error.
    pub fn quick_check(&self) -> anyhow::Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("PRAGMA quick_check")
            .context("cannot run quick_check")?;
        let found = st
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .context("quick_check failed")?;
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
