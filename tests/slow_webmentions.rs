//! `publish` never waits long on Webmentions: friends hear of the new post
//! first, targets that never answer are tried for a short budget only and
//! left queued, and the sidecar sends them once the targets work.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::fixture::{html, Fixture};
use support::{befriend, started, wait_within};

/// More targets than the outbox sends at once, each slower than the
/// client's 5 s timeout: waiting for them would take two rounds of it.
const TARGETS: usize = 20;

/// A fixture whose every request hangs (at most 60 s) until `working` is set.
fn stuck_targets(working: Arc<AtomicBool>) -> Fixture {
    Fixture::start(move |path, _| {
        let start = Instant::now();
        while !working.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(20));
        }
        match path {
            p if p.starts_with("/slow/") => html(r#"<link rel="webmention" href="/wm">"#),
            "/wm" => (202, vec![], String::new()),
            _ => (404, vec![], String::new()),
        }
    })
}

#[test]
fn publish_tells_friends_and_leaves_stuck_webmentions_to_the_sidecar() {
    let working = Arc::new(AtomicBool::new(false));
    let fx = stuck_targets(Arc::clone(&working));
    let ann = started("Ann");
    let bo = started("Bo");
    befriend(&ann, &bo);
    let links: Vec<String> = (0..TARGETS)
        .map(|i| format!("[t{i}]({})", fx.url(&format!("/slow/{i}"))))
        .collect();
    ann.ok(&["new", "--title", "Slow links", &links.join(" ")]);

    let start = Instant::now();
    let out = ann.ok(&["publish"]);
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(8),
        "publish took {took:?}:\n{out}"
    );
    assert!(out.contains("notified 1 of 1 friend"), "{out}");
    assert!(
        out.contains(&format!("{TARGETS} Webmention(s) queued")),
        "{out}"
    );
    assert!(out.contains("left queued; the sidecar sends them"), "{out}");
    assert!(!out.contains("Webmention sent"), "{out}");
    // Bo has the post although no target has answered yet.
    wait_within("Bo's timeline", Duration::from_secs(15), || {
        bo.timeline().contains("Slow links")
    });
    let pending = |kind: &str| {
        ann.db()
            .query_row(
                "SELECT COUNT(*) FROM outbox WHERE type = ?1 AND state = 'pending'",
                [kind],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
    };
    assert_eq!(pending("webmention"), TARGETS as i64);
    assert!(fx
        .seen()
        .iter()
        .all(|(m, p, _)| m == "GET" && p.starts_with("/slow/")));

    // The targets work again: Ann's sidecar delivers every one, once.
    working.store(true, Ordering::SeqCst);
    let posts = || {
        fx.seen()
            .iter()
            .filter(|(m, p, _)| m == "POST" && p == "/wm")
            .count()
    };
    wait_within(
        "Webmentions sent by the sidecar",
        Duration::from_secs(40),
        || posts() >= TARGETS && pending("webmention") == 0,
    );
    assert_eq!(posts(), TARGETS, "{:?}", fx.seen());
}
