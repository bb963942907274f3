//! Failed password sign-ins, per client address, in the database so that
//! `serve` and the sidecar (two processes) share one count.

use super::Store;
use rusqlite::{params, OptionalExtension as _};

/// Free tries per address before the waits begin.
pub const FREE_TRIES: i64 = 5;
/// The first wait; each failure after it doubles the wait, up to a day.
const FIRST_WAIT_MS: i64 = 60_000;
const LONGEST_WAIT_MS: i64 = 24 * 3600 * 1000;
/// Failures from all addresses together in one minute above which every
/// address that has failed before waits a minute (bounds the argon2 work a
/// botnet can make us do; a clean address is never slowed).
pub const OVERALL_PER_MINUTE: i64 = 200;

impl Store {
    /// How long `source` must wait before its next password try, in ms
    /// (0: it may try now).
    pub fn login_wait(&self, source: &str, now: i64) -> anyhow::Result<i64> {
        self.at("login_failures", || {
            let row: Option<(i64, i64)> = self
                .conn
                .query_row(
                    "SELECT failures, last FROM login_failures WHERE source = ?1",
                    [source],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let own = match row {
                Some((n, last)) if n >= FREE_TRIES => {
                    let doublings = (n - FREE_TRIES).min(20) as u32;
                    let wait = (FIRST_WAIT_MS << doublings).min(LONGEST_WAIT_MS);
                    (last + wait - now).max(0)
                }
                _ => 0,
            };
            // An address with a clean record (the owner's, usually) is never
            // slowed by what others do.
            if row.is_none() {
                return Ok(own);
            }
            let recent: i64 = self.conn.query_row(
                "SELECT count(*) FROM login_failures WHERE last > ?1",
                [now - 60_000],
                |r| r.get(0),
            )?;
            let overall = if recent >= OVERALL_PER_MINUTE {
                60_000
            } else {
                0
            };
            Ok(own.max(overall))
        })
    }

    /// Counts a failed try from `source`; forgets addresses quiet for a day.
    pub fn login_failed(&self, source: &str, now: i64) -> anyhow::Result<()> {
        self.at("login_failures", || {
            self.conn.execute(
                "INSERT INTO login_failures (source, failures, last) VALUES (?1, 1, ?2)
                 ON CONFLICT(source) DO UPDATE SET failures = failures + 1, last = ?2",
                params![source, now],
            )?;
            self.conn.execute(
                "DELETE FROM login_failures WHERE last < ?1",
                [now - LONGEST_WAIT_MS],
            )?;
            Ok(())
        })
    }

    /// A right password: the address starts afresh.
    pub fn login_succeeded(&self, source: &str) -> anyhow::Result<()> {
        self.at("login_failures", || {
            self.conn
                .execute("DELETE FROM login_failures WHERE source = ?1", [source])?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_per_address_and_others_are_not_locked_out() {
        let s = Store::in_memory().unwrap();
        let t = 1_000_000_000;
        for i in 0..FREE_TRIES {
            assert_eq!(s.login_wait("ip:a", t + i).unwrap(), 0);
            s.login_failed("ip:a", t + i).unwrap();
        }
        let last = t + FREE_TRIES - 1;
        assert_eq!(s.login_wait("ip:a", last).unwrap(), 60_000);
        s.login_failed("ip:a", last).unwrap();
        assert_eq!(s.login_wait("ip:a", last).unwrap(), 120_000, "doubled");
        assert_eq!(
            s.login_wait("ip:b", last).unwrap(),
            0,
            "the owner elsewhere is not locked out"
        );
        s.login_succeeded("ip:a").unwrap();
        assert_eq!(s.login_wait("ip:a", last).unwrap(), 0);
    }

    #[test]
    fn a_flood_from_many_addresses_slows_failed_addresses_for_a_minute_only() {
        let s = Store::in_memory().unwrap();
        let t = 1_000_000_000;
        for i in 0..OVERALL_PER_MINUTE {
            s.login_failed(&format!("ip:{i}"), t).unwrap();
        }
        assert_eq!(
            s.login_wait("ip:owner", t).unwrap(),
            0,
            "a clean address may try"
        );
        s.login_failed("ip:typo", t).unwrap();
        assert_eq!(s.login_wait("ip:typo", t).unwrap(), 60_000);
        assert_eq!(s.login_wait("ip:typo", t + 61_000).unwrap(), 0);
    }
}
