//! Private messages with friends, and the ids of messages already seen
//! from each sender (replay protection).

use super::Store;
use rusqlite::params;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub peer: String,
    pub id: String,
    /// `in` or `out`.
    pub direction: String,
    pub body: String,
    pub at: i64,
    /// `pending`, `delivered`, `failed` (outgoing) or `received`.
    pub state: String,
    pub read: bool,
}

impl Store {
    /// Stores a message; false when that id was already stored for the peer.
    pub fn add_message(&self, m: &Message) -> anyhow::Result<bool> {
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO messages (peer, id, direction, body, at, state, read)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![m.peer, m.id, m.direction, m.body, m.at, m.state, m.read],
        )?;
        Ok(n == 1)
    }

    /// The conversation with `peer`, oldest first.
    pub fn messages(&self, peer: &str) -> anyhow::Result<Vec<Message>> {
        let mut st = self.conn.prepare_cached(
            "SELECT peer, id, direction, body, at, state, read FROM messages WHERE peer = ?1 ORDER BY at, rowid",
        )?;
        let rows = st
            .query_map([peer], |r| {
                Ok(Message {
                    peer: r.get(0)?,
                    id: r.get(1)?,
                    direction: r.get(2)?,
                    body: r.get(3)?,
                    at: r.get(4)?,
                    state: r.get(5)?,
                    read: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// (peer, messages, unread, last time) for every conversation.
    pub fn conversations(&self) -> anyhow::Result<Vec<(String, i64, i64, i64)>> {
        let mut st = self.conn.prepare_cached(
            "SELECT peer, COUNT(*), SUM(CASE WHEN direction = 'in' AND read = 0 THEN 1 ELSE 0 END), MAX(at)
             FROM messages GROUP BY peer ORDER BY MAX(at) DESC",
        )?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn mark_read(&self, peer: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE messages SET read = 1 WHERE peer = ?1 AND direction = 'in'",
            [peer],
        )?;
        Ok(())
    }

    pub fn clear_messages(&self, peer: &str) -> anyhow::Result<usize> {
        Ok(self
            .conn
            .execute("DELETE FROM messages WHERE peer = ?1", [peer])?)
    }

    /// Records a message id; false when it was seen before from that sender.
    pub fn record_seen(&self, sender: &str, id: &str, now: i64) -> anyhow::Result<bool> {
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO seen (sender, id, received) VALUES (?1, ?2, ?3)",
            params![sender, id, now],
        )?;
        Ok(n == 1)
    }

    /// Forgets ids older than `before`; the clock window rejects their replays anyway.
    pub fn prune_seen(&self, before: i64) -> anyhow::Result<usize> {
        Ok(self
            .conn
            .execute("DELETE FROM seen WHERE received < ?1", [before])?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_ids_detect_replays_per_sender() {
        let s = Store::in_memory().unwrap();
        assert!(s.record_seen("https://a/", "1", 10).unwrap());
        assert!(!s.record_seen("https://a/", "1", 11).unwrap());
        assert!(s.record_seen("https://b/", "1", 12).unwrap());
        assert_eq!(s.prune_seen(11).unwrap(), 1);
    }

    #[test]
    fn messages_dedupe_track_delivery_and_clear() {
        let s = Store::in_memory().unwrap();
        let m = Message {
            peer: "https://b/".into(),
            id: "m1".into(),
            direction: "out".into(),
            body: "hi".into(),
            at: 1,
            state: "pending".into(),
            read: true,
        };
        assert!(s.add_message(&m).unwrap());
        assert!(!s.add_message(&m).unwrap(), "same id twice is stored once");
        s.delivered("m1").unwrap();
        assert_eq!(s.messages("https://b/").unwrap()[0].state, "delivered");
        s.add_message(&Message {
            id: "m2".into(),
            direction: "in".into(),
            state: "received".into(),
            read: false,
            at: 2,
            ..m.clone()
        })
        .unwrap();
        assert_eq!(
            s.conversations().unwrap(),
            vec![("https://b/".to_string(), 2, 1, 2)]
        );
        s.mark_read("https://b/").unwrap();
        assert_eq!(s.conversations().unwrap()[0].2, 0);
        assert_eq!(s.clear_messages("https://b/").unwrap(), 2);
        assert!(s.messages("https://b/").unwrap().is_empty());
    }
}
