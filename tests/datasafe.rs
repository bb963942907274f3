//! Data safety and honest answers: identity backups, exit codes, the
//! outbox, clock skew, error wording, private file modes, the state
//! database check, friends' names and `check`. Every wait is bounded and
//! every server binds 127.0.0.1.

mod support;

use std::path::Path;
use std::process::{Command, Output};
use support::*;

const PASS_ENV: &str = "MICROSOCIAL_KEYS_PASSPHRASE";
const SKEW_ENV: &str = "MICROSOCIAL_TEST_CLOCK_OFFSET_SECS";

fn run_env(site: &Site, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(BIN)
        .arg("--root")
        .arg(site.root())
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_site_without_keys_stops_instead_of_becoming_someone_else() {
    let site = Site::new("Ann");
    let show = site.ok(&["keys"]);
    let backup = site.root().join("ann-keys.age");
    let backup_s = backup.to_str().unwrap();
    let out = run_env(
        &site,
        &["keys", "export", backup_s],
        &[(PASS_ENV, "river walk under seven copper geese")],
    );
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(std::fs::read_to_string(&backup)
        .unwrap()
        .starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
    // Never over an existing file.
    let again = run_env(&site, &["keys", "export", backup_s], &[(PASS_ENV, "x")]);
    assert!(!again.status.success());

    // A copy of the site without its keys (a fresh clone plus the state).
    std::fs::remove_dir_all(site.root().join(".social/keys")).unwrap();
    let out = site.run(&["build"]);
    let (_, err) = text(&out);
    assert!(!out.status.success(), "build made a new identity");
    assert!(err.contains("keys import"), "{err}");
    assert!(!site.root().join(".social/keys/signing.key").exists());
    assert!(!site.run(&["status"]).status.success());

    let wrong = run_env(&site, &["keys", "import", backup_s], &[(PASS_ENV, "wrong")]);
    let (_, err) = text(&wrong);
    assert!(
        !wrong.status.success() && err.contains("passphrase"),
        "{err}"
    );
    // The passphrase may also come on standard input (scripts).
    let mut child = Command::new(BIN)
        .arg("--root")
        .arg(site.root())
        .args(["keys", "import", backup_s])
        .env_remove(PASS_ENV)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"river walk under seven copper geese\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(site.ok(&["keys"]), show, "the same identity is back");
    site.ok(&["build"]);
}

/// Bo's side forgets Ann without telling her: Bo refuses her from now on.
fn forget(b: &Site, a: &Site) {
    b.db()
        .execute("DELETE FROM friends WHERE url = ?1", [a.url()])
        .unwrap();
}

#[test]
fn refusals_fail_the_command_and_offline_friends_are_queued() {
    let mut a = started("Ann");
    let mut b = started("Bo");
    befriend(&a, &b);
    a.stop(); // only the CLI sends from here on

    b.stop();
    let out = a.run(&["chat", "Bo", "are you there?"]);
    let (stdout, _) = text(&out);
    assert!(out.status.success(), "offline is not a failure: {stdout}");
    assert!(stdout.contains("queued"), "{stdout}");

    b.start();
    forget(&b, &a);
    let out = a.run(&["chat", "Bo", "hello?"]);
    let (stdout, err) = text(&out);
    assert!(!out.status.success(), "a refusal exits non-zero: {stdout}");
    assert!(
        err.contains("Bo") && err.contains("not_friend"),
        "{stdout}\n{err}"
    );
    let out = a.run(&["publish"]);
    assert!(!out.status.success(), "{:?}", text(&out));

    let list: serde_json::Value = serde_json::from_str(&a.ok(&["outbox", "--json"])).unwrap();
    let failed: Vec<&serde_json::Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["state"] == "failed")
        .collect();
    assert!(!failed.is_empty(), "{list}");
    let id = failed[0]["id"].as_str().unwrap();
    assert!(!a.run(&["outbox", "retry", &id[..12]]).status.success());
    let dropped = a.ok(&["outbox", "drop", id]);
    assert!(dropped.contains("dropped"), "{dropped}");
    assert!(!a.ok(&["outbox"]).contains(id));
}

#[test]
fn a_skewed_clock_is_named_and_retried_not_dropped() {
    let mut a = started("Ann");
    let b = started("Bo");
    befriend(&a, &b);
    a.stop(); // its sidecar would retry with a right clock

    let out = run_env(&a, &["chat", "Bo", "dinner?"], &[(SKEW_ENV, "-900")]);
    let (stdout, _) = text(&out);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("queued") && stdout.contains("15 min") && stdout.contains("behind"),
        "{stdout}"
    );
    assert_eq!(b.count("messages"), 0);
    let list: serde_json::Value = serde_json::from_str(&a.ok(&["outbox", "--json"])).unwrap();
    let pending = &list.as_array().unwrap()[0];
    assert_eq!(pending["state"], "pending", "{list}");

    // The clock is fixed: the same message goes through.
    let out = a.ok(&["outbox", "retry", pending["id"].as_str().unwrap()]);
    assert!(out.contains("delivered"), "{out}");
    wait_until("the message at Bo's", || b.count("messages") == 1);
    let convs = b.ok(&["chat"]);
    assert!(
        convs.contains("1 message,") && !convs.contains("(s)"),
        "{convs}"
    );
}

#[test]
fn errors_name_the_problem_once() {
    let out = Command::new(BIN)
        .args(["--root", "/nonexistent/microsocial-site", "status"])
        .output()
        .unwrap();
    let (_, err) = text(&out);
    assert!(err.contains("missing"), "{err}");

    let a = Site::new("Ann");
    let dead = format!("http://127.0.0.1:{}/", free_port());
    let (_, err) = text(&a.run(&["friends", "add", &dead]));
    let host = dead.trim_start_matches("http://").trim_end_matches('/');
    assert_eq!(err.matches(host).count(), 1, "{err}");

    a.refuse_private_addresses();
    let (_, err) = text(&a.run(&["friends", "add", &dead]));
    assert!(
        err.contains("blocked") && err.contains("allow_private_addresses"),
        "{err}"
    );
    assert!(!err.contains("Dns Failed"), "{err}");

    let b = started("Bo");
    let c = started("Cy");
    c.ok(&["friends", "add", &b.url()]);
    let out = b.ok(&["friends", "reject", &c.url()]);
    assert!(out.contains("rejected"), "{out}");
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn private_folders_and_files_are_the_owners_only() {
    let site = Site::new("Ann");
    for dir in [".social/cache", ".social/private"] {
        let root = site.root().join(dir);
        assert!(root.is_dir(), "{dir}");
        for e in walkdir::WalkDir::new(&root) {
            let e = e.unwrap();
            let want = if e.file_type().is_dir() { 0o700 } else { 0o600 };
            assert_eq!(mode(e.path()), want, "{}", e.path().display());
        }
    }
}

#[test]
fn status_checks_the_state_database() {
    let site = Site::new("Ann");
    let out = site.ok(&["status"]);
    assert!(out.contains("ok (quick_check)"), "{out}");
    // Fill a few pages, then damage one in the middle of the file.
    let db = site.db();
    db.execute_batch("CREATE TABLE filler (x TEXT); PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    for i in 0..200 {
        db.execute("INSERT INTO filler (x) VALUES (?1)", [format!("{i:0>400}")])
            .unwrap();
    }
    db.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    drop(db);
    let path = site.root().join(".social/state.db");
    let mut bytes = std::fs::read(&path).unwrap();
    let len = bytes.len();
    assert!(len > 16 * 4096, "{len}");
    for b in &mut bytes[len - 8 * 4096..len - 4 * 4096] {
        *b = 0x5a;
    }
    std::fs::write(&path, bytes).unwrap();
    let out = site.run(&["status"]);
    let (stdout, err) = text(&out);
    assert!(!out.status.success(), "{stdout}");
    assert!(err.contains("state.db is damaged"), "{err}");
}

#[test]
fn a_friends_new_name_and_avatar_are_picked_up() {
    let a = started("Ann");
    let b = started("Bo");
    befriend(&a, &b);
    let cfg = b.root().join("social.toml");
    let renamed = std::fs::read_to_string(&cfg).unwrap().replace(
        "author = \"Bo\"",
        "author = \"Bo Renamed\"\navatar = \"bo.png\"",
    );
    std::fs::write(&cfg, renamed).unwrap();
    std::fs::create_dir_all(b.root().join("static")).unwrap();
    std::fs::write(b.root().join("static/bo.png"), b"png").unwrap();
    b.ok(&["new", "Same Bo, new name"]);
    b.ok(&["publish"]);
    wait_until("Bo's new name at Ann's", || {
        a.friends_json()[0]["name"] == "Bo Renamed"
    });
    wait_until("the new name in Ann's timeline", || {
        a.timeline().contains("Bo Renamed")
    });
    let avatar: Option<String> = a
        .db()
        .query_row("SELECT avatar FROM friends", [], |r| r.get(0))
        .unwrap();
    assert_eq!(avatar, Some(format!("{}bo.png", b.url())));
    assert!(a.ok(&["status"]).contains("Bo Renamed"));
}

#[test]
fn check_reports_every_config_problem_and_missing_files() {
    let site = Site::new("Ann");
    let cfg = site.root().join("social.toml");
    let toml_text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace(
            "language = \"en\"",
            "language = \"en_US!!\"\ncolour = \"red\"",
        )
        .replace(
            "theme = \"default\"",
            "theme = \"fancy\"\navatar = \"me.png\"",
        )
        .replace(
            "bind = \"127.0.0.1:",
            "bind = \"nowhere at all\"\n# was 127.0.0.1:",
        )
        .replace(
            "serve_public = true",
            "serve_public = true\nlog_levle = \"debug\"",
        );
    std::fs::write(&cfg, &toml_text).unwrap();
    let post = site.root().join("content/posts/2026-11-24-pic.md");
    std::fs::write(
        &post,
        "+++\ntitle = \"Pic\"\ndate = 2026-11-24T10:00:00Z\n+++\n\nLook:\n\n![a](missing.png)\n",
    )
    .unwrap();
    let folder = site.root().join("content/posts/trip");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("here.jpg"), b"jpg").unwrap();
    std::fs::write(
        folder.join("index.md"),
        "+++\ntitle = \"Trip\"\ndate = 2026-11-24T11:00:00Z\n+++\n\n![ok](here.jpg) ![gone](gone.jpg)\n",
    )
    .unwrap();
    let out = site.run(&["check"]);
    let (_, err) = text(&out);
    assert!(!out.status.success());
    let line = |needle: &str| {
        let n = toml_text
            .lines()
            .position(|l| l.starts_with(needle))
            .unwrap()
            + 1;
        format!("social.toml:{n}:")
    };
    for (needle, what) in [
        ("language =", "language `en_US!!`"),
        ("colour =", "colour"),
        ("theme =", "theme `fancy` not found"),
        ("avatar =", "avatar `me.png`"),
        ("bind =", "bind `nowhere at all`"),
        ("log_levle =", "log_levle"),
    ] {
        let at = line(needle);
        assert!(
            err.lines().any(|l| l.contains(&at) && l.contains(what)),
            "{what} at {at}:\n{err}"
        );
    }
    assert!(err.contains("2026-11-24-pic.md:8: `missing.png`"), "{err}");
    assert!(err.contains("trip/index.md:6: `gone.jpg`"), "{err}");
    assert!(!err.contains("here.jpg"), "{err}");
}

#[cfg(unix)]
#[test]
fn private_folders_made_by_an_older_version_are_closed() {
    use std::os::unix::fs::PermissionsExt as _;
    let site = Site::new("Ann");
    for dir in [".social/cache", ".social/private"] {
        let p = site.root().join(dir);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    site.ok(&["new", "one more"]);
    site.ok(&["build"]);
    assert_eq!(mode(&site.root().join(".social/cache")), 0o700);
    assert_eq!(mode(&site.root().join(".social/private")), 0o700);
}

/// Actions serve every front end: they return outcomes and leave printing,
/// exit codes and processes to the caller.
#[test]
fn actions_neither_print_nor_exit() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/actions");
    // Walks sub-folders too (`actions/post/`).
    for e in walkdir::WalkDir::new(&dir) {
        let e = e.unwrap();
        if !e.file_type().is_file() {
            continue;
        }
        let path = e.path();
        let code = std::fs::read_to_string(path).unwrap();
        for banned in [
            "println!",
            "eprintln!",
            "print!(",
            "std::process",
            "tiny_http",
        ] {
            assert!(!code.contains(banned), "{} uses {banned}", path.display());
        }
    }
}

#[test]
fn check_reports_every_broken_toml_line() {
    let site = Site::new("Ann");
    let cfg = site.root().join("social.toml");
    let broken = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("author = \"Ann\"", "author = \"Ann")
        .replace("posts_per_page = 10", "posts_per_page = = 10");
    std::fs::write(&cfg, &broken).unwrap();
    let (_, err) = text(&site.run(&["check"]));
    for key in ["author =", "posts_per_page ="] {
        let n = broken.lines().position(|l| l.starts_with(key)).unwrap() + 1;
        assert!(err.contains(&format!("social.toml:{n}:")), "{key}:\n{err}");
    }
}
