//! Federation against hostile strangers and friends, and a sidecar that
//! follows CLI changes while it runs. Real sidecars on 127.0.0.1, every wait
//! bounded.

mod support;

use ed25519_dalek::SigningKey;
use microsocial::federation::{keys, protocol};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;

/// A 127.0.0.1 listener that accepts connections and never answers.
struct Tarpit {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl Tarpit {
    fn new() -> Tarpit {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut held = Vec::new();
            let end = Instant::now() + Duration::from_secs(60);
            while !flag.load(Ordering::Relaxed) && Instant::now() < end {
                if let Ok((s, _)) = listener.accept() {
                    held.push(s);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        Tarpit { port, stop }
    }
}

impl Drop for Tarpit {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A correctly signed friend request from `from`, signed by `key`.
fn friend_request(from: &str, to: &Site, key: &SigningKey) -> (Vec<u8>, String) {
    let body = serde_json::json!({
        "name": "stranger",
        "key": protocol::encode_key(&key.verifying_key()),
    });
    let raw = protocol::envelope_bytes(
        protocol::types::FRIEND_REQUEST,
        &id(),
        from,
        &to.url(),
        chrono::Utc::now(),
        &body,
    );
    let sig = protocol::sign(&raw, key);
    (raw, sig)
}

/// POSTs to `site`'s inbox: status, Retry-After and body.
fn send(site: &Site, raw: &[u8], sig: &str) -> (u16, Option<String>, String) {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(20))
        .build();
    let result = agent
        .post(&format!("{}inbox", site.url()))
        .set("Content-Type", "application/json")
        .set(protocol::SIGNATURE_HEADER, sig)
        .send_bytes(raw);
    let r = match result {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport error: {e}"),
    };
    let after = r.header("Retry-After").map(str::to_string);
    (r.status(), after, r.into_string().unwrap_or_default())
}

/// How long `/health` takes to answer (at most 5 s are waited).
fn health_time(site: &Site) -> Duration {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(5))
        .build();
    let start = Instant::now();
    let ok = agent.get(&format!("{}health", site.url())).call().is_ok();
    let took = start.elapsed();
    assert!(ok || took >= Duration::from_secs(4), "health failed early");
    took
}

#[test]
fn strangers_pointing_at_a_tarpit_do_not_starve_the_workers() {
    let a = started("Ann");
    let pit = Tarpit::new();
    let from = format!("http://127.0.0.1:{}/", pit.port);
    let senders: Vec<_> = (0..8u8)
        .map(|i| {
            let (raw, sig) = friend_request(&from, &a, &SigningKey::from_bytes(&[i + 1; 32]));
            let url = a.url();
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(20))
                    .build();
                match agent
                    .post(&format!("{url}inbox"))
                    .set(protocol::SIGNATURE_HEADER, &sig)
                    .send_bytes(&raw)
                {
                    Ok(r) => r.status(),
                    Err(ureq::Error::Status(c, _)) => c,
                    Err(_) => 0,
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let took = health_time(&a);
    assert!(took < Duration::from_secs(1), "/health took {took:?}");
    let statuses: Vec<u16> = senders.into_iter().map(|h| h.join().unwrap()).collect();
    // Answered at once: accepted for checking, or over the per-source limit.
    assert!(
        statuses.iter().all(|s| *s == 202 || *s == 429),
        "{statuses:?}"
    );
    assert!(statuses.contains(&202), "{statuses:?}");
    assert!(
        statuses.contains(&429),
        "one source gets 5 a minute: {statuses:?}"
    );
    wait_until("a verification gives up on the tarpit", || {
        a.log().contains("dropped friend.request")
    });
    let stored = a.friends_json();
    assert_eq!(
        stored,
        serde_json::json!([]),
        "no unverified request is stored"
    );
}

#[test]
fn strangers_get_a_generic_answer_and_the_detail_is_logged() {
    let mut a = Site::new("Ann");
    a.refuse_private_addresses();
    a.start();
    let from = format!("http://localhost:{}/", free_port());
    let (raw, sig) = friend_request(&from, &a, &SigningKey::from_bytes(&[7; 32]));
    let (status, _, body) = send(&a, &raw, &sig);
    assert_eq!(status, 202, "{body}");
    for leak in ["127.0.0.1", "resolves", "private address", "localhost"] {
        assert!(!body.contains(leak), "`{leak}` told to a stranger: {body}");
    }
    wait_until("the detail in the log", || {
        a.log().contains("resolves to 127.0.0.1")
    });
}

/// Serves `head` as `site`'s feed head (its sidecar serves public/).
fn write_head(site: &Site, changes: std::ops::RangeInclusive<u64>) {
    let url = site.url();
    let items: Vec<_> = changes
        .clone()
        .map(|n| {
            let id = format!("{url}posts/spam-{n}/");
            serde_json::json!({"seq": n, "op": "upsert", "id": id, "item": {
                "url": id, "title": format!("spam {n}"), "content_html": format!("<p>spam-{n}</p>"),
                // Minute n: higher numbers are newer.
                "published": format!("2026-01-01T{:02}:{:02}:00Z", n / 60, n % 60), "tags": []}})
        })
        .collect();
    let head = serde_json::json!({
        "protocol": protocol::PROTOCOL, "site": url, "last_seq": changes.end(),
        "page_size": 1000, "pages": 1, "changes": items,
    });
    std::fs::write(
        site.root().join("public/federation/feed.json"),
        serde_json::to_vec(&head).unwrap(),
    )
    .unwrap();
}

fn ping(from: &Site, to: &Site, version: u64) -> (u16, Option<String>, String) {
    let raw = protocol::envelope_bytes(
        protocol::types::FEED_UPDATED,
        &id(),
        &from.url(),
        &to.url(),
        chrono::Utc::now(),
        &serde_json::json!({"feed": format!("{}federation/feed.json", from.url()), "version": version}),
    );
    send(to, &raw, &protocol::sign(&raw, &signing_key(from)))
}

#[test]
fn a_hostile_friend_cannot_grow_the_store_without_bound() {
    let a = started("Ann");
    let b = started("Bo");
    befriend(&a, &b);
    let items = |s: &Site| s.count("friend_items");
    let before = items(&a);

    // A head far bigger than any real one is refused whole.
    write_head(&b, 1..=300);
    assert_eq!(ping(&b, &a, 300).0, 202);
    wait_until("the oversized head is refused", || {
        a.ok(&["status"]).contains("max_inline_changes")
    });
    assert_eq!(items(&a), before);

    // Tighter caps, set while the sidecar runs ([federation] is the last table).
    let cfg = a.root().join("social.toml");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("max_items_per_friend = 50\nmax_pings_per_minute = 8\n");
    std::fs::write(&cfg, text).unwrap();

    // Within the change cap, only the newest 50 posts are kept, and status says so.
    write_head(&b, 1..=150);
    assert_eq!(ping(&b, &a, 150).0, 202);
    wait_until("the capped pull", || items(&a) == 50);
    let status = a.ok(&["status"]);
    assert!(status.contains("only the newest 50"), "{status}");
    let db = a.db();
    let mut st = db.prepare("SELECT id FROM friend_items").unwrap();
    let mut kept: Vec<u64> = st
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .filter_map(|id| {
            let id = id.unwrap();
            let n = id.split_once("spam-")?.1.trim_end_matches('/').to_string();
            Some(n.parse().unwrap())
        })
        .collect();
    kept.sort();
    // Bo's own earlier posts are newer than the spam (dated January) and stay.
    let spam = 50 - before as u64;
    let newest: Vec<u64> = (151 - spam..=150).collect();
    assert_eq!(kept, newest, "the newest are kept");

    // Pings beyond the per-minute cap get 429 with Retry-After.
    let mut accepted = 2; // and Bo's friend.accept, counted too
    let refused = (0..20).find_map(|_| {
        let r = ping(&b, &a, 150);
        if r.0 == 429 {
            Some(r)
        } else {
            assert_eq!(r.0, 202, "{}", r.2);
            accepted += 1;
            None
        }
    });
    let (_, after, body) = refused.expect("no 429 after 20 pings");
    assert!(accepted <= 8, "{accepted} pings accepted");
    let after: u64 = after.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&after), "Retry-After {after}");
    assert!(body.contains("rate_limited"), "{body}");
}

#[test]
fn key_rotation_takes_effect_in_the_running_sidecar() {
    let a = started("Ann");
    let b = started("Bo");
    befriend(&a, &b);
    let out = a.ok(&["keys", "rotate"]);
    assert!(out.contains("new encryption key"), "{out}");
    let new_key = keys::load(a.root()).unwrap().encryption_public();
    wait_until("Bo learns Ann's new key", || {
        b.db()
            .query_row(
                "SELECT encryption_key FROM friends WHERE url = ?1",
                [a.url()],
                |r| r.get::<_, String>(0),
            )
            .is_ok_and(|k| k == new_key)
    });

    // A message sealed to the new key is accepted by the sidecar started before it.
    b.ok(&["chat", &a.url(), "sealed-to-the-new-key-4471"]);
    wait_until("Ann reads it", || {
        a.ok(&["chat", &b.url()])
            .contains("sealed-to-the-new-key-4471")
    });
    // And a friends-only post written now (its group key sealed to the new key) arrives.
    b.ok(&["new", "--friends-only", "after-rotation-8812"]);
    b.ok(&["publish"]);
    wait_until("Ann's private view shows it", || {
        std::fs::read_to_string(a.root().join(".social/private/index.html"))
            .unwrap_or_default()
            .contains("after-rotation-8812")
    });
}

fn private_view(s: &Site) -> String {
    std::fs::read_to_string(s.root().join(".social/private/index.html")).unwrap_or_default()
}

#[test]
fn friends_images_are_links_in_the_private_view_unless_loading_is_chosen() {
    let a = started("Ann");
    let b = started("Bo");
    befriend(&a, &b);
    // Only markup: nothing in this test fetches from tracker.example.
    b.ok(&[
        "new",
        "pixel-post-3391 ![me](https://tracker.example/p.gif?who=ann)",
    ]);
    b.ok(&["publish"]);
    wait_until("the post in Ann's private view", || {
        private_view(&a).contains("pixel-post-3391")
    });
    let html = private_view(&a);
    assert!(
        !html.contains("<img src=\"https://tracker.example"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"https://tracker.example/p.gif?who=ann\""),
        "{html}"
    );

    // The owner opts in, while the sidecar runs; the next rebuild loads images.
    let cfg = a.root().join("social.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("{text}remote_images = \"load\"\n")).unwrap();
    b.ok(&["new", "second-post-7719"]);
    b.ok(&["publish"]);
    wait_until("the second post", || {
        private_view(&a).contains("second-post-7719")
    });
    assert!(private_view(&a).contains("<img src=\"https://tracker.example/p.gif?who=ann\""));
}
