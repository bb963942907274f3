//! Replies read from change logs: a friend's replies from its own log, and
//! the threads a friend relays under its posts (PROTOCOL.md §12).

use super::Store;
use rusqlite::params;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub url: String,
    /// The site whose change log carried it.
    pub via: String,
    /// The post that starts the thread, and the post or reply answered.
    pub root: String,
    pub parent: String,
    pub author: String,
    pub author_name: String,
    /// Sanitised.
    pub content_html: String,
    pub published: String,
    pub private: bool,
    pub hidden: bool,
}

const COLS: &str =
    "url, via, root, parent, author, author_name, content_html, published, private, hidden";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Reply> {
    let (url, via, root, parent) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
    let (author, author_name, content_html) = (r.get(4)?, r.get(5)?, r.get(6)?);
    let (published, private, hidden) = (r.get(7)?, r.get(8)?, r.get(9)?);
    Ok(Reply {
        url,
        via,
        root,
        parent,
        author,
        author_name,
        content_html,
        published,
        private,
        hidden,
    })
}

impl Store {
    /// Stores or updates a reply; true when it is new. An update (an edit)
    /// keeps the owner's `hidden`.
    pub fn upsert_reply(&self, r: &Reply) -> anyhow::Result<bool> {
        self.at("replies", || {
            let known = self.conn.query_row(
                "SELECT count(*) FROM replies WHERE url = ?1 AND via = ?2",
                params![r.url, r.via],
                |row| row.get::<_, i64>(0),
            )? > 0;
            self.conn.execute(
                "INSERT INTO replies (url, via, root, parent, author, author_name, content_html,
                   published, private, hidden, received)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10)
                 ON CONFLICT (url, via) DO UPDATE SET root = ?3, parent = ?4, author = ?5,
                   author_name = ?6, content_html = ?7, published = ?8, private = ?9",
                params![
                    r.url,
                    r.via,
                    r.root,
                    r.parent,
                    r.author,
                    r.author_name,
                    r.content_html,
                    r.published,
                    r.private,
                    super::now_ms()
                ],
            )?;
            Ok(!known)
        })
    }

    /// Forgets a reply `via` carried (its author deleted it).
    pub fn delete_reply(&self, url: &str, via: &str) -> anyhow::Result<usize> {
        self.at("replies", || {
            Ok(self.conn.execute(
                "DELETE FROM replies WHERE url = ?1 AND via = ?2",
                params![url, via],
            )?)
        })
    }

    /// Forgets the thread `via` relayed under `root` (before storing it anew).
    pub fn clear_relayed(&self, via: &str, root: &str) -> anyhow::Result<usize> {
        self.at("replies", || {
            Ok(self.conn.execute(
                "DELETE FROM replies WHERE via = ?1 AND root = ?2 AND author != ?1",
                params![via, root],
            )?)
        })
    }

    /// Forgets every reply `via` carried (its change log restarted).
    pub fn clear_replies_via(&self, via: &str) -> anyhow::Result<usize> {
        self.at("replies", || {
            Ok(self
                .conn
                .execute("DELETE FROM replies WHERE via = ?1", [via])?)
        })
    }

    /// A value of this site kept in `site_meta` (e.g. a cursor).
    pub fn meta(&self, key: &str) -> anyhow::Result<Option<String>> {
        use rusqlite::OptionalExtension as _;
        self.at("site_meta", || {
            Ok(self
                .conn
                .query_row("SELECT value FROM site_meta WHERE key = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()?)
        })
    }

    pub fn set_meta(&self, key: &str, value: &str) -> anyhow::Result<()> {
        self.at("site_meta", || {
            self.conn.execute(
                "INSERT INTO site_meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = ?2",
                params![key, value],
            )?;
            Ok(())
        })
    }

    /// Every copy of the reply at `url`.
    pub fn reply(&self, url: &str) -> anyhow::Result<Vec<Reply>> {
        self.at("replies", || {
            let mut st = self
                .conn
                .prepare_cached(&format!("SELECT {COLS} FROM replies WHERE url = ?1"))?;
            let rows = st.query_map([url], row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Every reply, oldest first (hidden ones too: views decide).
    pub fn replies(&self) -> anyhow::Result<Vec<Reply>> {
        self.at("replies", || {
            let mut st = self.conn.prepare_cached(&format!(
                "SELECT {COLS} FROM replies ORDER BY published, url"
            ))?;
            let rows = st.query_map([], row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Hides (or shows again) every copy of a reply; how many rows changed.
    pub fn set_reply_hidden(&self, url: &str, hidden: bool) -> anyhow::Result<usize> {
        self.at("replies", || {
            Ok(self.conn.execute(
                "UPDATE replies SET hidden = ?2 WHERE url = ?1",
                params![url, hidden],
            )?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(url: &str, via: &str) -> Reply {
        Reply {
            url: url.into(),
            via: via.into(),
            root: "https://a.example/posts/p/".into(),
            parent: "https://a.example/posts/p/".into(),
            author: "https://b.example/".into(),
            author_name: "Bo".into(),
            content_html: "<p>yes</p>".into(),
            published: "2026-11-25T10:00:00+00:00".into(),
            private: false,
            hidden: false,
        }
    }

    #[test]
    fn edits_keep_hidden_and_relays_are_replaced() {
        let s = Store::in_memory().unwrap();
        let r = reply("https://b.example/posts/r/", "https://b.example/");
        assert!(s.upsert_reply(&r).unwrap());
        assert_eq!(s.set_reply_hidden(&r.url, true).unwrap(), 1);
        let edited = Reply {
            content_html: "<p>yes!</p>".into(),
            ..r.clone()
        };
        assert!(!s.upsert_reply(&edited).unwrap(), "an edit is not new");
        let got = s.reply(&r.url).unwrap();
        assert_eq!(
            (got[0].content_html.as_str(), got[0].hidden),
            ("<p>yes!</p>", true)
        );
        // The same reply relayed by the parent's author is a second copy.
        let relayed = reply(&r.url, "https://a.example/");
        s.upsert_reply(&relayed).unwrap();
        assert_eq!(s.replies().unwrap().len(), 2);
        assert_eq!(s.clear_relayed("https://a.example/", &r.root).unwrap(), 1);
        assert_eq!(s.delete_reply(&r.url, &r.via).unwrap(), 1);
        assert!(s.replies().unwrap().is_empty());
    }
}
