//! Protocol rules of PROTOCOL.md checked against a running sidecar.

mod support;

use microsocial::federation::protocol;
use support::*;

#[test]
fn rate_limited_friend_requests_carry_retry_after() {
    let a = started("Ann");
    // A stranger whose site does not answer: each request costs Ann one
    // (refused, loopback) fetch until the per-minute limit is reached.
    let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let from = format!("http://127.0.0.1:{}/", free_port());
    let body =
        serde_json::json!({"name": "Eve", "key": protocol::encode_key(&key.verifying_key())});
    let mut limited = None;
    for _ in 0..40 {
        let raw = protocol::envelope_bytes(
            protocol::types::FRIEND_REQUEST,
            &id(),
            &from,
            &a.url(),
            chrono::Utc::now(),
            &body,
        );
        let resp = ureq::post(&format!("{}inbox", a.url()))
            .set("Content-Type", "application/json")
            .set(protocol::SIGNATURE_HEADER, &protocol::sign(&raw, &key))
            .send_bytes(&raw);
        if let Err(ureq::Error::Status(429, r)) = resp {
            limited = Some(r.header("Retry-After").map(str::to_string));
            break;
        }
    }
    let retry_after = limited.expect("no 429 after 40 requests");
    assert_eq!(retry_after.as_deref(), Some("60"));
}

#[test]
fn a_friends_tags_link_to_the_post_not_to_guessed_tag_pages() {
    let a = started("Ann");
    let b = started("Bo");
    befriend(&a, &b);
    a.ok(&["new", "Tagged greetings", "--tag", "garden"]);
    a.ok(&["publish"]);
    wait_until("Ann's post in Bo's timeline", || {
        b.timeline().contains("Tagged greetings")
    });
    let html = b.timeline();
    assert!(html.contains("#garden"), "the tag is shown");
    // Ann's site need not be Microsocial: nothing promises a tag page there.
    assert!(
        !html.contains(&format!("{}tags/", a.url())),
        "a link to a guessed tag page on Ann's site"
    );
}

#[test]
fn a_site_that_loses_its_state_publishes_a_new_log_id() {
    let a = Site::new("Ann");
    let head = || -> serde_json::Value {
        let text = std::fs::read_to_string(a.root().join("public/federation/feed.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let first = head();
    let log = first["log"]
        .as_str()
        .expect("the head names its log")
        .to_string();
    assert_eq!(log.len(), 32);
    a.ok(&["build"]);
    assert_eq!(head()["log"], first["log"], "stable across builds");
    // The state database is gone; the site is built again from its posts.
    for f in ["state.db", "state.db-wal", "state.db-shm"] {
        let _ = std::fs::remove_file(a.root().join(".social").join(f));
    }
    a.ok(&["build"]);
    let again = head();
    assert_eq!(again["last_seq"], first["last_seq"], "same length");
    assert_ne!(
        again["log"], first["log"],
        "a new log, so friends start over"
    );
}
