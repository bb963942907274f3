//! Reactions to this site's posts. The latest act of each (post, reactor,
//! emoji) wins, so replays and late retries change nothing.

use super::Store;
use rusqlite::{params, OptionalExtension as _};

/// What storing one reaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReactionApplied {
    Changed,
    /// Older than, or the same as, what is stored.
    Stale,
    /// An add past the per-person cap.
    TooMany,
}

impl Store {
    /// Applies an add (`present`) or remove of `emoji` by `reactor` on
    /// `post`, acted at `at` (ms). At most `cap` different emoji present.
    pub fn react(
        &self,
        post: &str,
        reactor: &str,
        emoji: &str,
        present: bool,
        at: i64,
        cap: usize,
    ) -> anyhow::Result<ReactionApplied> {
        self.at("reactions", || {
            let known: Option<(bool, i64)> = self
                .conn
                .query_row(
                    "SELECT present, at FROM reactions WHERE post = ?1 AND reactor = ?2 AND emoji = ?3",
                    params![post, reactor, emoji],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if known.is_some_and(|(_, t)| t >= at) {
                return Ok(ReactionApplied::Stale);
            }
            if present && !known.is_some_and(|(p, _)| p) {
                let n: i64 = self.conn.query_row(
                    "SELECT count(*) FROM reactions WHERE post = ?1 AND reactor = ?2 AND present = 1",
                    params![post, reactor],
                    |r| r.get(0),
                )?;
                if n as usize >= cap {
                    return Ok(ReactionApplied::TooMany);
                }
            }
            self.conn.execute(
                "INSERT INTO reactions (post, reactor, emoji, present, at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (post, reactor, emoji) DO UPDATE SET present = ?4, at = ?5",
                params![post, reactor, emoji, present, at],
            )?;
            Ok(ReactionApplied::Changed)
        })
    }

    /// Every present reaction: (post, reactor, emoji), by post then time.
    pub fn reactions(&self) -> anyhow::Result<Vec<(String, String, String)>> {
        self.at("reactions", || {
            let mut st = self.conn.prepare_cached(
                "SELECT post, reactor, emoji FROM reactions WHERE present = 1 ORDER BY post, at",
            )?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}

impl Store {
    /// Records a reaction of ours as sent (`add`) or taken back. Err when
    /// adding a new emoji would make more than `cap` on that post.
    pub fn my_reaction(
        &self,
        post: &str,
        emoji: &str,
        add: bool,
        cap: usize,
    ) -> anyhow::Result<()> {
        if !add {
            return self.at("my_reactions", || {
                self.conn.execute(
                    "DELETE FROM my_reactions WHERE post = ?1 AND emoji = ?2",
                    [post, emoji],
                )?;
                Ok(())
            });
        }
        let (have, n): (bool, i64) = self.at("my_reactions", || {
            Ok(self.conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM my_reactions WHERE post = ?1 AND emoji = ?2),
                        (SELECT count(*) FROM my_reactions WHERE post = ?1)",
                [post, emoji],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })?;
        if !have && n as usize >= cap {
            anyhow::bail!(
                "you have {cap} different reactions on this post already, the most a post \
                 keeps from one person: take one back first (`react --remove`)"
            );
        }
        self.at("my_reactions", || {
            self.conn.execute(
                "INSERT OR IGNORE INTO my_reactions (post, emoji) VALUES (?1, ?2)",
                [post, emoji],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_ninth_emoji_of_ours_is_refused_before_sending() {
        let s = Store::in_memory().unwrap();
        let post = "https://bo.example/posts/p/";
        for e in ["😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆"] {
            s.my_reaction(post, e, true, 8).unwrap();
        }
        s.my_reaction(post, "😆", true, 8).unwrap();
        let err = s.my_reaction(post, "🎉", true, 8).unwrap_err().to_string();
        assert!(err.contains("take one back"), "{err}");
        s.my_reaction(post, "😀", false, 8).unwrap();
        s.my_reaction(post, "🎉", true, 8).unwrap();
        s.my_reaction("https://bo.example/posts/q/", "🎉", true, 8)
            .unwrap();
    }
    use super::*;
    use ReactionApplied::*;

    const P: &str = "https://a.example/posts/p/";
    const B: &str = "https://b.example/";

    #[test]
    fn the_latest_act_wins_and_replays_change_nothing() {
        let s = Store::in_memory().unwrap();
        assert_eq!(s.react(P, B, "👍", true, 10, 8).unwrap(), Changed);
        assert_eq!(s.react(P, B, "👍", true, 10, 8).unwrap(), Stale);
        assert_eq!(s.react(P, B, "👍", false, 20, 8).unwrap(), Changed);
        // The add retried late is older than the remove.
        assert_eq!(s.react(P, B, "👍", true, 15, 8).unwrap(), Stale);
        assert!(s.reactions().unwrap().is_empty());
        assert_eq!(s.react(P, B, "👍", true, 30, 8).unwrap(), Changed);
        assert_eq!(s.reactions().unwrap().len(), 1);
    }

    #[test]
    fn at_most_cap_different_emoji_per_person() {
        let s = Store::in_memory().unwrap();
        for (i, e) in ["😀", "😁", "😂"].iter().enumerate() {
            let want = if i < 2 { Changed } else { TooMany };
            assert_eq!(s.react(P, B, e, true, i as i64, 2).unwrap(), want, "{e}");
        }
        // Someone else still can.
        assert_eq!(
            s.react(P, "https://c.example/", "😂", true, 5, 2).unwrap(),
            Changed
        );
        assert_eq!(s.reactions().unwrap().len(), 3);
    }
}
