//! Federation end to end: real `microsocial sidecar` processes on 127.0.0.1
//! ephemeral ports, sites in temporary folders, every wait bounded.

use microsocial::federation::{keys, protocol};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_microsocial");
const WAIT: Duration = Duration::from_secs(15);

struct Site {
    dir: tempfile::TempDir,
    port: u16,
    sidecar: Option<Child>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Site {
    fn new(name: &str) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}/");
        let out = Command::new(BIN)
            .args([
                "init",
                "--title",
                &format!("{name}'s site"),
                "--url",
                &url,
                "--author",
                name,
            ])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut cfg = std::fs::read_to_string(dir.path().join("social.toml")).unwrap();
        cfg.push_str(&format!(
            "\n[sidecar]\nbind = \"127.0.0.1:{port}\"\nserve_public = true\nrebuild_debounce_ms = 50\n\n[federation]\nallow_private_addresses = true\nretry_initial_ms = 300\n"
        ));
        std::fs::write(dir.path().join("social.toml"), cfg).unwrap();
        let site = Site {
            dir,
            port,
            sidecar: None,
        };
        site.ok(&["build"]);
        site
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .arg("--root")
            .arg(self.root())
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn start(&mut self) {
        let log = std::fs::File::create(self.root().join("sidecar.log")).unwrap();
        let child = Command::new(BIN)
            .arg("--root")
            .arg(self.root())
            .arg("sidecar")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.sidecar = Some(child);
        let health = format!("{}health", self.url());
        wait_until("sidecar health", || ureq::get(&health).call().is_ok());
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.sidecar.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn timeline(&self) -> String {
        std::fs::read_to_string(self.root().join("public/timeline/index.html")).unwrap_or_default()
    }

    fn friends_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["friends", "--json"])).unwrap()
    }

    fn state_of(&self, other: &Site) -> Option<String> {
        self.friends_json()
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["url"] == other.url())
            .map(|f| f["state"].as_str().unwrap().to_string())
    }

    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.root().join(".social/state.db")).unwrap()
    }

    fn count(&self, table: &str) -> i64 {
        self.db()
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.root().join("sidecar.log")).unwrap_or_default()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.stop();
    }
}

fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < WAIT {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out after {WAIT:?} waiting for {what}");
}

/// Two running sites that are friends.
fn befriend(a: &Site, b: &Site) {
    a.ok(&["friends", "add", &b.url()]);
    assert_eq!(b.state_of(a).as_deref(), Some("incoming"));
    assert_eq!(a.state_of(b).as_deref(), Some("outgoing"));
    b.ok(&["friends", "accept", &a.url()]);
    wait_until("friendship on both sides", || {
        a.state_of(b).as_deref() == Some("friend") && b.state_of(a).as_deref() == Some("friend")
    });
}

/// POSTs raw bytes to `site`'s inbox; returns (status, error code).
fn post(site: &Site, body: &[u8], sig: Option<&str>) -> (u16, String) {
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

fn id() -> String {
    microsocial::federation::new_id().unwrap()
}

fn feed_ping(from: &Site, to: &Site, sent: chrono::DateTime<chrono::Utc>, id: &str) -> Vec<u8> {
    protocol::envelope_bytes(
        protocol::types::FEED_UPDATED,
        id,
        &from.url(),
        &to.url(),
        sent,
        &serde_json::json!({"feed": format!("{}federation/feed.json", from.url()), "version": 1}),
    )
}

fn signing_key(site: &Site) -> ed25519_dalek::SigningKey {
    keys::load(site.root()).unwrap().signing
}

#[test]
fn friends_publish_and_strangers_cannot_push() {
    let mut a = Site::new("Ann");
    let mut b = Site::new("Bo");
    let mut c = Site::new("Cy");
    a.start();
    b.start();
    c.start();
    befriend(&a, &b);

    a.ok(&["new", "Greetings from Ann to her friends", "--tag", "hello"]);
    let out = a.ok(&["publish"]);
    assert!(out.contains("notified 1 of 1"), "{out}");
    wait_until("Ann's post in Bo's timeline", || {
        b.timeline().contains("Greetings from Ann")
    });
    assert!(b.root().join("public/friends/index.html").is_file());

    // Cy is no friend: a correctly signed ping from Cy is refused and stores nothing.
    let seen = a.count("seen");
    let raw = feed_ping(&c, &a, chrono::Utc::now(), &id());
    let (status, code) = post(&a, &raw, Some(&protocol::sign(&raw, &signing_key(&c))));
    assert_eq!((status, code.as_str()), (403, "not_friend"));
    assert_eq!(a.count("seen"), seen);
    // Cy's posts never reach Ann even after Cy publishes.
    c.ok(&["new", "Cy shouting into the void"]);
    c.ok(&["publish"]);
    assert!(!a.timeline().contains("Cy shouting"));
    assert!(!b.timeline().contains("Cy shouting"));
    c.stop();
}

#[test]
fn hostile_messages_are_rejected_and_store_nothing() {
    let mut a = Site::new("Ann");
    let mut b = Site::new("Bo");
    a.start();
    b.start();
    befriend(&a, &b);
    let key = signing_key(&a);
    let before = (b.count("seen"), b.count("friends"), b.count("outbox"));

    // Forged: claims to be Ann, signed with another key.
    let raw = feed_ping(&a, &b, chrono::Utc::now(), &id());
    let forged = protocol::sign(&raw, &ed25519_dalek::SigningKey::from_bytes(&[9; 32]));
    assert_eq!(post(&b, &raw, Some(&forged)), (401, "bad_signature".into()));
    assert_eq!(post(&b, &raw, None), (401, "missing_signature".into()));
    // Expired and from the future.
    for skew in [-11 * 60, 6 * 60] {
        let raw = feed_ping(
            &a,
            &b,
            chrono::Utc::now() + chrono::Duration::seconds(skew),
            &id(),
        );
        assert_eq!(
            post(&b, &raw, Some(&protocol::sign(&raw, &key))),
            (401, "expired".into())
        );
    }
    // Addressed to someone else.
    let mut wrong = feed_ping(&a, &a, chrono::Utc::now(), &id());
    assert_eq!(
        post(&b, &wrong, Some(&protocol::sign(&wrong, &key))),
        (421, "wrong_recipient".into())
    );
    // Oversized and malformed.
    wrong = vec![b'x'; protocol::MAX_ENVELOPE + 10];
    assert_eq!(post(&b, &wrong, Some(&protocol::sign(&wrong, &key))).0, 413);
    let junk = b"{\"v\":1,\"type\":\"feed.updated\"";
    assert_eq!(
        post(&b, junk, Some(&protocol::sign(junk, &key))),
        (400, "malformed".into())
    );
    assert_eq!(
        before,
        (b.count("seen"), b.count("friends"), b.count("outbox"))
    );

    // A valid message is accepted once; the same bytes again are a replay.
    let raw = feed_ping(&a, &b, chrono::Utc::now(), &id());
    let sig = protocol::sign(&raw, &key);
    assert_eq!(post(&b, &raw, Some(&sig)).0, 202);
    assert_eq!(post(&b, &raw, Some(&sig)), (409, "replay".into()));
    assert_eq!(b.count("seen"), before.0 + 1);
    let log = b.log();
    for reason in [
        "bad_signature",
        "expired",
        "wrong_recipient",
        "too_large",
        "malformed",
        "replay",
    ] {
        assert!(log.contains(reason), "sidecar log lacks {reason}:\n{log}");
    }
}

#[test]
fn offline_friend_catches_up_when_started() {
    let mut a = Site::new("Ann");
    let mut b = Site::new("Bo");
    a.start();
    b.start();
    befriend(&a, &b);
    b.stop();

    a.ok(&["new", "Written while Bo was away"]);
    let out = a.ok(&["publish"]);
    assert!(out.contains("queued for retry"), "{out}");
    assert!(a.ok(&["status"]).contains("1 pending"));

    b.start();
    wait_until("Bo's timeline catches up", || {
        b.timeline().contains("Written while Bo was away")
    });
    // Ann's sidecar retries (after 300 ms, doubling) and empties its outbox.
    wait_until("Ann's outbox drains", || {
        a.ok(&["status"]).contains("outbox: 0 pending")
    });
}

#[test]
fn removing_a_friend_stops_propagation_and_drops_content() {
    let mut a = Site::new("Ann");
    let mut b = Site::new("Bo");
    a.start();
    b.start();
    befriend(&a, &b);
    a.ok(&["new", "A post Bo will forget"]);
    a.ok(&["publish"]);
    wait_until("post arrives", || {
        b.timeline().contains("A post Bo will forget")
    });

    b.ok(&["friends", "remove", "Ann"]);
    assert!(
        !b.timeline().contains("A post Bo will forget"),
        "cached content must go"
    );
    assert_eq!(b.count("friend_items"), 0);
    wait_until("Ann learns of the removal", || a.state_of(&b).is_none());

    a.ok(&["new", "After the goodbye"]);
    let out = a.ok(&["publish"]);
    assert!(out.contains("notified 0 of 0"), "{out}");
    // Even a ping sent directly is refused now.
    let raw = feed_ping(&a, &b, chrono::Utc::now(), &id());
    assert_eq!(
        post(&b, &raw, Some(&protocol::sign(&raw, &signing_key(&a)))).1,
        "not_friend"
    );
    assert!(!b.timeline().contains("After the goodbye"));
}

#[test]
fn hostile_friend_content_renders_inert() {
    let mut a = Site::new("Ann");
    let mut b = Site::new("Bo");
    a.start();
    b.start();
    befriend(&a, &b);
    let post = "+++\ntitle = \"Innocent <b>title</b>\"\n+++\n\nHello <script>alert('x')</script>\
        <img src=\"x.png\" onerror=\"alert(1)\"> <a href=\"javascript:alert(2)\">click</a> \
        <p onmouseover=\"steal()\">hover</p> marker-text\n";
    std::fs::write(a.root().join("content/posts/2026-11-20-evil.md"), post).unwrap();
    a.ok(&["publish"]);
    wait_until("hostile post arrives", || {
        b.timeline().contains("marker-text")
    });
    let html = b.timeline();
    for bad in [
        "<script>alert",
        "onerror",
        "javascript:",
        "onmouseover",
        "<b>title</b>",
    ] {
        assert!(!html.contains(bad), "`{bad}` reached Bo's timeline");
    }
}
