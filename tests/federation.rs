//! Federation end to end: real `microsocial sidecar` processes on 127.0.0.1
//! ephemeral ports, sites in temporary folders, every wait bounded.

mod support;

use microsocial::federation::protocol;
use support::*;

#[test]
fn friends_publish_and_strangers_cannot_push() {
    let a = started("Ann");
    let b = started("Bo");
    let mut c = started("Cy");
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
    let a = started("Ann");
    let b = started("Bo");
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
    let a = started("Ann");
    let mut b = started("Bo");
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
    let a = started("Ann");
    let b = started("Bo");
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
    let a = started("Ann");
    let b = started("Bo");
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
