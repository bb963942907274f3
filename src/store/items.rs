//! Friends' items cached from their feeds, and the per-friend cap on how
//! many are kept.

use super::Store;
use anyhow::Context as _;
use rusqlite::params;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FriendItem {
    pub friend: String,
    pub id: String,
    pub title: Option<String>,
    pub content_html: String,
    pub published: String,
    pub updated: Option<String>,
    pub tags: Vec<String>,
    pub private: bool,
}

impl Store {
    pub fn upsert_item(&self, it: &FriendItem) -> anyhow::Result<()> {
        self.conn.execute(
            "INSERT INTO friend_items (friend, id, title, content_html, published, updated, tags, private)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (friend, id) DO UPDATE SET title = ?3, content_html = ?4, published = ?5, updated = ?6,
                tags = ?7, private = ?8",
            params![
                it.friend,
                it.id,
                it.title,
                it.content_html,
                it.published,
                it.updated,
                serde_json::to_string(&it.tags)?,
                it.private
            ],
        )?;
        Ok(())
    }

    pub fn delete_item(&self, friend: &str, id: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "DELETE FROM friend_items WHERE friend = ?1 AND id = ?2",
            params![friend, id],
        )?;
        Ok(())
    }

    /// Whether `url` is a post or reply this site has read from a friend.
    pub fn knows_item(&self, url: &str) -> anyhow::Result<bool> {
        self.at("friend_items", || {
            Ok(self.conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM friend_items WHERE id = ?1)
                     OR EXISTS(SELECT 1 FROM replies WHERE url = ?1)",
                [url],
                |r| r.get(0),
            )?)
        })
    }

    /// Whether `url` is the identifier of one of this site's own published
    /// posts (a permalink, or a friends-only post's blob URL).
    pub fn is_published(&self, url: &str) -> anyhow::Result<bool> {
        self.at("published", || {
            Ok(self.conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM published WHERE id = ?1)",
                [url],
                |r| r.get(0),
            )?)
        })
    }

    /// Whether `url` is a post a thread may hang from: one of this site's
    /// own published posts, or a post or reply read from a friend.
    pub fn knows_post(&self, url: &str) -> anyhow::Result<bool> {
        Ok(self.is_published(url)? || self.knows_item(url)?)
    }

    /// Items of current friends only; friends-only posts when `private`.
    pub fn friend_items(&self, private: bool) -> anyhow::Result<Vec<FriendItem>> {
        self.at("friend_items", || {
            let mut st = self.conn.prepare_cached(
                "SELECT i.friend, i.id, i.title, i.content_html, i.published, i.updated, i.tags, i.private
                 FROM friend_items i JOIN friends f ON f.url = i.friend AND f.state = 'friend'
                 WHERE i.private <= ?1",
            )?;
            let rows = st
                .query_map([private], |r| {
                    let tags: String = r.get(6)?;
                    Ok(FriendItem {
                        friend: r.get(0)?,
                        id: r.get(1)?,
                        title: r.get(2)?,
                        content_html: r.get(3)?,
                        published: r.get(4)?,
                        updated: r.get(5)?,
                        tags: serde_json::from_str(&tags).unwrap_or_default(),
                        private: r.get(7)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    /// Forgets every item cached from `friend`, public and friends-only.
    pub fn clear_friend_items(&self, friend: &str) -> anyhow::Result<()> {
        self.conn
            .execute("DELETE FROM friend_items WHERE friend = ?1", [friend])
            .with_context(|| format!("cannot clear items of {friend} in table friend_items"))?;
        Ok(())
    }

    /// Keeps the newest `max` of `friend`'s items (by publication time) and
    /// deletes the rest; returns how many were deleted and adds them to the
    /// friend's `items_dropped` count for `status`.
    pub fn keep_newest_items(&self, friend: &str, max: u64) -> anyhow::Result<usize> {
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        let n = self.conn.execute(
            "DELETE FROM friend_items WHERE friend = ?1 AND id NOT IN (
                SELECT id FROM friend_items WHERE friend = ?1
                ORDER BY julianday(published) DESC, id DESC LIMIT ?2)",
            params![friend, max],
        )?;
        if n > 0 {
            self.conn.execute(
                "UPDATE friends SET items_dropped = items_dropped + ?2 WHERE url = ?1",
                params![friend, n as i64],
            )?;
        }
        Ok(n)
    }

    /// Items of `friend` stored now, and how many were ever dropped by the cap.
    pub fn item_counts(&self, friend: &str) -> anyhow::Result<(i64, i64)> {
        Ok(self.conn.query_row(
            "SELECT (SELECT COUNT(*) FROM friend_items WHERE friend = ?1),
                    COALESCE((SELECT items_dropped FROM friends WHERE url = ?1), 0)",
            [friend],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, published: &str) -> FriendItem {
        FriendItem {
            friend: "https://a/".into(),
            id: format!("https://a/{id}"),
            title: None,
            content_html: "x".into(),
            published: published.into(),
            updated: None,
            tags: vec![],
            private: false,
        }
    }

    #[test]
    fn the_newest_items_are_kept_across_time_zones() {
        let s = Store::in_memory().unwrap();
        s.conn
            .execute(
                "INSERT INTO friends (url, name, state, signing_key, encryption_key, inbox, feed, created, last_seq)
                 VALUES ('https://a/', 'A', 'friend', 'k', 'e', 'i', 'f', 0, 0)",
                [],
            )
            .unwrap();
        // 10:30+02:00 is 08:30Z: older than 09:00Z although it sorts later as text.
        for (id, at) in [
            ("old", "2026-01-01T10:30:00+02:00"),
            ("mid", "2026-01-01T09:00:00+00:00"),
            ("new", "2026-01-01T09:30:00+00:00"),
        ] {
            s.upsert_item(&item(id, at)).unwrap();
        }
        assert_eq!(s.keep_newest_items("https://a/", 2).unwrap(), 1);
        let mut ids: Vec<String> = s
            .friend_items(true)
            .unwrap()
            .into_iter()
            .map(|i| i.id)
            .collect();
        ids.sort();
        assert_eq!(ids, ["https://a/mid", "https://a/new"]);
        assert_eq!(s.item_counts("https://a/").unwrap(), (2, 1));
        assert_eq!(s.keep_newest_items("https://a/", 2).unwrap(), 0);
    }
}
