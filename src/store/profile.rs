//! A friend's public profile (name, avatar) as their discovery document
//! last described it, and that document's ETag for conditional GETs.

use super::Store;
use rusqlite::{params, OptionalExtension as _};

impl Store {
    pub fn discovery_etag(&self, url: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT discovery_etag FROM friends WHERE url = ?1",
                [url],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    pub fn set_profile(
        &self,
        url: &str,
        name: &str,
        avatar: Option<&str>,
        etag: Option<&str>,
    ) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE friends SET name = ?2, avatar = ?3, discovery_etag = ?4 WHERE url = ?1",
            params![url, name, avatar, etag],
        )?;
        Ok(())
    }
}
