//! Rate limits on what arrives at the inbox: fixed one-minute windows
//! counted per key (a source address, a key, a friend, or `*` for all).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const WINDOW: Duration = Duration::from_secs(60);

/// Friend requests from unknown sites accepted per minute from one source
/// address (or one IPv6 /64) and for one signing key.
pub const STRANGER_PER_SOURCE: u32 = 5;
/// ... and from all strangers together: each costs an outgoing fetch.
pub const STRANGER_GLOBAL: u32 = 30;
/// Keys tracked at most; past this, expired windows are dropped and, if
/// still full, new keys are refused (the global cap holds either way).
const MAX_KEYS: usize = 10_000;

pub struct Windows {
    map: Mutex<HashMap<String, (Instant, u32)>>,
    max_keys: usize,
}

impl Default for Windows {
    fn default() -> Self {
        Windows::new(MAX_KEYS)
    }
}

impl Windows {
    pub fn new(max_keys: usize) -> Windows {
        Windows {
            map: Mutex::default(),
            max_keys,
        }
    }

    /// Counts one event against every `(key, limit)` if none is at its
    /// limit; otherwise counts nothing and says how long to wait.
    pub fn allow(&self, keys: &[(&str, u32)], now: Instant) -> Result<(), Duration> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let live = |start: &Instant| now.saturating_duration_since(*start) < WINDOW;
        let mut wait = Duration::ZERO;
        for (key, limit) in keys {
            if let Some((start, n)) = map.get(*key) {
                if live(start) && *n >= *limit {
                    wait = wait.max(WINDOW - now.saturating_duration_since(*start));
                }
            }
        }
        if wait > Duration::ZERO {
            return Err(wait);
        }
        let new_keys = keys.iter().filter(|(k, _)| !map.contains_key(*k)).count();
        if map.len() + new_keys > self.max_keys {
            map.retain(|_, (start, _)| live(start));
            if map.len() + new_keys > self.max_keys {
                return Err(WINDOW);
            }
        }
        for (key, _) in keys {
            let entry = map.entry((*key).to_string()).or_insert((now, 0));
            if !live(&entry.0) {
                *entry = (now, 0);
            }
            entry.1 += 1;
        }
        Ok(())
    }
}

/// The source an address counts as: IPv6 hosts get a /64 each, so one
/// subnet cannot pose as many sources.
pub fn source_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("ip:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("ip:{v4}"),
            None => {
                let s = v6.segments();
                format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Limits of the inbox: every POST per source address, friend requests
/// from strangers, and messages from each friend.
#[derive(Default)]
pub struct InboxLimits {
    sources: Windows,
    strangers: Windows,
    friends: Windows,
}

impl InboxLimits {
    /// One `POST /inbox` from `ip`, at most `per_minute` (0: no limit).
    pub fn source(&self, ip: IpAddr, per_minute: u32) -> Result<(), Duration> {
        if per_minute == 0 {
            return Ok(());
        }
        self.sources
            .allow(&[(&source_key(ip), per_minute)], Instant::now())
    }

    /// A friend request from `ip` carrying signing key `key`.
    pub fn stranger(&self, ip: Option<IpAddr>, key: &str) -> Result<(), Duration> {
        let ip = ip.map_or_else(|| "ip:?".to_string(), source_key);
        let key = format!("key:{key}");
        self.strangers.allow(
            &[
                (&ip, STRANGER_PER_SOURCE),
                (&key, STRANGER_PER_SOURCE),
                ("*", STRANGER_GLOBAL),
            ],
            Instant::now(),
        )
    }

    /// One message from friend `url`, at most `per_minute`.
    pub fn friend(&self, url: &str, per_minute: u32) -> Result<(), Duration> {
        self.friends.allow(&[(url, per_minute)], Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn posts_are_limited_per_source_and_zero_means_no_limit() {
        let l = InboxLimits::default();
        let a = ip("203.0.113.9").unwrap();
        assert_eq!((0..10).filter(|_| l.source(a, 3).is_ok()).count(), 3);
        let wait = l.source(a, 3).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= WINDOW, "{wait:?}");
        assert!(l.source(ip("198.51.100.7").unwrap(), 3).is_ok());
        assert!((0..100).all(|_| l.source(a, 0).is_ok()));
    }

    #[test]
    fn one_flooding_source_does_not_starve_others() {
        let l = InboxLimits::default();
        let flood = (0..100)
            .filter(|i| l.stranger(ip("203.0.113.9"), &format!("k{i}")).is_ok())
            .count();
        assert_eq!(flood as u32, STRANGER_PER_SOURCE);
        // Another address with another key still gets through.
        assert!(l.stranger(ip("198.51.100.7"), "other").is_ok());
    }

    #[test]
    fn one_key_from_many_addresses_is_capped() {
        let l = InboxLimits::default();
        let n = (0..50)
            .filter(|i| l.stranger(ip(&format!("203.0.113.{i}")), "same").is_ok())
            .count();
        assert_eq!(n as u32, STRANGER_PER_SOURCE);
    }

    #[test]
    fn ipv6_hosts_of_one_subnet_are_one_source() {
        let l = InboxLimits::default();
        let n = (0..50)
            .filter(|i| {
                l.stranger(ip(&format!("2001:db8:1:2::{i:x}")), &format!("k{i}"))
                    .is_ok()
            })
            .count();
        assert_eq!(n as u32, STRANGER_PER_SOURCE);
    }

    #[test]
    fn global_cap_holds_across_sources() {
        let l = InboxLimits::default();
        let n = (0..200)
            .filter(|i| {
                l.stranger(
                    ip(&format!("10.0.{}.{}", i / 250, i % 250)),
                    &format!("k{i}"),
                )
                .is_ok()
            })
            .count();
        assert_eq!(n as u32, STRANGER_GLOBAL);
    }

    #[test]
    fn windows_reset_and_report_the_wait() {
        let w = Windows::default();
        let t0 = Instant::now();
        assert!(w.allow(&[("a", 1)], t0).is_ok());
        let wait = w
            .allow(&[("a", 1)], t0 + Duration::from_secs(20))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(40));
        assert!(w.allow(&[("a", 1)], t0 + WINDOW).is_ok());
    }

    #[test]
    fn key_table_is_bounded() {
        let w = Windows::new(3);
        let t0 = Instant::now();
        for k in ["a", "b", "c"] {
            assert!(w.allow(&[(k, 5)], t0).is_ok());
        }
        assert!(w.allow(&[("d", 5)], t0).is_err(), "table full");
        assert!(
            w.allow(&[("d", 5)], t0 + WINDOW).is_ok(),
            "expired keys dropped"
        );
    }

    #[test]
    fn friends_are_limited_one_by_one() {
        let l = InboxLimits::default();
        let a = (0..10)
            .filter(|_| l.friend("https://a/", 3).is_ok())
            .count();
        assert_eq!(a, 3);
        assert!(l.friend("https://b/", 3).is_ok());
    }
}
