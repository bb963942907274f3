//! kill -9 fault tests: a sidecar is stopped dead at a named step (see
//! `microsocial::faultpoint`), started again, and nothing may be lost or
//! doubled. Real processes on 127.0.0.1, every wait bounded.

mod support;

use microsocial::faultpoint;
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::*;

/// Messages a killed sender had leased stay reserved for `outbox::LEASE_MS`
/// (30 s) before the restarted sidecar sends them again.
const AFTER_LEASE: Duration = Duration::from_secs(60);

/// Starts `site`'s sidecar so it stalls at `step`, waits until it does, and
/// kills it with SIGKILL (what `Child::kill` sends on Unix).
fn kill_at(site: &mut Site, step: &str) {
    let log_path = site.root().join("sidecar.log");
    let child = Command::new(BIN)
        .arg("--root")
        .arg(site.root())
        .arg("sidecar")
        .env(faultpoint::ENV, format!("pause:{step}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    site.sidecar = Some(child);
    let marker = format!("paused at {step}");
    wait_until(&format!("the sidecar to reach {step}"), || {
        site.log().contains(&marker)
    });
    site.stop();
}

fn wait_long(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < AFTER_LEASE {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out after {AFTER_LEASE:?} waiting for {what}");
}

fn ids(site: &Site, sql: &str, param: &str) -> Vec<String> {
    let db = site.db();
    let mut st = db.prepare(sql).unwrap();
    let rows = st.query_map([param], |r| r.get::<_, String>(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

/// Ann queues five messages for Bo while Bo is offline, then her sidecar
/// dies at `step` of delivering them and starts again.
fn outbox_survives_kill_at(step: &str) {
    let mut a = started("Ann");
    let mut b = started("Bo");
    befriend(&a, &b);
    a.stop();
    b.stop();
    for i in 0..5 {
        a.ok(&["chat", &b.url(), &format!("message number {i}")]);
    }
    let sent = ids(
        &a,
        "SELECT id FROM messages WHERE peer = ?1 AND direction = 'out' ORDER BY id",
        &b.url(),
    );
    assert_eq!(sent.len(), 5);
    assert_eq!(a.count("outbox"), 5, "Bo was offline: all five are queued");
    // Each `chat` retried the earlier ones: wait until all are due again, so
    // the sidecar claims all five in one round.
    wait_until("all queued messages to be due", || {
        let last: i64 = a
            .db()
            .query_row("SELECT MAX(next_attempt) FROM outbox", [], |r| r.get(0))
            .unwrap();
        last <= microsocial::store::now_ms()
    });
    b.start();

    let ann = a.url();
    let received = |b: &Site| {
        ids(
            b,
            "SELECT id FROM messages WHERE peer = ?1 AND direction = 'in' ORDER BY id",
            &ann,
        )
    };
    kill_at(&mut a, step);
    let early = received(&b);
    if step == "outbox.sent" {
        // Bo took them (one attempt may meet a stale connection and wait for
        // a retry); Ann died before recording any delivery.
        assert!(!early.is_empty(), "{}", a.log());
        assert!(early.iter().all(|id| sent.contains(id)), "{early:?}");
    } else {
        assert!(early.is_empty(), "nothing was sent before the kill");
    }
    assert_eq!(a.count("outbox"), 5, "the kill lost queued messages");

    a.start();
    wait_long("Ann's outbox to drain after the restart", || {
        a.count("outbox") == 0
    });
    assert_eq!(received(&b), sent, "each message arrives exactly once");
    let states = ids(
        &a,
        "SELECT DISTINCT state FROM messages WHERE peer = ?1 AND direction = 'out'",
        &b.url(),
    );
    assert_eq!(states, ["delivered"], "{}", a.log());
}

#[test]
fn kill_after_claiming_outbox_messages_loses_none() {
    outbox_survives_kill_at("outbox.claimed");
}

#[test]
fn kill_after_sending_before_recording_duplicates_none() {
    outbox_survives_kill_at("outbox.sent");
}

/// Live item ids after applying every change Ann published, and her last seq.
fn published_items(site: &Site) -> (BTreeSet<String>, u64) {
    let read = |rel: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(site.root().join("public").join(rel)).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let head = read("federation/feed.json");
    let mut changes: Vec<serde_json::Value> = Vec::new();
    for n in 1..=head["pages"].as_u64().unwrap() {
        let page = read(&format!("federation/changes/{n}.json"));
        changes.extend(page["changes"].as_array().unwrap().iter().cloned());
    }
    changes.extend(head["changes"].as_array().unwrap().iter().cloned());
    changes.sort_by_key(|c| c["seq"].as_u64());
    changes.dedup_by_key(|c| c["seq"].as_u64());
    let mut live = BTreeSet::new();
    for c in &changes {
        let id = c["id"].as_str().unwrap().to_string();
        match c["op"].as_str().unwrap() {
            "upsert" => live.insert(id),
            _ => live.remove(&id),
        };
    }
    (live, head["last_seq"].as_u64().unwrap())
}

#[test]
fn kill_during_ingest_leaves_friends_items_complete() {
    let a = started("Ann");
    let mut b = started("Bo");
    befriend(&a, &b);
    b.stop();
    // More changes than the feed head carries, so the pull reads a page too.
    let posts = a.root().join("content/posts");
    for i in 0..24 {
        let text = format!(
            "+++\ntitle = \"Post {i}\"\ndate = 2026-11-{:02}\n+++\nText {i}.\n",
            i + 1
        );
        std::fs::write(posts.join(format!("post-{i}.md")), text).unwrap();
    }
    a.ok(&["publish"]);
    let (expected, last_seq) = published_items(&a);
    // 24 posts: the welcome post is a draft, never published.
    assert_eq!(expected.len(), 24, "{expected:?}");
    let last_seq_of_ann = |b: &Site| -> i64 {
        b.db()
            .query_row(
                "SELECT last_seq FROM friends WHERE url = ?1",
                [a.url()],
                |r| r.get(0),
            )
            .unwrap()
    };
    let before = (b.count("friend_items"), last_seq_of_ann(&b));

    // Bo's sidecar pulls Ann when it starts; it dies with the pull half stored.
    kill_at(&mut b, "ingest.item_stored");
    assert_eq!(
        (b.count("friend_items"), last_seq_of_ann(&b)),
        before,
        "a half-applied pull was committed"
    );

    b.start();
    wait_until("Bo to catch up with Ann", || {
        last_seq_of_ann(&b) == last_seq as i64
    });
    let stored: BTreeSet<String> = ids(
        &b,
        "SELECT id FROM friend_items WHERE friend = ?1",
        &a.url(),
    )
    .into_iter()
    .collect();
    assert_eq!(stored, expected, "Bo holds exactly Ann's live posts");
    wait_until("Ann's newest post in Bo's timeline", || {
        b.timeline().contains("Post 23")
    });
}
