//! Hostile clients against the real sidecar and the real `serve`, all on
//! loopback. Attackers connect from 127.0.0.2 so that per-IP caps apply to
//! them and not to the probe from 127.0.0.1, which must answer within 1 s.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;

/// A TCP connection to `port` from 127.0.0.2.
fn attacker(port: u16) -> TcpStream {
    connect_from([127, 0, 0, 2], port)
}

/// Sends `request` from 127.0.0.2 and reads the answer until close (3 s at most).
fn exchange(port: u16, request: &[u8]) -> String {
    let mut s = attacker(port);
    s.write_all(request).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    resp
}

/// GETs `path` from 127.0.0.1 with a 1 s budget; panics if it takes longer.
fn probe(port: u16, path: &str) {
    let started = Instant::now();
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(1))
        .build();
    let r = agent.get(&format!("http://127.0.0.1:{port}{path}")).call();
    let took = started.elapsed();
    assert!(
        r.is_ok() && took <= Duration::from_secs(1),
        "GET {path} failed or was slow while under attack: {:?} after {took:?}",
        r.err()
    );
}

/// Probes every 300 ms for `how_long`.
fn keep_probing(port: u16, path: &str, how_long: Duration) {
    let until = Instant::now() + how_long;
    while Instant::now() < until {
        probe(port, path);
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Whether the server closed `s` within `within` (EOF or reset on read).
fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let mut buf = [0u8; 4096];
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        s.set_read_timeout(Some(left.max(Duration::from_millis(10))))
            .unwrap();
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // a response before the close is fine
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return false,
            Err(_) => return true,
        }
    }
    false
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn threads(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|d| d.count())
        .unwrap_or(0)
}

fn sidecar() -> Site {
    started("Ada")
}

fn pid(site: &Site) -> u32 {
    site.sidecar.as_ref().unwrap().id()
}

struct Serve {
    _site: Site,
    child: Child,
    port: u16,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `microsocial serve` process on a free loopback port, ready.
fn serve() -> Serve {
    let site = Site::new("Sam");
    let port = free_port();
    let child = Command::new(BIN)
        .arg("--root")
        .arg(site.root())
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/");
    wait_until("serve", || ureq::get(&url).call().is_ok());
    Serve {
        _site: site,
        child,
        port,
    }
}

const SLOW_BODY: &[u8] = b"POST /inbox HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{";

#[test]
fn slow_bodies_do_not_stop_the_sidecar_and_are_cut_at_a_deadline() {
    let site = sidecar();
    let mut conns: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut s = attacker(site.port);
            s.write_all(SLOW_BODY).unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    keep_probing(site.port, "/health", Duration::from_secs(2));
    probe(site.port, "/");
    // The body deadline (10 s) closes them, although they are not idle.
    let started = Instant::now();
    for s in &mut conns {
        let left = Duration::from_secs(14).saturating_sub(started.elapsed());
        assert!(closed_within(s, left), "a slow body was kept open for 14 s");
    }
}

#[test]
fn slow_headers_are_cut_at_a_deadline_not_an_idle_timeout() {
    let site = sidecar();
    let mut s = attacker(site.port);
    s.write_all(b"GET /health HTTP/1.1\r\n").unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let dripper = {
        let mut w = s.try_clone().unwrap();
        let stop = stop.clone();
        std::thread::spawn(move || {
            // One header line every 2 s: never idle for long.
            for i in 0..8 {
                for _ in 0..20 {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                if w.write_all(format!("X-Drip-{i}: 1\r\n").as_bytes())
                    .is_err()
                {
                    return;
                }
            }
        })
    };
    probe(site.port, "/health");
    let closed = closed_within(&mut s, Duration::from_secs(14));
    stop.store(true, Ordering::Relaxed);
    dripper.join().unwrap();
    assert!(
        closed,
        "a header dripped every 2 s kept the connection for 14 s"
    );
}

/// Sends one endless header line on `n` connections until the server closes
/// them, 200 MB each, 15 s, or the server's RSS passes `rss_limit_kb`.
fn huge_headers(port: u16, server_pid: u32, n: usize, rss_limit_kb: u64) -> (u64, usize) {
    let peak = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..n)
        .map(|_| {
            let (stop, peak) = (stop.clone(), peak.clone());
            let mut s = attacker(port);
            std::thread::spawn(move || {
                let chunk = vec![b'a'; 64 * 1024];
                let started = Instant::now();
                let mut sent = 0usize;
                if s.write_all(b"GET /health HTTP/1.1\r\nX-Big: ").is_err() {
                    return true;
                }
                while sent < 200 << 20 && started.elapsed() < Duration::from_secs(15) {
                    if stop.load(Ordering::Relaxed) {
                        return false;
                    }
                    match s.write_all(&chunk) {
                        Ok(()) => sent += chunk.len(),
                        // Not read for 2 s: keep trying until the budget ends.
                        Err(e)
                            if matches!(
                                e.kind(),
                                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                            ) => {}
                        Err(_) => return true, // closed by the server
                    }
                    let rss = rss_kb(server_pid);
                    peak.fetch_max(rss, Ordering::Relaxed);
                    if rss > rss_limit_kb {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                false
            })
        })
        .collect();
    let closed = workers
        .into_iter()
        .map(|w| w.join().unwrap())
        .filter(|c| *c)
        .count();
    (peak.load(Ordering::Relaxed), closed)
}

#[test]
fn huge_header_lines_keep_memory_bounded_and_are_closed() {
    let site = sidecar();
    let before = rss_kb(pid(&site));
    let (peak, closed) = huge_headers(site.port, pid(&site), 8, before + 150_000);
    eprintln!(
        "sidecar RSS under 8 huge header lines: {before} kB -> peak {peak} kB, {closed}/8 closed"
    );
    assert!(
        peak < before + 60_000,
        "RSS grew from {before} kB to {peak} kB under 8 huge header lines"
    );
    assert_eq!(closed, 8, "every huge header connection is closed");
    probe(site.port, "/health");
}

#[test]
fn many_idle_connections_use_bounded_threads_and_health_answers() {
    let site = sidecar();
    let server = pid(&site);
    let before = threads(server);
    let idle: Vec<TcpStream> = (0..500).map(|_| attacker(site.port)).collect();
    std::thread::sleep(Duration::from_millis(500));
    keep_probing(site.port, "/health", Duration::from_secs(2));
    let during = threads(server);
    eprintln!("sidecar threads with 500 idle connections: {before} -> {during}");
    assert!(
        during < before + 100,
        "{} idle connections raised the sidecar from {before} to {during} threads",
        idle.len()
    );
}

#[test]
fn oversized_content_length_gets_413_and_a_close_quickly() {
    let site = sidecar();
    let mut s = attacker(site.port);
    let started = Instant::now();
    s.write_all(b"POST /inbox HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
        .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut head = [0u8; 12];
    s.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 413");
    assert!(
        closed_within(&mut s, Duration::from_secs(2)),
        "the connection is closed after the 413"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    probe(site.port, "/health");
}

#[test]
fn inbox_answers_429_with_retry_after_per_ip() {
    let site = Site::with_port("Ida", free_port(), "");
    let cfg = std::fs::read_to_string(site.root().join("social.toml")).unwrap();
    let cfg = cfg.replace("[sidecar]\n", "[sidecar]\ninbox_limit_per_ip = 5\n");
    std::fs::write(site.root().join("social.toml"), cfg).unwrap();
    let mut site = site;
    site.start();
    let mut limited = None;
    for _ in 0..20 {
        let resp = exchange(
            site.port,
            b"POST /inbox HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
        );
        if resp.starts_with("HTTP/1.1 429") {
            limited = Some(resp);
            break;
        }
    }
    let resp = limited.expect("20 quick posts from one address were never limited");
    let retry = resp
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("retry-after:")
                .map(|v| v.trim().to_string())
        })
        .expect("a 429 carries Retry-After");
    assert!(retry.parse::<u64>().is_ok_and(|n| n >= 1), "{retry}");
    // Another address is not limited by the first one's traffic.
    let (code, _) = post(&site, b"{}", None);
    assert_ne!(code, 429);
}

#[test]
fn serve_holds_against_slow_and_huge_headers_and_idle_connections() {
    let srv = serve();
    let server = srv.child.id();
    let before = threads(server);
    let idle: Vec<TcpStream> = (0..300).map(|_| attacker(srv.port)).collect();
    std::thread::sleep(Duration::from_millis(500));
    keep_probing(srv.port, "/", Duration::from_secs(1));
    let during = threads(server);
    assert!(
        during < before + 100,
        "{} idle connections raised serve from {before} to {during} threads",
        idle.len()
    );
    drop(idle);
    let before_rss = rss_kb(server);
    let (peak, closed) = huge_headers(srv.port, server, 4, before_rss + 150_000);
    assert!(
        peak < before_rss + 60_000,
        "RSS of serve grew from {before_rss} kB to {peak} kB"
    );
    assert_eq!(closed, 4);
    let mut s = attacker(srv.port);
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    probe(srv.port, "/");
    assert!(
        closed_within(&mut s, Duration::from_secs(14)),
        "serve kept an unfinished request head for 14 s"
    );
}

#[test]
fn sidecar_responses_carry_security_headers() {
    let site = sidecar();
    for (path, policy, public) in [
        ("/health", "no-referrer", false),
        ("/inbox", "no-referrer", false),
        ("/", "strict-origin-when-cross-origin", true),
        ("/no/such/page/", "strict-origin-when-cross-origin", true),
    ] {
        let r = match ureq::get(&format!("{}{}", site.url(), &path[1..])).call() {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{path}: {e}"),
        };
        assert_eq!(
            r.header("X-Content-Type-Options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header("Referrer-Policy"), Some(policy), "{path}");
        let got = r.header("Content-Security-Policy").unwrap_or_default();
        assert!(got.starts_with("default-src 'none'"), "{path}: {got}");
        if public {
            assert!(
                !got.contains("script-src"),
                "the public site runs no script: {got}"
            );
        }
    }
    // The front's own refusals carry them too.
    let resp = exchange(
        site.port,
        b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n",
    );
    assert!(resp.starts_with("HTTP/1.1 413"), "{resp}");
    assert!(resp.contains("X-Content-Type-Options: nosniff"), "{resp}");
}

#[test]
fn keep_alive_clients_never_meet_a_closed_connection() {
    let site = sidecar();
    // ureq pools connections unless told to close, and does not retry a POST
    // on a stale one: every request here must still get its answer.
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(5))
        .build();
    for i in 0..40 {
        let r = agent
            .post(&format!("{}inbox", site.url()))
            .send_bytes(b"{}");
        match r {
            Ok(r) | Err(ureq::Error::Status(_, r)) => drop(r.into_string()),
            Err(e) => panic!("request {i} failed on a reused connection: {e}"),
        }
    }
    // A response whose connection is not kept says so.
    let resp = exchange(
        site.port,
        b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(resp.contains("\r\nConnection: close\r\n"), "{resp}");
}
