//! Encryption benchmark for friends-only posts and the build cost they add.
//!
//!     cargo bench --bench private
//!
//! 1. Sealing one friends-only post for 100, 1,000 and 5,000 friends, and
//!    opening it as one of them — the per-epoch group key Microsocial uses,
//!    next to the plain multi-recipient alternative (every post sealed to
//!    every friend).
//! 2. A 100-post site with 1,000 friends built with all posts friends-only,
//!    against the same site with all posts public.

mod corpus;

use microsocial::federation::protocol::Item;
use microsocial::federation::{private, protocol};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_microsocial");

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut out = None;
    let samples = (0..runs)
        .map(|_| {
            let t = Instant::now();
            out = Some(f());
            t.elapsed()
        })
        .collect();
    (median(samples), out.expect("runs > 0"))
}

fn item() -> Item {
    Item {
        url: "https://ann.example/posts/for-friends/".into(),
        title: Some("For friends".into()),
        content_html: format!("<p>{}</p>", "a few words for my friends ".repeat(30)),
        published: "2026-11-24T10:00:00+00:00".into(),
        updated: None,
        tags: vec!["family".into()],
        ..Default::default()
    }
}

fn build(root: &Path, out: &Path) -> Duration {
    let t = Instant::now();
    let o = Command::new(BIN)
        .arg("--root")
        .arg(root)
        .args(["build", "--output"])
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    t.elapsed()
}

fn site(base: &Path, name: &str, friends: &[String], friends_only: bool) -> PathBuf {
    let root = base.join(name);
    corpus::write_corpus(&root, 100);
    if friends_only {
        for e in std::fs::read_dir(root.join("content/posts")).unwrap() {
            let p = e.unwrap().path();
            let text = std::fs::read_to_string(&p).unwrap().replacen(
                "+++\n",
                "+++\nvisibility = \"friends\"\n",
                1,
            );
            std::fs::write(&p, text).unwrap();
        }
    }
    let out = Command::new(BIN)
        .arg("--root")
        .arg(&root)
        .args(["keys"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let db = rusqlite::Connection::open(root.join(".social/state.db")).unwrap();
    let _ = db.execute_batch("SELECT 1");
    // The schema is created by the first build; do one into a throwaway folder.
    build(&root, &base.join(format!("{name}-init")));
    for (i, key) in friends.iter().enumerate() {
        db.execute(
            "INSERT INTO friends (url, name, state, signing_key, encryption_key, inbox, feed, created)
             VALUES (?1, ?2, 'friend', 'ed25519:x', ?3, ?4, ?5, 0)",
            rusqlite::params![
                format!("http://friend{i}.test/"),
                format!("Friend {i}"),
                key,
                format!("http://friend{i}.test/inbox"),
                format!("http://friend{i}.test/federation/feed.json")
            ],
        )
        .unwrap();
    }
    root
}

fn main() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let author = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    println!("friends | epoch key: seal all files (total bytes, files) | a friend's file | seal one post (bytes) | open as a friend (epoch file + post) || every post to every friend: seal (bytes) | open");
    for n in [100usize, 1000, 5000] {
        let ids: Vec<age::x25519::Identity> =
            (0..n).map(|_| age::x25519::Identity::generate()).collect();
        let keys: Vec<String> = ids.iter().map(|i| i.to_public().to_string()).collect();
        let recipients: Vec<age::x25519::Recipient> = ids.iter().map(|i| i.to_public()).collect();
        let me = &ids[n / 2];
        let my_key = &keys[n / 2];
        let group = age::x25519::Identity::generate();
        let runs = if n >= 5000 { 3 } else { 5 };
        let (t_epoch, files) = time(runs, || private::seal_epoch_buckets(&group, &keys).unwrap());
        let total: usize = files.iter().map(|(_, b)| b.len()).sum();
        let at = private::EpochRef {
            epoch: 1,
            buckets: protocol::epoch_buckets(&keys),
        };
        let mine = &files
            .iter()
            .find(|(b, _)| *b == protocol::bucket_of(my_key, at.buckets))
            .unwrap()
            .1;
        let (t_post, post) = time(runs, || {
            private::seal_post(&item(), &author, &group.to_public(), at).unwrap()
        });
        let (t_open, _) = time(runs, || {
            let g = private::open_epoch(mine, std::slice::from_ref(me)).unwrap();
            private::open_post(&post, &g, &author.verifying_key()).unwrap()
        });
        let plain = serde_json::to_vec(&item()).unwrap();
        let (t_naive, naive) = time(runs, || private::seal(&recipients, &plain).unwrap());
        let (t_naive_open, _) = time(runs, || {
            private::open(std::slice::from_ref(me), &naive).unwrap()
        });
        println!(
            "{n:>7} | {t_epoch:>7.1} ms ({total:>7} B, {:>3} files) | {:>5} B | {t_post:>5.2} ms ({} B) | {t_open:>5.1} ms || {t_naive:>7.1} ms ({:>7} B) | {t_naive_open:>7.1} ms",
            files.len(),
            mine.len(),
            post.len(),
            naive.len()
        );
    }

    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(format!("bench-private-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let friends: Vec<String> = (0..1000)
        .map(|_| age::x25519::Identity::generate().to_public().to_string())
        .collect();
    let public = site(&base, "public", &friends, false);
    let sealed = site(&base, "sealed", &friends, true);
    // First build with friends: the friends-only site also creates its epoch.
    let first_public = build(&public, &base.join("public-first"));
    let first_sealed = build(&sealed, &base.join("sealed-first"));
    let runs = 7;
    let pub_ms = median(
        (0..runs)
            .map(|r| build(&public, &base.join(format!("public-out-{r}"))))
            .collect(),
    );
    let sea_ms = median(
        (0..runs)
            .map(|r| build(&sealed, &base.join(format!("sealed-out-{r}"))))
            .collect(),
    );
    println!(
        "100 posts, 1000 friends, full build into a fresh folder (median of {runs}): public {pub_ms:.0} ms, friends-only {sea_ms:.0} ms, ratio {:.2}",
        sea_ms / pub_ms
    );
    println!(
        "first build after the friends were added (friends-only one makes a new epoch): public {:.0} ms, friends-only {:.0} ms",
        first_public.as_secs_f64() * 1000.0,
        first_sealed.as_secs_f64() * 1000.0
    );
    let _ = std::fs::remove_dir_all(&base);
}
