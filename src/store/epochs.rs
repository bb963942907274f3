//! Group keys of friends-only posts: this site's epochs and their key
//! files, and the identities friends shared for theirs.

use super::{now_ms, Store};
use anyhow::Context as _;
use rusqlite::{params, OptionalExtension as _};

impl Store {
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

    /// Forgets the group keys `friend` shared (its log restarted).
    pub fn clear_friend_epochs(&self, friend: &str) -> anyhow::Result<()> {
        self.conn
            .execute("DELETE FROM friend_epochs WHERE friend = ?1", [friend])
            .with_context(|| {
                format!("cannot clear group keys of {friend} in table friend_epochs")
            })?;
        Ok(())
    }
}
