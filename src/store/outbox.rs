//! The outbox: signed messages waiting for delivery, leased so two
//! processes never send the same attempt, and the owner's hand on it
//! (find by id prefix, send again now, drop).

use super::Store;
use anyhow::bail;
use rusqlite::{params, OptionalExtension as _};

/// The outbox `type` of a Webmention (local only: never a signed message).
pub const WEBMENTION: &str = "webmention";

/// Which entries a delivery pass takes. Webmentions go to any web site and
/// may hang on slow hosts, so friends' signed messages never queue behind them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Signed messages to friends (everything but Webmentions).
    Messages,
    Webmentions,
}

impl Lane {
    pub fn of(kind: &str) -> Lane {
        if kind == WEBMENTION {
            Lane::Webmentions
        } else {
            Lane::Messages
        }
    }

    /// The SQL comparison of `type` with [`WEBMENTION`] for this lane.
    fn op(self) -> &'static str {
        match self {
            Lane::Messages => "<>",
            Lane::Webmentions => "=",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutMsg {
    pub id: String,
    pub recipient: String,
    pub inbox: String,
    pub kind: String,
    pub body: String,
    pub created: i64,
    pub attempts: i64,
    pub next_attempt: i64,
    pub last_error: Option<String>,
    pub state: String,
}

const OUT_COLS: &str =
    "id, recipient, inbox, type, body, created, attempts, next_attempt, last_error, state";

fn out_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutMsg> {
    Ok(OutMsg {
        id: r.get(0)?,
        recipient: r.get(1)?,
        inbox: r.get(2)?,
        kind: r.get(3)?,
        body: r.get(4)?,
        created: r.get(5)?,
        attempts: r.get(6)?,
        next_attempt: r.get(7)?,
        last_error: r.get(8)?,
        state: r.get(9)?,
    })
}

impl Store {
    pub fn enqueue(&self, m: &OutMsg) -> anyhow::Result<()> {
        self.conn.execute(
            &format!(
                "INSERT INTO outbox ({OUT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ),
            params![
                m.id,
                m.recipient,
                m.inbox,
                m.kind,
                m.body,
                m.created,
                m.attempts,
                m.next_attempt,
                m.last_error,
                m.state
            ],
        )?;
        Ok(())
    }

    /// Claims up to `limit` due messages of `lane` for `lease_ms`, so two
    /// processes never send the same attempt at once.
    pub fn claim_due(
        &mut self,
        now: i64,
        lease_ms: i64,
        limit: usize,
        lane: Lane,
    ) -> anyhow::Result<Vec<OutMsg>> {
        self.transaction(|s| {
            let mut st = s.conn.prepare_cached(&format!(
                "SELECT {OUT_COLS} FROM outbox WHERE state = 'pending' AND next_attempt <= ?1 AND lease_until <= ?1
                 AND type {} ?3 ORDER BY next_attempt, created LIMIT ?2",
                lane.op()
            ))?;
            let due = st
                .query_map(params![now, limit as i64, WEBMENTION], out_row)?
                .collect::<Result<Vec<_>, _>>()?;
            for m in &due {
                s.conn.execute(
                    "UPDATE outbox SET lease_until = ?2 WHERE id = ?1",
                    params![m.id, now + lease_ms],
                )?;
            }
            Ok(due)
        })
    }

    /// Gives claimed entries back before their lease ends (their sender
    /// stopped waiting for them), so the next pass can take them at once.
    pub fn release(&self, ids: &[&str]) -> anyhow::Result<()> {
        let mut st = self
            .conn
            .prepare_cached("UPDATE outbox SET lease_until = 0 WHERE id = ?1")?;
        for id in ids {
            st.execute([id])?;
        }
        Ok(())
    }

    pub fn delivered(&self, id: &str) -> anyhow::Result<()> {
        self.conn
            .execute("DELETE FROM outbox WHERE id = ?1", [id])?;
        self.conn.execute(
            "UPDATE messages SET state = 'delivered' WHERE id = ?1 AND direction = 'out'",
            [id],
        )?;
        Ok(())
    }

    pub fn retry_later(&self, id: &str, next_attempt: i64, error: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2, lease_until = 0, last_error = ?3 WHERE id = ?1",
            params![id, next_attempt, error],
        )?;
        Ok(())
    }

    pub fn give_up(&self, id: &str, error: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, state = 'failed', lease_until = 0, last_error = ?2 WHERE id = ?1",
            params![id, error],
        )?;
        self.conn.execute(
            "UPDATE messages SET state = 'failed' WHERE id = ?1 AND direction = 'out'",
            [id],
        )?;
        Ok(())
    }

    pub fn outbox_entry(&self, id: &str) -> anyhow::Result<Option<OutMsg>> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {OUT_COLS} FROM outbox WHERE id = ?1"))?;
        Ok(st.query_row([id], out_row).optional()?)
    }

    /// Makes every pending message to `recipient` due now (they are back).
    pub fn wake(&self, recipient: &str, now: i64) -> anyhow::Result<usize> {
        Ok(self.conn.execute(
            "UPDATE outbox SET next_attempt = ?2 WHERE recipient = ?1 AND state = 'pending' AND next_attempt > ?2",
            params![recipient, now],
        )?)
    }

    pub fn outbox(&self) -> anyhow::Result<Vec<OutMsg>> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {OUT_COLS} FROM outbox ORDER BY created"))?;
        let rows = st.query_map([], out_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// When the next entry of `lane` can be claimed.
    pub fn next_due(&self, lane: Lane) -> anyhow::Result<Option<i64>> {
        Ok(self.conn.query_row(
            &format!(
                "SELECT MIN(MAX(next_attempt, lease_until)) FROM outbox WHERE state = 'pending' AND type {} ?1",
                lane.op()
            ),
            [WEBMENTION],
            |r| r.get::<_, Option<i64>>(0),
        )?)
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_leases_and_wakes() {
        let mut s = Store::in_memory().unwrap();
        let m = OutMsg {
            id: "m1".into(),
            recipient: "https://b/".into(),
            inbox: "https://b/inbox".into(),
            kind: "feed.updated".into(),
            body: "{}".into(),
            created: 0,
            attempts: 0,
            next_attempt: 100,
            last_error: None,
            state: "pending".into(),
        };
        s.enqueue(&m).unwrap();
        let msgs = Lane::Messages;
        assert!(s.claim_due(50, 1000, 10, msgs).unwrap().is_empty());
        assert_eq!(s.claim_due(100, 1000, 10, msgs).unwrap().len(), 1);
        // Leased: a second claimant gets nothing.
        assert!(s.claim_due(101, 1000, 10, msgs).unwrap().is_empty());
        s.retry_later("m1", 5000, "down").unwrap();
        assert_eq!(s.wake("https://b/", 200).unwrap(), 1);
        let again = s.claim_due(200, 1000, 10, msgs).unwrap();
        assert_eq!(again[0].attempts, 1);
        s.delivered("m1").unwrap();
        assert!(s.outbox().unwrap().is_empty());
    }

    #[test]
    fn lanes_claim_apart_and_a_release_frees_a_claim() {
        let mut s = Store::in_memory().unwrap();
        for (id, kind) in [("w1", WEBMENTION), ("m1", "feed.updated")] {
            s.enqueue(&OutMsg {
                id: id.into(),
                recipient: "https://b/".into(),
                inbox: "https://b/inbox".into(),
                kind: kind.into(),
                body: "{}".into(),
                created: 0,
                attempts: 0,
                next_attempt: 0,
                last_error: None,
                state: "pending".into(),
            })
            .unwrap();
        }
        assert_eq!(s.next_due(Lane::Messages).unwrap(), Some(0));
        let ids = |v: Vec<OutMsg>| v.into_iter().map(|m| m.id).collect::<Vec<_>>();
        let mentions = s.claim_due(10, 1000, 10, Lane::Webmentions).unwrap();
        assert_eq!(ids(mentions), ["w1"]);
        assert_eq!(
            ids(s.claim_due(10, 1000, 10, Lane::Messages).unwrap()),
            ["m1"]
        );
        // Leased until 1010; released, it is due again at once.
        assert_eq!(s.next_due(Lane::Webmentions).unwrap(), Some(1010));
        assert!(s
            .claim_due(20, 1000, 10, Lane::Webmentions)
            .unwrap()
            .is_empty());
        s.release(&["w1"]).unwrap();
        assert_eq!(
            ids(s.claim_due(20, 1000, 10, Lane::Webmentions).unwrap()),
            ["w1"]
        );
        assert_eq!(s.next_due(Lane::Messages).unwrap(), Some(1010));
    }
}
