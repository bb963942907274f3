//! Friends: who they are, how far their feed was read, how their last
//! pull went, their profile and the protocol state each one declares.

use super::Store;
use anyhow::{anyhow, Context as _};
use rusqlite::{params, OptionalExtension as _};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Friend {
    pub url: String,
    pub name: String,
    /// `friend`, `outgoing` (we asked) or `incoming` (they asked).
    pub state: String,
    pub signing_key: String,
    pub encryption_key: String,
    pub inbox: String,
    pub feed: String,
    pub avatar: Option<String>,
    pub created: i64,
    pub last_seq: i64,
    pub feed_etag: Option<String>,
    pub last_pull: Option<i64>,
    pub last_pull_error: Option<String>,
    pub last_heard: Option<i64>,
}

const FRIEND_COLS: &str = "url, name, state, signing_key, encryption_key, inbox, feed, avatar, created, last_seq, feed_etag, last_pull, last_pull_error, last_heard";

fn friend_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Friend> {
    Ok(Friend {
        url: r.get(0)?,
        name: r.get(1)?,
        state: r.get(2)?,
        signing_key: r.get(3)?,
        encryption_key: r.get(4)?,
        inbox: r.get(5)?,
        feed: r.get(6)?,
        avatar: r.get(7)?,
        created: r.get(8)?,
        last_seq: r.get(9)?,
        feed_etag: r.get(10)?,
        last_pull: r.get(11)?,
        last_pull_error: r.get(12)?,
        last_heard: r.get(13)?,
    })
}

impl Store {
    pub fn friends(&self) -> anyhow::Result<Vec<Friend>> {
        self.at("friends", || {
            let mut st = self.conn.prepare_cached(&format!(
                "SELECT {FRIEND_COLS} FROM friends ORDER BY name COLLATE NOCASE, url"
            ))?;
            let rows = st
                .query_map([], friend_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    pub fn friend(&self, url: &str) -> anyhow::Result<Option<Friend>> {
        self.at("friends", || {
            let mut st = self
                .conn
                .prepare_cached(&format!("SELECT {FRIEND_COLS} FROM friends WHERE url = ?1"))?;
            Ok(st.query_row([url], friend_row).optional()?)
        })
    }

    /// A friend by URL (normalised) or by name (case-insensitive).
    pub fn find_friend(&self, who: &str) -> anyhow::Result<Option<Friend>> {
        if let Some(url) = crate::siteurl::normalize(who) {
            if let Some(f) = self.friend(&url)? {
                return Ok(Some(f));
            }
        }
        let who = who.trim();
        let friends = self.friends()?;
        let named: Vec<&Friend> = friends
            .iter()
            .filter(|f| f.name.eq_ignore_ascii_case(who))
            .collect();
        if named.len() > 1 {
            return Err(anyhow!("several friends are called `{who}`: use the URL"));
        }
        if let Some(f) = named.first() {
            return Ok(Some((*f).clone()));
        }
        // A former name (the newest holder), then the host (`bo.example`).
        let former: Option<String> = self.at("friend_names", || {
            Ok(self
                .conn
                .query_row(
                    "SELECT url FROM friend_names WHERE name = ?1 COLLATE NOCASE
                     ORDER BY until DESC LIMIT 1",
                    [who],
                    |r| r.get(0),
                )
                .optional()?)
        })?;
        if let Some(url) = former {
            return self.friend(&url);
        }
        let by_host: Vec<&Friend> = friends
            .iter()
            .filter(|f| {
                url::Url::parse(&f.url).is_ok_and(|u| {
                    let host = u.host_str().unwrap_or_default();
                    let with_port = u.port().map(|p| format!("{host}:{p}"));
                    host.eq_ignore_ascii_case(who)
                        || with_port.is_some_and(|h| h.eq_ignore_ascii_case(who))
                })
            })
            .collect();
        match by_host.as_slice() {
            [one] => Ok(Some((*one).clone())),
            [] => Ok(None),
            _ => Err(anyhow!("several friends live at `{who}`: use the URL")),
        }
    }

    /// The names a friend had before their current one, newest first.
    pub fn former_names(&self, url: &str) -> anyhow::Result<Vec<String>> {
        self.at("friend_names", || {
            let mut st = self.conn.prepare_cached(
                "SELECT name FROM friend_names WHERE url = ?1 ORDER BY until DESC",
            )?;
            let names = st
                .query_map([url], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok(names)
        })
    }

    pub fn upsert_friend(&self, f: &Friend) -> anyhow::Result<()> {
        self.conn.execute(
            "INSERT INTO friends (url, name, state, signing_key, encryption_key, inbox, feed, avatar, created)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (url) DO UPDATE SET name = ?2, state = ?3, signing_key = ?4, encryption_key = ?5,
                inbox = ?6, feed = ?7, avatar = ?8",
            params![f.url, f.name, f.state, f.signing_key, f.encryption_key, f.inbox, f.feed, f.avatar, f.created],
        )?;
        Ok(())
    }

    pub fn set_friend_state(&self, url: &str, state: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE friends SET state = ?2 WHERE url = ?1",
            params![url, state],
        )?;
        Ok(())
    }

    /// Drops a friendship and everything cached from that site.
    pub fn remove_friend(&self, url: &str) -> anyhow::Result<()> {
        self.conn
            .execute("DELETE FROM friend_items WHERE friend = ?1", [url])?;
        self.conn
            .execute("DELETE FROM friends WHERE url = ?1", [url])?;
        Ok(())
    }

    pub fn mark_heard(&self, url: &str, now: i64) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE friends SET last_heard = ?2 WHERE url = ?1",
            params![url, now],
        )?;
        Ok(())
    }

    pub fn set_pull_ok(
        &self,
        url: &str,
        last_seq: i64,
        etag: Option<&str>,
        now: i64,
    ) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE friends SET last_seq = ?2, feed_etag = ?3, last_pull = ?4, last_pull_error = NULL WHERE url = ?1",
            params![url, last_seq, etag, now],
        )?;
        Ok(())
    }

    pub fn set_pull_error(&self, url: &str, error: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE friends SET last_pull_error = ?2 WHERE url = ?1",
            params![url, error],
        )?;
        Ok(())
    }

    pub fn set_encryption_key(&self, url: &str, key: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE friends SET encryption_key = ?2 WHERE url = ?1",
            params![url, key],
        )?;
        Ok(())
    }

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
        bio: Option<&str>,
        etag: Option<&str>,
    ) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE friends SET name = ?2, avatar = ?3, bio = ?4, discovery_etag = ?5 WHERE url = ?1",
            params![url, name, avatar, bio, etag],
        )?;
        Ok(())
    }

    /// Each friend's bio, by URL (friends without one are left out).
    pub fn friend_bios(&self) -> anyhow::Result<std::collections::HashMap<String, String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT url, bio FROM friends WHERE bio IS NOT NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::FriendItem;

    fn friend(url: &str, name: &str, state: &str) -> Friend {
        Friend {
            url: url.into(),
            name: name.into(),
            state: state.into(),
            signing_key: "ed25519:x".into(),
            encryption_key: "age1x".into(),
            inbox: format!("{url}inbox"),
            feed: format!("{url}federation/feed.json"),
            avatar: None,
            created: 1,
            last_seq: 0,
            feed_etag: None,
            last_pull: None,
            last_pull_error: None,
            last_heard: None,
        }
    }

    #[test]
    fn friends_by_url_or_name_and_removal_drops_items() {
        let s = Store::in_memory().unwrap();
        s.upsert_friend(&friend("https://a.example/", "Ann", "friend"))
            .unwrap();
        assert_eq!(
            s.find_friend("ann").unwrap().unwrap().url,
            "https://a.example/"
        );
        assert_eq!(
            s.find_friend("HTTPS://A.EXAMPLE").unwrap().unwrap().name,
            "Ann"
        );
        let item = FriendItem {
            friend: "https://a.example/".into(),
            id: "https://a.example/posts/x/".into(),
            title: None,
            content_html: "<p>x</p>".into(),
            published: "2026-11-24T00:00:00Z".into(),
            updated: None,
            tags: vec!["t".into()],
            private: false,
        };
        s.upsert_item(&item).unwrap();
        s.upsert_item(&FriendItem {
            id: "https://a.example/federation/private/p.age".into(),
            private: true,
            ..item
        })
        .unwrap();
        assert_eq!(
            s.friend_items(false).unwrap().len(),
            1,
            "public view has no private posts"
        );
        assert_eq!(s.friend_items(true).unwrap().len(), 2);
        s.remove_friend("https://a.example/").unwrap();
        assert!(s.friend_items(true).unwrap().is_empty());
        assert!(s.find_friend("Ann").unwrap().is_none());
    }
}
