//! Federation benchmark: real release sidecars on 127.0.0.1.
//!
//!     cargo bench --bench federation
//!     FED_POSTS=1000 FED_ROUNDS=15 FED_LOAD_SECS=60 cargo bench --bench federation
//!
//! Measures propagation (A publishes → B's timeline rebuilt), requests and
//! bytes per update, idle traffic, a burst of 1,000 pings, inbox throughput
//! with memory over time, fan-out of `notify` to 100 friends, and bootstrap
//! (a friend with `FED_BOOT_POSTS` posts befriended → timeline ready).
//!
//! It needs no outside network: the corpus links to a local Webmention
//! target on 127.0.0.1, so `publish` sends its Webmentions there.

mod corpus;
mod targets;

use microsocial::federation::{keys, protocol};
use std::io::Read as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_microsocial");

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Site {
    root: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Site {
    fn new(base: &Path, name: &str, posts: usize, targets: &targets::Targets) -> Site {
        let root = base.join(name);
        corpus::write_corpus_linking(&root, posts, &targets.links);
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // The burst and load tests send everything from one friend at one
        // address: both per-minute limits (`inbox_limit_per_ip`,
        // `max_pings_per_minute`) are lifted to measure the inbox itself.
        std::fs::write(
            root.join("social.toml"),
            format!(
                "[site]\ntitle = \"{name}\"\nbase_url = \"http://127.0.0.1:{port}/\"\nauthor = \"{name}\"\nposts_per_page = 10\n\n\
                 [sidecar]\nbind = \"127.0.0.1:{port}\"\nserve_public = true\nlog_level = \"debug\"\nrebuild_debounce_ms = 100\ninbox_limit_per_ip = 1000000000\n\n\
                 [federation]\nallow_private_addresses = true\nretry_initial_ms = 1000\nmax_pings_per_minute = 1000000000\n"
            ),
        )
        .unwrap();
        let s = Site {
            root,
            port,
            child: None,
        };
        s.cli(&["build"]);
        s
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(BIN)
            .arg("--root")
            .arg(&self.root)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn start(&mut self) {
        let log = std::fs::File::create(self.root.join("sidecar.log")).unwrap();
        self.child = Some(
            Command::new(BIN)
                .arg("--root")
                .arg(&self.root)
                .arg("sidecar")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap(),
        );
        let health = format!("{}health", self.url());
        wait("health", Duration::from_secs(20), || {
            ureq::get(&health).call().is_ok()
        });
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("sidecar.log")).unwrap_or_default()
    }

    fn log_lines(&self) -> usize {
        self.log().lines().count()
    }

    /// Log lines written after line `from` that contain `needle`.
    fn count_since(&self, from: usize, needle: &str) -> usize {
        self.log()
            .lines()
            .skip(from)
            .filter(|l| l.contains(needle))
            .count()
    }

    fn rss_kb(&self) -> u64 {
        let pid = self.child.as_ref().unwrap().id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    fn timeline(&self) -> String {
        std::fs::read_to_string(self.root.join("public/timeline/index.html")).unwrap_or_default()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn wait(what: &str, limit: Duration, mut f: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("timed out waiting for {what}");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn ping(
    from: &Site,
    to: &Site,
    version: u64,
    key: &ed25519_dalek::SigningKey,
) -> (Vec<u8>, String) {
    let body = protocol::envelope_bytes(
        protocol::types::FEED_UPDATED,
        &microsocial::federation::new_id().unwrap(),
        &from.url(),
        &to.url(),
        chrono::Utc::now(),
        &serde_json::json!({"feed": format!("{}federation/feed.json", from.url()), "version": version}),
    );
    let sig = protocol::sign(&body, key);
    (body, sig)
}

fn send_all(to: &Site, msgs: Vec<(Vec<u8>, String)>, threads: usize) -> (usize, Duration) {
    let msgs = Arc::new(msgs);
    let next = Arc::new(AtomicUsize::new(0));
    let ok = Arc::new(AtomicUsize::new(0));
    let inbox = format!("{}inbox", to.url());
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (msgs, next, ok, inbox) = (msgs.clone(), next.clone(), ok.clone(), inbox.clone());
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(10))
                    .build();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((body, sig)) = msgs.get(i) else {
                        break;
                    };
                    let r = agent
                        .post(&inbox)
                        .set("Content-Type", "application/json")
                        .set(protocol::SIGNATURE_HEADER, sig)
                        .send_bytes(body);
                    if matches!(&r, Ok(resp) if resp.status() == 202) {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    if let Ok(resp) = r {
                        let _ = resp.into_reader().read_to_end(&mut Vec::new());
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    (ok.load(Ordering::Relaxed), start.elapsed())
}

fn main() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let posts = env_num("FED_POSTS", 1000) as usize;
    let rounds = env_num("FED_ROUNDS", 15) as usize;
    let load_secs = env_num("FED_LOAD_SECS", 20);
    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(format!("bench-fed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    println!(
        "sites with {posts} posts each; {rounds} propagation rounds; {load_secs} s inbox load"
    );

    let targets = targets::Targets::start();
    let mut a = Site::new(&base, "ann", posts, &targets);
    let mut b = Site::new(&base, "bo", posts, &targets);
    a.start();
    b.start();
    a.cli(&["friends", "add", &b.url()]);
    // Bo stores the request after checking Ann's discovery document, off the request path.
    wait("friend request", Duration::from_secs(20), || {
        b.cli(&["friends", "--json"]).contains("\"incoming\"")
    });
    b.cli(&["friends", "accept", &a.url()]);
    wait("friendship", Duration::from_secs(20), || {
        a.cli(&["friends", "--json"]).contains("\"friend\"")
    });
    // Let the first pulls (bootstrap) and rebuilds settle.
    std::thread::sleep(Duration::from_secs(2));

    // 1. Propagation.
    let mut times = Vec::new();
    let mut posts_to_b = Vec::new();
    let mut gets_from_a = Vec::new();
    let mut head_bytes = Vec::new();
    for r in 0..rounds {
        let (la, lb) = (a.log_lines(), b.log_lines());
        let marker = format!("propagation-marker-{r}-{}", std::process::id());
        std::fs::write(
            a.root
                .join(format!("content/posts/2099-01-01-round-{r}.md")),
            format!("+++\ndate = 2099-01-01T00:{r:02}:00Z\n+++\n\n{marker}\n"),
        )
        .unwrap();
        let start = Instant::now();
        a.cli(&["publish"]);
        wait("propagation", Duration::from_secs(20), || {
            b.timeline().contains(&marker)
        });
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_millis(300)); // let trailing work finish before counting
        posts_to_b.push(b.count_since(lb, "POST /inbox 202"));
        gets_from_a.push(a.count_since(la, "GET /federation/"));
        head_bytes.push(
            std::fs::metadata(a.root.join("public/federation/feed.json"))
                .unwrap()
                .len(),
        );
    }
    let history: u64 = std::fs::read_dir(a.root.join("public/federation/changes"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    println!(
        "propagation A publish → B timeline rebuilt: median {:.0} ms (min {:.0}, max {:.0})",
        median(times.clone()),
        times.iter().cloned().fold(f64::MAX, f64::min),
        times.iter().cloned().fold(0.0, f64::max)
    );
    println!("requests per update: POSTs to B {posts_to_b:?}, GETs of A's feed {gets_from_a:?}");
    println!(
        "bytes per pull: feed head median {} B; whole change history {} B in {} pages",
        median(head_bytes.iter().map(|&b| b as f64).collect()),
        history,
        std::fs::read_dir(a.root.join("public/federation/changes"))
            .unwrap()
            .count()
    );

    // 2. Idle: nothing changes, nothing is sent.
    let (la, lb) = (a.log_lines(), b.log_lines());
    std::thread::sleep(Duration::from_secs(5));
    println!(
        "idle 5 s: {} requests to A, {} requests to B",
        a.count_since(la, " GET ") + a.count_since(la, " POST "),
        b.count_since(lb, " GET ") + b.count_since(lb, " POST ")
    );

    // 3. Burst: 1,000 pings for one new version.
    let key = keys::load(&a.root).unwrap().signing;
    std::fs::write(
        a.root.join("content/posts/2099-02-01-burst.md"),
        "+++\ndate = 2099-02-01T00:00:00Z\n+++\n\nburst-marker\n",
    )
    .unwrap();
    a.cli(&["build"]);
    let head: protocol::FeedHead =
        serde_json::from_slice(&std::fs::read(a.root.join("public/federation/feed.json")).unwrap())
            .unwrap();
    let msgs: Vec<_> = (0..1000)
        .map(|_| ping(&a, &b, head.last_seq, &key))
        .collect();
    let (la, lb) = (a.log_lines(), b.log_lines());
    let (accepted, took) = send_all(&b, msgs, 8);
    wait("burst post", Duration::from_secs(20), || {
        b.timeline().contains("burst-marker")
    });
    std::thread::sleep(Duration::from_secs(1));
    println!(
        "burst: {accepted}/1000 pings accepted in {:.0} ms → {} pull(s) of A's feed, {} rebuild(s) of B",
        took.as_secs_f64() * 1000.0,
        a.count_since(la, "GET /federation/feed.json"),
        b.count_since(lb, "rebuilt:")
    );

    // 4. Inbox throughput and memory (pings for a version B already has: no pulls).
    let target = 6000 * load_secs as usize;
    let t = Instant::now();
    let msgs: Vec<_> = (0..target).map(|_| ping(&a, &b, 1, &key)).collect();
    println!(
        "inbox load: signed {target} envelopes in {:.1} s (before the clock starts)",
        t.elapsed().as_secs_f64()
    );
    let rss_before = b.rss_kb();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let pid = b.child.as_ref().unwrap().id();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut samples = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let status =
                    std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
                let kb: u64 = status
                    .lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                samples.push(kb);
                std::thread::sleep(Duration::from_secs(1));
            }
            samples
        })
    };
    // Send for at most load_secs: the queue is larger than the server can take.
    let deadline = Instant::now() + Duration::from_secs(load_secs);
    let chunks: Vec<Vec<(Vec<u8>, String)>> = msgs.chunks(5000).map(|c| c.to_vec()).collect();
    let mut total = 0;
    let start = Instant::now();
    for c in chunks {
        if Instant::now() >= deadline {
            break;
        }
        total += send_all(&b, c, 8).0;
    }
    let secs = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let samples = sampler.join().unwrap();
    println!(
        "inbox: {total} signed notifications accepted in {secs:.1} s = {:.0}/s (8 client threads on the same 2 cores)",
        total as f64 / secs
    );
    let show: Vec<String> = samples
        .iter()
        .step_by((samples.len() / 6).max(1))
        .map(|kb| format!("{}", kb / 1024))
        .collect();
    println!(
        "inbox: sidecar RSS before {} MB, during (MB, every ~{} s): {}",
        rss_before / 1024,
        (samples.len() / 6).max(1),
        show.join(" ")
    );

    // 5. Fan-out: `notify` to 100 friends served by one local mock inbox.
    let mock = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let mock_port = mock.server_addr().to_ip().unwrap().port();
    let received = Arc::new(AtomicUsize::new(0));
    let mock = Arc::new(mock);
    for _ in 0..8 {
        let (mock, received) = (mock.clone(), received.clone());
        std::thread::spawn(move || {
            while let Ok(req) = mock.recv() {
                received.fetch_add(1, Ordering::Relaxed);
                let _ = req.respond(tiny_http::Response::from_string("{}").with_status_code(202));
            }
        });
    }
    let c = Site::new(&base, "cy", 10, &targets);
    {
        let db = rusqlite::Connection::open(c.root.join(".social/state.db")).unwrap();
        for i in 0..100 {
            db.execute(
                "INSERT INTO friends (url, name, state, signing_key, encryption_key, inbox, feed, created)
                 VALUES (?1, ?2, 'friend', 'ed25519:x', 'age1x', ?3, ?4, 0)",
                rusqlite::params![
                    format!("http://friend{i}.test/"),
                    format!("Friend {i}"),
                    format!("http://127.0.0.1:{mock_port}/inbox/{i}"),
                    format!("http://friend{i}.test/federation/feed.json")
                ],
            )
            .unwrap();
        }
    }
    let mut fan = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let out = c.cli(&["notify"]);
        fan.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(out.contains("notified 100 of 100"), "{out}");
    }
    println!(
        "fan-out: `notify` to 100 friends median {:.0} ms (whole process; {} deliveries received)",
        median(fan),
        received.load(Ordering::Relaxed)
    );
    drop((b, c));

    // 6. Bootstrap: Ann befriends a site with many posts; how long until
    // Ann's timeline shows its newest post, and in how many requests.
    let boot_posts = env_num("FED_BOOT_POSTS", 10_000) as usize;
    if boot_posts > 0 {
        bootstrap(&base, &a, boot_posts, &targets);
    }
    println!(
        "webmentions: {} received by the local target (the corpus links there)",
        targets.received.load(Ordering::Relaxed)
    );
    drop(a);
    let _ = std::fs::remove_dir_all(&base);
}

/// Times "befriended → timeline ready" for a friend with `posts` posts.
fn bootstrap(base: &Path, a: &Site, posts: usize, targets: &targets::Targets) {
    let mut d = Site::new(base, "dee", posts, targets);
    let marker = format!("bootstrap-newest-{}", std::process::id());
    std::fs::write(
        d.root.join("content/posts/2099-03-01-newest.md"),
        format!("+++\ndate = 2099-03-01T00:00:00Z\n+++\n\n{marker}\n"),
    )
    .unwrap();
    d.cli(&["build"]);
    d.start();
    a.cli(&["friends", "add", &d.url()]);
    wait("bootstrap request", Duration::from_secs(60), || {
        d.cli(&["friends", "--json"]).contains("\"incoming\"")
    });
    let (la, ld) = (a.log_lines(), d.log_lines());
    // Timed from the accept, which Ann hears before the command ends (it
    // then pulls Ann and rebuilds Dee's own site): both run side by side.
    let start = Instant::now();
    let (took, accept_took) = std::thread::scope(|s| {
        let accept = s.spawn(|| {
            d.cli(&["friends", "accept", &a.url()]);
            start.elapsed()
        });
        wait("bootstrap timeline", Duration::from_secs(120), || {
            a.timeline().contains(&marker)
        });
        let took = start.elapsed();
        (took, accept.join().unwrap())
    });
    std::thread::sleep(Duration::from_millis(500));
    let kept = a.cli(&["status"]);
    let kept = kept
        .lines()
        .skip_while(|l| !l.contains(&d.url()))
        .find(|l| l.contains(" kept"))
        .unwrap_or("")
        .trim()
        .to_string();
    println!(
        "bootstrap: friend with {posts} posts accepted → Ann's timeline shows its newest post in {:.2} s; \
         {} GET(s) of its change log, {} pull(s) logged by Ann; {kept} \
         (Dee's `friends accept` command took {:.2} s)",
        took.as_secs_f64(),
        d.count_since(ld, "GET /federation/"),
        a.count_since(la, "pulled "),
        accept_took.as_secs_f64()
    );
    // What Ann's rebuilds cost: incremental, not a rebuild of the whole site.
    for line in a.log().lines().skip(la).filter(|l| l.contains("rebuilt:")) {
        println!(
            "bootstrap: Ann rebuilt {}",
            line.split_once("rebuilt:").map_or(line, |(_, r)| r).trim()
        );
    }
}
