//! Per-friend protocol state beyond the `Friend` row: skipped changes, the
//! id of the change log last read, the message types a friend accepts; and
//! the id of this site's own change log.

use super::Store;
use anyhow::Context as _;
use rusqlite::{params, OptionalExtension as _};

impl Store {
    /// Adds `n` skipped changes to `friend`'s count and remembers the last reason.
    pub fn add_skipped(&self, friend: &str, n: usize, reason: Option<&str>) -> anyhow::Result<()> {
        self.conn
            .execute(
                "UPDATE friends SET skipped_changes = skipped_changes + ?2,
                    last_skip = COALESCE(?3, last_skip) WHERE url = ?1",
                params![friend, n as i64, reason],
            )
            .with_context(|| {
                format!("cannot count skipped changes of {friend} in table friends")
            })?;
        Ok(())
    }

    /// (changes skipped so far, the last reason) for `friend`.
    pub fn skipped(&self, friend: &str) -> anyhow::Result<(i64, Option<String>)> {
        Ok(self
            .conn
            .query_row(
                "SELECT skipped_changes, last_skip FROM friends WHERE url = ?1",
                [friend],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .with_context(|| format!("cannot read skipped changes of {friend} from table friends"))?
            .unwrap_or((0, None)))
    }

    /// Forgets every item cached from `friend`, public and friends-only.
    pub fn clear_friend_items(&self, friend: &str) -> anyhow::Result<()> {
        self.conn
            .execute("DELETE FROM friend_items WHERE friend = ?1", [friend])
            .with_context(|| format!("cannot clear items of {friend} in table friend_items"))?;
        Ok(())
    }

    /// Forgets the group keys `friend` shared (its log restarted).
    pub fn clear_friend_epochs(&self, friend: &str) -> anyhow::Result<()> {
        self.conn
            .execute("DELETE FROM friend_epochs WHERE friend = ?1", [friend])
            .with_context(|| {
                format!("cannot clear group keys of {friend} in table friend_epochs")
            })?;
        Ok(())
    }

    /// The `log` id of `friend`'s change log as last read.
    pub fn friend_log(&self, friend: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT feed_log FROM friends WHERE url = ?1",
                [friend],
                |r| r.get(0),
            )
            .optional()
            .with_context(|| format!("cannot read the log id of {friend} from table friends"))?
            .flatten())
    }

    pub fn set_friend_log(&self, friend: &str, log: Option<&str>) -> anyhow::Result<()> {
        self.conn
            .execute(
                "UPDATE friends SET feed_log = ?2 WHERE url = ?1",
                params![friend, log],
            )
            .with_context(|| format!("cannot store the log id of {friend} in table friends"))?;
        Ok(())
    }

    /// The message types `friend` lists in its discovery document; None when
    /// it lists none (then it accepts the `microsocial/1` base set).
    pub fn accepts(&self, friend: &str) -> anyhow::Result<Option<Vec<String>>> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT accepts FROM friends WHERE url = ?1",
                [friend],
                |r| r.get(0),
            )
            .optional()
            .with_context(|| format!("cannot read accepted types of {friend} from table friends"))?
            .flatten();
        Ok(text.map(|t| t.lines().map(str::to_string).collect()))
    }

    pub fn set_accepts(&self, friend: &str, types: Option<&[String]>) -> anyhow::Result<()> {
        let text = types.map(|t| t.join("\n"));
        self.conn
            .execute(
                "UPDATE friends SET accepts = ?2 WHERE url = ?1",
                params![friend, text],
            )
            .with_context(|| format!("cannot store accepted types of {friend} in table friends"))?;
        Ok(())
    }

    /// How many files epoch `epoch`'s key was split into, if recorded.
    pub fn my_epoch_buckets(&self, epoch: u32) -> anyhow::Result<Option<u16>> {
        let n: Option<i64> = self
            .conn
            .query_row(
                "SELECT buckets FROM my_epochs WHERE epoch = ?1",
                [epoch as i64],
                |r| r.get(0),
            )
            .optional()
            .with_context(|| format!("cannot read epoch {epoch} from table my_epochs"))?
            .flatten();
        Ok(n.and_then(|n| u16::try_from(n).ok()))
    }

    pub fn set_my_epoch_buckets(&self, epoch: u32, buckets: u16) -> anyhow::Result<()> {
        self.conn
            .execute(
                "UPDATE my_epochs SET buckets = ?2 WHERE epoch = ?1",
                params![epoch as i64, buckets as i64],
            )
            .with_context(|| format!("cannot store epoch {epoch} in table my_epochs"))?;
        Ok(())
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
                [crate::federation::new_id()?],
            )
            .context("cannot store the change-log id in table site_meta")?;
        get()?.context("change-log id vanished from table site_meta")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_id_is_made_once_and_kept() {
        let s = Store::in_memory().unwrap();
        let id = s.log_id().unwrap();
        assert_eq!(id.len(), 32);
        assert_eq!(s.log_id().unwrap(), id);
        assert_ne!(Store::in_memory().unwrap().log_id().unwrap(), id);
    }
}
