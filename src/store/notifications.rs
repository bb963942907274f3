//! Notifications for the owner: a friend request, a reply, a failed
//! delivery… Kept until deleted; `read` is the only thing that changes.

use super::Store;
use rusqlite::params;
use serde::Serialize;

/// What a notification is about. The string forms are stored and printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    FriendRequest,
    FriendAccepted,
    Message,
    Reply,
    Reaction,
    Mention,
    Webmention,
    DeliveryFailed,
    KeyChanged,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[
        Kind::FriendRequest,
        Kind::FriendAccepted,
        Kind::Message,
        Kind::Reply,
        Kind::Reaction,
        Kind::Mention,
        Kind::Webmention,
        Kind::DeliveryFailed,
        Kind::KeyChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::FriendRequest => "friend.request",
            Kind::FriendAccepted => "friend.accepted",
            Kind::Message => "message",
            Kind::Reply => "reply",
            Kind::Reaction => "reaction",
            Kind::Mention => "mention",
            Kind::Webmention => "webmention",
            Kind::DeliveryFailed => "delivery.failed",
            Kind::KeyChanged => "key.changed",
        }
    }
}

/// Milliseconds since the epoch as an RFC 3339 time in UTC.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn rfc3339_ms<S: serde::Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*ms))
}

/// One notification, as listed (and printed by `notifications --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    /// The site it came from (ours for a failed delivery: the recipient).
    pub from: String,
    /// What it is about: a post, a reply, a message thread.
    pub url: Option<String>,
    pub text: String,
    /// Milliseconds since the Unix epoch (RFC 3339, UTC, in JSON).
    #[serde(serialize_with = "rfc3339_ms")]
    pub time: i64,
    pub read: bool,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Notification> {
    let (id, kind, from, url) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
    let (text, time, read) = (r.get(4)?, r.get(5)?, r.get(6)?);
    Ok(Notification {
        id,
        kind,
        from,
        url,
        text,
        time,
        read,
    })
}

/// Longest `text` kept; the rest is cut (it is a summary, not the content).
const MAX_TEXT: usize = 500;

impl Store {
    /// Adds an unread notification and returns its id.
    pub fn add_notification(
        &self,
        kind: Kind,
        from: &str,
        url: Option<&str>,
        text: &str,
    ) -> anyhow::Result<i64> {
        let text: String = text
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_TEXT)
            .collect();
        self.at("notifications", || {
            self.conn.execute(
                "INSERT INTO notifications (kind, from_site, url, text, time, read)
                 VALUES (?1, ?2, ?3, ?4, ?5, 0)",
                params![kind.as_str(), from, url, text, super::now_ms()],
            )?;
            Ok(self.conn.last_insert_rowid())
        })
    }

    /// Notifications, newest first; only the unread ones if `unread_only`.
    pub fn notifications(&self, unread_only: bool) -> anyhow::Result<Vec<Notification>> {
        self.at("notifications", || {
            let mut st = self.conn.prepare_cached(
                "SELECT id, kind, from_site, url, text, time, read FROM notifications
                 WHERE read = 0 OR ?1 = 0 ORDER BY time DESC, id DESC",
            )?;
            let rows = st.query_map([unread_only], row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Whether a notification of `kind` about `url` exists (read or not).
    pub fn has_notification(&self, kind: Kind, url: &str) -> anyhow::Result<bool> {
        self.at("notifications", || {
            Ok(self.conn.query_row(
                "SELECT count(*) FROM notifications WHERE kind = ?1 AND url = ?2",
                params![kind.as_str(), url],
                |r| r.get::<_, i64>(0),
            )? > 0)
        })
    }

    /// How many notifications are unread (the count in the navigation).
    pub fn unread_notifications(&self) -> anyhow::Result<i64> {
        self.at("notifications", || {
            Ok(self.conn.query_row(
                "SELECT count(*) FROM notifications WHERE read = 0",
                [],
                |r| r.get(0),
            )?)
        })
    }

    /// Marks the given notifications read; the ids of those that do not exist.
    pub fn mark_notifications_read(&self, ids: &[i64]) -> anyhow::Result<Vec<i64>> {
        self.at("notifications", || {
            let mut st = self
                .conn
                .prepare_cached("UPDATE notifications SET read = 1 WHERE id = ?1")?;
            let mut missing = Vec::new();
            for id in ids {
                if st.execute([id])? == 0 {
                    missing.push(*id);
                }
            }
            Ok(missing)
        })
    }

    /// Marks every notification read; how many were unread.
    pub fn mark_all_notifications_read(&self) -> anyhow::Result<usize> {
        self.at("notifications", || {
            Ok(self
                .conn
                .execute("UPDATE notifications SET read = 1 WHERE read = 0", [])?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_listed_and_marked_read() {
        let s = Store::in_memory().unwrap();
        let a = s
            .add_notification(
                Kind::Reply,
                "https://b.example/",
                Some("https://b.example/r/"),
                "re: hi",
            )
            .unwrap();
        let b = s
            .add_notification(Kind::Message, "https://c.example/", None, "new\u{7}message")
            .unwrap();
        assert_eq!(s.unread_notifications().unwrap(), 2);
        let all = s.notifications(false).unwrap();
        assert_eq!(all.len(), 2);
        let first = all.iter().find(|n| n.id == b).unwrap();
        assert_eq!(first.kind, "message");
        assert_eq!(first.text, "newmessage", "control characters are dropped");
        assert_eq!(s.mark_notifications_read(&[a, 999]).unwrap(), vec![999]);
        let unread = s.notifications(true).unwrap();
        assert_eq!(unread.iter().map(|n| n.id).collect::<Vec<_>>(), vec![b]);
        assert_eq!(s.mark_all_notifications_read().unwrap(), 1);
        assert_eq!(s.unread_notifications().unwrap(), 0);
        assert_eq!(s.notifications(false).unwrap().len(), 2);
        assert!(s.notifications(false).unwrap().iter().all(|n| n.read));
    }

    #[test]
    fn kinds_have_distinct_names() {
        let mut names: Vec<_> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Kind::ALL.len());
    }
}
