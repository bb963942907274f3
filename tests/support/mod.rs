//! Shared harness for tests that run real sites and sidecars on 127.0.0.1.
#![allow(dead_code)]

pub mod fixture;
pub mod proxied;
pub mod web;
pub mod webdriver;

use microsocial::federation::{keys, protocol};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_microsocial");
pub const WAIT: Duration = Duration::from_secs(15);

/// A 1×1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

pub struct Site {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub sidecar: Option<Child>,
    /// Environment for every command and the sidecar (e.g. SSL_CERT_FILE).
    pub env: Vec<(String, String)>,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `cmd` and fails the test, with its stderr, unless it succeeded.
pub fn succeed(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl Site {
    pub fn new(name: &str) -> Site {
        Site::with_port(name, free_port(), "")
    }

    /// A site on `port`; `federation_extra` is appended to `[federation]`.
    pub fn with_port(name: &str, port: u16, federation_extra: &str) -> Site {
        let dir = tempfile::tempdir().unwrap();
        // `init --local` writes what a local trial needs: the loopback
        // base URL, the matching bind, serve_public and loopback friends.
        succeed(
            Command::new(BIN)
                .args([
                    "init",
                    "--title",
                    &format!("{name}'s site"),
                    "--local",
                    &port.to_string(),
                    "--author",
                    name,
                ])
                .arg(dir.path()),
        );
        let cfg = std::fs::read_to_string(dir.path().join("social.toml")).unwrap();
        let cfg = in_table(&cfg, "sidecar", "rebuild_debounce_ms = 50\n");
        let cfg = in_table(
            &cfg,
            "federation",
            &format!("retry_initial_ms = 300\n{federation_extra}"),
        );
        std::fs::write(dir.path().join("social.toml"), cfg).unwrap();
        let site = Site {
            dir,
            port,
            sidecar: None,
            env: Vec::new(),
        };
        site.ok(&["build"]);
        site
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Makes this site refuse private addresses, as every real one does
    /// (test sites allow them to reach each other on loopback).
    pub fn refuse_private_addresses(&self) {
        let cfg = self.root().join("social.toml");
        let text = std::fs::read_to_string(&cfg).unwrap();
        assert!(text.contains("allow_private_addresses = true"), "{text}");
        std::fs::write(
            &cfg,
            text.replace(
                "allow_private_addresses = true",
                "allow_private_addresses = false",
            ),
        )
        .unwrap();
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .arg("--root")
            .arg(self.root())
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap()
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn start(&mut self) {
        let log = std::fs::File::create(self.root().join("sidecar.log")).unwrap();
        let child = Command::new(BIN)
            .arg("--root")
            .arg(self.root())
            .arg("sidecar")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.sidecar = Some(child);
        let health = format!("{}health", self.url());
        wait_until("sidecar health", || ureq::get(&health).call().is_ok());
    }

    /// The running sidecar, to end it another way than `stop`.
    pub fn take_sidecar(&mut self) -> Option<Child> {
        self.sidecar.take()
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.sidecar.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn timeline(&self) -> String {
        std::fs::read_to_string(self.root().join("public/timeline/index.html")).unwrap_or_default()
    }

    pub fn friends_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["friends", "--json"])).unwrap()
    }

    pub fn state_of(&self, other: &Site) -> Option<String> {
        self.friends_json()
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["url"] == other.url())
            .map(|f| f["state"].as_str().unwrap().to_string())
    }

    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.root().join(".social/state.db")).unwrap()
    }

    pub fn count(&self, table: &str) -> i64 {
        self.db()
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root().join("sidecar.log")).unwrap_or_default()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A new site with its sidecar running.
pub fn started(name: &str) -> Site {
    let mut s = Site::new(name);
    s.start();
    s
}

pub fn wait_until(what: &str, cond: impl FnMut() -> bool) {
    wait_within(what, WAIT, cond)
}

/// Like [`wait_until`], for waits known to be longer than [`WAIT`].
pub fn wait_within(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out after {limit:?} waiting for {what}");
}

/// The id under which `reader` holds `author`'s post containing `text`.
pub fn held_id(reader: &Site, author: &Site, text: &str) -> String {
    let mut id = String::new();
    wait_until("the post in the reader's store", || {
        let db = reader.db();
        let found: Option<String> = db
            .query_row(
                "SELECT id FROM friend_items WHERE friend = ?1 AND content_html LIKE ?2",
                [author.url(), format!("%{text}%")],
                |r| r.get(0),
            )
            .ok();
        found.map(|f| id = f).is_some()
    });
    id
}

/// Two running sites that are friends.
pub fn befriend(a: &Site, b: &Site) {
    a.ok(&["friends", "add", &b.url()]);
    // The receiver answers first and checks the request off the request path.
    wait_until("the request stored", || {
        b.state_of(a).as_deref() == Some("incoming")
    });
    assert_eq!(a.state_of(b).as_deref(), Some("outgoing"));
    b.ok(&["friends", "accept", &a.url()]);
    wait_until("friendship on both sides", || {
        a.state_of(b).as_deref() == Some("friend") && b.state_of(a).as_deref() == Some("friend")
    });
}

/// POSTs raw bytes to `site`'s inbox; returns (status, error code).
pub fn post(site: &Site, body: &[u8], sig: Option<&str>) -> (u16, String) {
    let mut req =
        ureq::post(&format!("{}inbox", site.url())).set("Content-Type", "application/json");
    if let Some(s) = sig {
        req = req.set(protocol::SIGNATURE_HEADER, s);
    }
    match req.send_bytes(body) {
        Ok(r) => (r.status(), String::new()),
        Err(ureq::Error::Status(code, r)) => {
            let v: serde_json::Value =
                serde_json::from_str(&r.into_string().unwrap_or_default()).unwrap_or_default();
            (code, v["error"].as_str().unwrap_or("").to_string())
        }
        Err(e) => panic!("transport error: {e}"),
    }
}

pub fn id() -> String {
    microsocial::federation::new_id().unwrap()
}

pub fn feed_ping(from: &Site, to: &Site, sent: chrono::DateTime<chrono::Utc>, id: &str) -> Vec<u8> {
    protocol::envelope_bytes(
        protocol::types::FEED_UPDATED,
        id,
        &from.url(),
        &to.url(),
        sent,
        &serde_json::json!({"feed": format!("{}federation/feed.json", from.url()), "version": 1}),
    )
}

pub fn signing_key(site: &Site) -> ed25519_dalek::SigningKey {
    keys::load(site.root()).unwrap().signing
}

/// `text` (a `social.toml`) with `lines` added at the start of `[table]`,
/// which `init` always writes.
pub fn in_table(text: &str, table: &str, lines: &str) -> String {
    let header = format!("[{table}]\n");
    assert!(text.contains(&header), "no {header} in:\n{text}");
    let nl = if lines.ends_with('\n') || lines.is_empty() {
        ""
    } else {
        "\n"
    };
    text.replacen(&header, &format!("{header}{lines}{nl}"), 1)
}

/// A child process that is killed when dropped (a test that fails early
/// leaves no server behind).
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A TCP connection to 127.0.0.1:`port` from the loopback address `from`
/// (127.0.0.N), so that a test can be several clients.
pub fn connect_from(from: [u8; 4], port: u16) -> std::net::TcpStream {
    use socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    s.bind(&std::net::SocketAddr::from((from, 0)).into())
        .unwrap();
    s.connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)).into(),
        Duration::from_secs(2),
    )
    .unwrap();
    let s: std::net::TcpStream = s.into();
    s.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
    s
}
