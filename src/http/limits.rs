//! Limits of the HTTP front: connection caps (overall and per client
//! address) and a per-address token bucket for rate limits.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// What a body cap sees of a request, before any byte of its body is read.
pub struct Asked<'a> {
    pub method: &'a str,
    /// Without the query.
    pub path: &'a str,
    pub(super) head: &'a super::message::Head,
}

impl Asked<'_> {
    /// The values of header `name` (any case) that are valid UTF-8.
    pub fn header<'b>(&'b self, name: &'b str) -> Vec<&'b str> {
        self.head
            .values(name)
            .filter_map(|v| std::str::from_utf8(v).ok())
            .collect()
    }
}

/// Largest body a route accepts for a request. A cap may look at headers:
/// the owner's uploads are large only with a valid session cookie.
pub type BodyCap = Arc<dyn Fn(&Asked) -> u64 + Send + Sync>;
/// Where the front reports the requests it refuses (the server's log).
pub type Report = Arc<dyn Fn(&str) + Send + Sync>;

#[derive(Clone)]
pub struct Limits {
    /// Open client connections, all addresses together.
    pub max_connections: usize,
    /// Open client connections from one address.
    pub max_per_ip: usize,
    /// Deadline for the whole request head, from accept.
    pub head_deadline: Duration,
    /// Deadline for the whole body, from the end of the head; a body too
    /// large to come in that time at `min_body_rate` gets the time it needs.
    pub body_deadline: Duration,
    /// Slowest transfer a large body may take, in bytes per second.
    pub min_body_rate: u64,
    /// Longest request head (request line and headers) in bytes.
    pub max_head: usize,
    /// Most header fields in one request.
    pub max_headers: usize,
    /// Longest a single write to a client may block.
    pub write_timeout: Duration,
    pub body_cap: BodyCap,
    pub report: Report,
}

impl Limits {
    /// The body deadline for a body of `len` bytes.
    pub fn body_time(&self, len: u64) -> Duration {
        let needed = Duration::from_secs(len / self.min_body_rate.max(1));
        self.body_deadline.max(needed)
    }

    /// Defaults; `body_cap` says what each route accepts.
    pub fn new(body_cap: BodyCap) -> Limits {
        Limits {
            max_connections: 256,
            max_per_ip: 32,
            head_deadline: Duration::from_secs(10),
            body_deadline: Duration::from_secs(10),
            // A 10 MiB photo gets 160 s: a slow phone link, not a stalled one.
            min_body_rate: 64 * 1024,
            max_head: 16 * 1024,
            max_headers: 64,
            write_timeout: Duration::from_secs(10),
            body_cap,
            report: Arc::new(|line| eprintln!("{line}")),
        }
    }
}

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Default)]
struct Open {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// Counts open connections; a slot is released when its [`Slot`] drops.
#[derive(Clone, Default)]
pub struct Connections(Arc<Mutex<Open>>);

pub struct Slot {
    open: Connections,
    ip: IpAddr,
}

/// Whom a connection counts against: an IPv4 address (also when written
/// as an IPv4-mapped IPv6 one), or an IPv6 client's /64, which one client
/// usually holds whole (the request limits group the same way).
fn client_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
            }
        },
    }
}

impl Connections {
    /// A slot for a new connection from `ip`, or None when a cap is reached.
    pub fn admit(&self, ip: IpAddr, limits: &Limits) -> Option<Slot> {
        let ip = client_of(ip);
        let mut open = guard(&self.0);
        let mine = open.per_ip.get(&ip).copied().unwrap_or(0);
        if open.total >= limits.max_connections || mine >= limits.max_per_ip {
            return None;
        }
        open.total += 1;
        open.per_ip.insert(ip, mine + 1);
        Some(Slot {
            open: self.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = guard(&self.open.0);
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.per_ip.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64() {
        let limits = Limits::new(std::sync::Arc::new(|_| 0));
        let open = Connections::default();
        let in_64 = |n: u16| IpAddr::from([0x2001, 0xdb8, 1, 2, 0, 0, 0, n]);
        let slots: Vec<_> = (0..limits.max_per_ip as u16)
            .map(|n| open.admit(in_64(n), &limits).expect("under the cap"))
            .collect();
        assert!(
            open.admit(in_64(999), &limits).is_none(),
            "one /64 is one client"
        );
        let other = IpAddr::from([0x2001, 0xdb8, 1, 3, 0, 0, 0, 1]);
        assert!(open.admit(other, &limits).is_some());
        drop(slots);
        assert!(open.admit(in_64(999), &limits).is_some());
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(super::client_of(mapped), IpAddr::from([192, 0, 2, 7]));
    }

    #[test]
    fn a_large_body_gets_the_time_a_slow_link_needs() {
        let l = Limits::new(Arc::new(|_: &Asked| 0));
        assert_eq!(l.body_time(0), Duration::from_secs(10));
        assert_eq!(l.body_time(64 * 1024 * 5), Duration::from_secs(10));
        assert_eq!(l.body_time(10 * 1024 * 1024), Duration::from_secs(160));
    }

    #[test]
    fn connection_caps_hold_per_ip_and_overall_and_free_on_drop() {
        let mut limits = Limits::new(Arc::new(|_: &Asked| 0));
        limits.max_connections = 3;
        limits.max_per_ip = 2;
        let open = Connections::default();
        let a1 = open.admit(ip(2), &limits).unwrap();
        let _a2 = open.admit(ip(2), &limits).unwrap();
        assert!(open.admit(ip(2), &limits).is_none(), "per-IP cap");
        let _b = open.admit(ip(3), &limits).unwrap();
        assert!(open.admit(ip(4), &limits).is_none(), "overall cap");
        drop(a1);
        assert!(open.admit(ip(2), &limits).is_some());
    }
}
