//! The owner's hand on the outbox: find an entry by id prefix, send it
//! again now, or drop it.

use super::{out_row, OutMsg, Store, OUT_COLS};
use anyhow::bail;
use rusqlite::params;

impl Store {
    /// The entry whose id is or starts with `id` (ids are long hex strings).
    pub fn find_outbox(&self, id: &str) -> anyhow::Result<Option<OutMsg>> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            bail!("`{id}` is not an outbox id (see `microsocial outbox`)");
        }
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {OUT_COLS} FROM outbox WHERE substr(id, 1, length(?1)) = ?1 LIMIT 2"
        ))?;
        let mut found = st
            .query_map([id], out_row)?
            .collect::<Result<Vec<_>, _>>()?;
        if found.len() > 1 {
            bail!("several outbox entries start with `{id}`: give more of the id");
        }
        Ok(found.pop())
    }

    /// Makes an entry pending and due at `now`, failed ones included.
    pub fn requeue(&self, id: &str, now: i64) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE outbox SET state = 'pending', next_attempt = ?2, lease_until = 0 WHERE id = ?1",
            params![id, now],
        )?;
        self.conn.execute(
            "UPDATE messages SET state = 'pending' WHERE id = ?1 AND direction = 'out'",
            [id],
        )?;
        Ok(())
    }

    /// Removes an entry; a private message it carried is marked failed.
    pub fn drop_outbox(&self, id: &str) -> anyhow::Result<()> {
        self.conn
            .execute("DELETE FROM outbox WHERE id = ?1", [id])?;
        self.conn.execute(
            "UPDATE messages SET state = 'failed' WHERE id = ?1 AND direction = 'out' AND state = 'pending'",
            [id],
        )?;
        Ok(())
    }
}
