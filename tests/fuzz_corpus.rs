//! Replays every committed fuzz corpus (`fuzz/corpus/<target>/*`) through the
//! same bodies `cargo fuzz` runs, so a finding stays fixed in `cargo test`.
//! See FUZZING.md.

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod bodies;

use std::path::Path;

/// Runs `body` on each file of the corpus; returns (files, accepted).
fn replay(target: &str, body: fn(&[u8]) -> bool) -> (usize, usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let mut accepted = 0;
    for path in &entries {
        let data = std::fs::read(path).unwrap();
        let ok = std::panic::catch_unwind(|| body(&data))
            .unwrap_or_else(|_| panic!("{target}: {} fails", path.display()));
        accepted += usize::from(ok);
    }
    (entries.len(), accepted)
}

/// Every corpus holds inputs that pass all checks, not only rejected junk.
fn replay_all(target: &str, body: fn(&[u8]) -> bool) {
    let (files, accepted) = replay(target, body);
    assert!(files >= 5, "{target}: only {files} corpus file(s)");
    assert!(
        accepted > 0,
        "{target}: none of {files} inputs was accepted"
    );
}

#[test]
fn envelope_corpus() {
    replay_all("envelope", bodies::envelope);
}

#[test]
fn front_matter_corpus() {
    replay_all("front_matter", bodies::front_matter);
}

#[test]
fn feed_ingest_corpus() {
    replay_all("feed_ingest", bodies::feed_ingest);
}

#[test]
fn private_post_corpus() {
    replay_all("private_post", bodies::private_post);
}

#[test]
fn sanitize_corpus() {
    replay_all("sanitize", bodies::sanitize);
}

fn body_of(target: &str) -> fn(&[u8]) -> bool {
    match target {
        "envelope" => bodies::envelope,
        "front_matter" => bodies::front_matter,
        "feed_ingest" => bodies::feed_ingest,
        "private_post" => bodies::private_post,
        "sanitize" => bodies::sanitize,
        other => panic!("no body for seed {other}"),
    }
}

#[test]
fn seeds_pass_and_tampering_is_refused() {
    for (target, data) in bodies::seeds() {
        assert!(body_of(target)(&data), "{target} seed is refused");
    }
    let seed = |t: &str| bodies::seeds().into_iter().find(|s| s.0 == t).unwrap().1;
    // A signed ping whose version was changed after signing.
    let ping = String::from_utf8(seed("envelope")).unwrap();
    let forged = ping.replace("\"version\":2", "\"version\":3");
    assert_ne!(forged, ping);
    assert!(
        !bodies::envelope(forged.as_bytes()),
        "a changed body verified"
    );
    // A sealed post with one ciphertext byte flipped.
    let mut post = seed("private_post");
    let i = post.len() - 3;
    post[i] ^= 0x40;
    assert!(!bodies::private_post(&post), "a tampered post opened");
}

#[test]
fn the_inertness_check_catches_what_it_must() {
    for bad in [
        "<p onclick=\"x()\">a</p>",
        "<script>alert(1)</script>",
        "<a href=\" JaVa\tScRiPt:alert(1)\">x</a>",
        "<img srcset=\"a.png 1x, javascript:alert(1) 2x\">",
        "<a href=\"java&#x09;script:alert(1)\">x</a>",
        "<div style=\"x\">a</div>",
    ] {
        let caught = std::panic::catch_unwind(|| bodies::assert_inert(bad)).is_err();
        assert!(caught, "not caught: {bad}");
    }
    bodies::assert_inert("<p title=\"javascript: is a word\">javascript: in text</p>");
}
