//! A newcomer's first hour: the demo served from a fresh copy, `init
//! --local` for a trial on one machine, and messages that say what is wrong
//! and what to do (issue "The first hour").

mod sites;
mod support;

use sites::run as run_in;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::*;

fn text(out: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// GETs `url` until it answers or `limit` passes: (status, body).
fn get_until(url: &str, limit: Duration) -> (u16, String) {
    let start = Instant::now();
    loop {
        match ureq::get(url).call() {
            Ok(r) => return (r.status(), r.into_string().unwrap()),
            Err(ureq::Error::Status(code, r)) => {
                return (code, r.into_string().unwrap_or_default())
            }
            Err(_) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("{url}: {e}"),
        }
    }
}

fn serve(root: &Path, port: u16) -> Running {
    Running(
        Command::new(BIN)
            .arg("--root")
            .arg(root)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

/// The regression behind the issue: `serve` made `.social/state.db` for its
/// sign-in link, and the identity guard then took the site for one whose
/// keys were lost. A copy of the demo (what a fresh clone has) must serve,
/// then build and check.
#[test]
fn a_fresh_copy_of_the_demo_serves_then_builds() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::copy(repo.join("social.toml"), root.join("social.toml")).unwrap();
    for d in ["content", "static", "themes"] {
        copy_dir(&repo.join(d), &root.join(d));
    }
    let port = free_port();
    let server = serve(root, port);
    let (status, body) = get_until(&format!("http://127.0.0.1:{port}/"), WAIT);
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("Build failed"), "{body}");
    assert!(body.contains("Moving in") && body.contains("An autumn walk along the canal"));
    drop(server);

    let out = run_in(root, &["build"]);
    assert!(out.status.success(), "build after serve: {:?}", text(&out));
    assert!(root.join("public/index.html").is_file());
    let out = run_in(root, &["check"]);
    assert!(out.status.success(), "check: {:?}", text(&out));
}

/// What build refuses on, check reports in the same words.
#[test]
fn check_names_lost_keys_as_build_does() {
    let site = Site::new("Ann");
    site.ok(&["new", "A post friends could have seen."]);
    site.ok(&["build"]);
    std::fs::remove_dir_all(site.root().join(".social/keys")).unwrap();
    let (_, build_err) = text(&site.run(&["build"]));
    let check = site.run(&["check"]);
    let (_, check_err) = text(&check);
    assert!(!check.status.success());
    let words = build_err
        .trim()
        .strip_prefix("error: ")
        .unwrap_or(build_err.trim())
        .to_string();
    assert!(words.contains("keys import"), "{words}");
    assert!(
        check_err.contains(&words),
        "check said:\n{check_err}\nbuild said:\n{words}"
    );
    assert!(!site.root().join(".social/keys/signing.key").exists());
}

#[test]
fn init_local_writes_a_site_that_a_friend_can_reach() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ann");
    let out = Command::new(BIN)
        .args(["init", "--local", "18201", "--author", "Ann"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    let cfg = std::fs::read_to_string(root.join("social.toml")).unwrap();
    for line in [
        "base_url = \"http://127.0.0.1:18201/\"",
        "bind = \"127.0.0.1:18201\"",
        "serve_public = true",
        "allow_private_addresses = true",
    ] {
        assert!(cfg.lines().any(|l| l == line), "{line} missing:\n{cfg}");
    }
    let out = run_in(&root, &["check"]);
    assert!(out.status.success(), "{:?}", text(&out));

    // Without --local, both tables are there with every key commented.
    let plain = dir.path().join("plain");
    let out = Command::new(BIN).arg("init").arg(&plain).output().unwrap();
    assert!(out.status.success());
    let cfg = std::fs::read_to_string(plain.join("social.toml")).unwrap();
    assert!(
        cfg.contains("\n[sidecar]\n") && cfg.contains("\n[federation]\n"),
        "{cfg}"
    );
    assert!(cfg.contains("# bind = \"127.0.0.1:8008\""), "{cfg}");
    assert!(cfg.contains("# allow_private_addresses = false"), "{cfg}");
    assert!(run_in(&plain, &["check"]).status.success());
}

#[test]
fn an_inbox_the_sidecar_does_not_listen_on_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let out = Command::new(BIN)
        .args(["init", "--url", "http://127.0.0.1:18301/"])
        .arg(root)
        .output()
        .unwrap();
    assert!(out.status.success());
    // No bind: the sidecar would listen on 8008 and announce 18301.
    let out = run_in(root, &["check"]);
    let (_, err) = text(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("listens on 127.0.0.1:8008") && err.contains("bind = \"127.0.0.1:18301\""),
        "{err}"
    );
    // The sidecar says so at start, too.
    let port = free_port();
    let mut child = Running(
        Command::new(BIN)
            .arg("--root")
            .arg(root)
            .args(["sidecar", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    get_until(&format!("http://127.0.0.1:{port}/health"), WAIT);
    let _ = child.0.kill();
    let mut err = String::new();
    use std::io::Read as _;
    child
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(
        err.contains("warning: friends are told to deliver to"),
        "{err}"
    );

    // Behind a proxy (a public address) another port is normal.
    let cfg = std::fs::read_to_string(root.join("social.toml")).unwrap();
    std::fs::write(
        root.join("social.toml"),
        cfg.replace("http://127.0.0.1:18301/", "https://ann.example/"),
    )
    .unwrap();
    assert!(run_in(root, &["check"]).status.success());
}

#[test]
fn befriending_a_preview_says_what_to_run_instead() {
    let ann = Site::new("Ann");
    let port = free_port();
    let _preview = serve(ann.root(), port);
    let url = format!("http://127.0.0.1:{port}/");
    get_until(&url, WAIT);
    let bo = Site::new("Bo");
    let out = bo.run(&["friends", "add", &url]);
    let (o, e) = text(&out);
    assert!(!out.status.success(), "{o}{e}");
    assert!(
        e.contains("preview") && e.contains("microsocial sidecar"),
        "{e}"
    );
}

#[test]
fn an_unclosed_quote_is_named_as_one() {
    let site = Site::new("Ann");
    let cfg = site.root().join("social.toml");
    let text_before = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text_before.replace("title = \"Ann's site\"", "title = \"Ann's site"),
    )
    .unwrap();
    let (_, err) = text(&site.run(&["check"]));
    assert!(
        err.contains("social.toml:2:") && err.contains("not closed"),
        "{err}"
    );
    let (_, err) = text(&site.run(&["build"]));
    assert!(err.contains("not closed"), "{err}");
}

#[test]
fn revoking_an_unknown_session_says_nothing_matched() {
    let site = Site::new("Ann");
    let out = site.run(&["login", "--revoke", "zzz"]);
    let (_, err) = text(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("no web session") && err.contains("zzz"),
        "{err}"
    );
}

#[test]
fn a_closed_pipe_ends_a_command_without_a_panic() {
    let site = Site::new("Ann");
    let mut child = Command::new(BIN)
        .arg("--root")
        .arg(site.root())
        .arg("notifications")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader (`head`) is gone
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn terminal_times_are_the_owners_local_time() {
    let site = Site::new("Ann");
    let cfg = site.root().join("social.toml");
    let t = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, in_table(&t, "site", "timezone = \"Asia/Tokyo\"\n")).unwrap();
    site.ok(&["login"]); // a link, and so one sign-in token
    site.db()
        .execute(
            "INSERT INTO notifications (kind, from_site, url, text, time) VALUES ('message', 'https://bo.example/', NULL, 'hi', 1796679660000)",
            [],
        )
        .unwrap();
    let list = site.ok(&["notifications"]);
    assert!(list.contains("2026-12-08 06:41 JST"), "{list}");
    let json: serde_json::Value =
        serde_json::from_str(&site.ok(&["notifications", "--json"])).unwrap();
    assert_eq!(json[0]["time"], "2026-12-07T21:41:00Z");
}

#[test]
fn a_weak_export_passphrase_is_refused() {
    let site = Site::new("Ann");
    let file = site.root().join("keys.age");
    let out = Command::new(BIN)
        .arg("--root")
        .arg(site.root())
        .args(["keys", "export"])
        .arg(&file)
        .env("MICROSOCIAL_KEYS_PASSPHRASE", "abc")
        .output()
        .unwrap();
    let (_, err) = text(&out);
    assert!(
        !out.status.success() && err.contains("too easy to guess"),
        "{err}"
    );
    assert!(!file.exists());
}

#[test]
fn an_undated_folder_post_sorts_by_its_time_within_the_day() {
    let site = Site::new("Ann");
    let posts = site.root().join("content/posts");
    std::fs::write(
        posts.join("2026-12-07-morning.md"),
        "+++\ntitle = \"Morning\"\ndate = 2026-12-07T09:00:00Z\n+++\n\nCoffee.\n",
    )
    .unwrap();
    let beach = posts.join("2026-12-07-beach");
    std::fs::create_dir_all(&beach).unwrap();
    let index = beach.join("index.md");
    std::fs::write(&index, "+++\ntitle = \"Beach\"\n+++\n\nSand.\n").unwrap();
    // Written at 15:00 that day: after the morning post.
    let at = std::time::UNIX_EPOCH + Duration::from_secs(1_796_655_600); // 2026-12-07T15:00Z
    std::fs::File::options()
        .write(true)
        .open(&index)
        .unwrap()
        .set_modified(at)
        .unwrap();
    site.ok(&["build"]);
    let home = std::fs::read_to_string(site.root().join("public/index.html")).unwrap();
    let (b, m) = (home.find("Beach").unwrap(), home.find("Morning").unwrap());
    assert!(
        b < m,
        "the afternoon's undated post comes first (newest first)"
    );
}

#[test]
fn the_public_timeline_speaks_to_visitors() {
    let site = Site::new("Ann");
    site.ok(&["build"]);
    for page in ["timeline/index.html", "friends/index.html"] {
        let html = std::fs::read_to_string(site.root().join("public").join(page)).unwrap();
        assert!(!html.contains("microsocial friends add"), "{page}");
    }
}

#[test]
fn a_site_on_plain_http_may_show_friends_images_over_http() {
    let mut site = Site::new("Ann");
    site.start();
    let r = ureq::get(&site.url()).call().unwrap();
    let csp = r.header("Content-Security-Policy").unwrap().to_string();
    assert!(csp.contains("img-src 'self' http: https: data:"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");
}

/// Replies, reactions and chat name what they mean before anything is sent.
#[test]
fn replies_reactions_and_chat_check_what_they_name() {
    let a = started("Ann");
    let b = started("Bo");
    befriend(&a, &b);
    a.ok(&["new", "--title", "Kites", "Forty kites on the hill."]);
    a.ok(&["publish"]);
    let post = held_id(&b, &a, "Forty kites");

    // A URL on Ann's site that is none of her posts: refused, nothing queued.
    let typo = format!("{}posts/kits/", a.url());
    let out = b.run(&["new", "--reply-to", &typo, "Lovely!"]);
    let (_, err) = text(&out);
    assert!(!out.status.success() && err.contains("--force"), "{err}");
    let out = b.run(&["react", &a.url(), "👍"]);
    assert!(!out.status.success(), "the home page is no post");
    assert_eq!(b.count("outbox"), 0);
    // --force sends anyway (the author may have just written it).
    b.ok(&["new", "--reply-to", &typo, "--force", "Lovely!"]);

    // A word is not an emoji; a name of one is.
    let out = b.run(&["react", &post, "hello"]);
    let (_, err) = text(&out);
    assert!(
        !out.status.success() && err.contains("is not an emoji"),
        "{err}"
    );
    let said = b.ok(&["react", &post, "wave"]);
    assert!(said.contains("reacted 👋"), "{said}");

    // After a rename, the old name still finds the friend, and says who.
    b.db()
        .execute(
            "UPDATE friends SET name = 'Annie' WHERE url = ?1",
            [a.url()],
        )
        .unwrap();
    let shown = b.ok(&["chat", "Ann"]);
    assert!(shown.contains("is Annie at"), "{shown}");
    let host = a
        .url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    assert!(b.ok(&["chat", &host]).contains("is Annie at"));
}
