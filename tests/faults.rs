//! Fault tests: builds that fail or are killed (SIGKILL) at chosen steps.
//! `MICROSOCIAL_TEST_FAULT=pause:STEP` makes a build stop at a named step
//! and say so on stderr; `fail:STEP` makes it fail there, as a full disk
//! would. The live site must always be a complete old or new one.

mod sites;
use sites::*;
use std::collections::BTreeMap;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(60);

/// Starts `build` with stderr piped; lines arrive on the receiver.
fn spawn_build(root: &Path, fault: Option<&str>) -> (Child, mpsc::Receiver<String>) {
    let mut cmd = Command::new(BIN);
    cmd.arg("--root").arg(root).arg("build");
    if let Some(f) = fault {
        cmd.env("MICROSOCIAL_TEST_FAULT", f);
    }
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// Waits (bounded) for a stderr line containing `what`.
fn wait_for(rx: &mpsc::Receiver<String>, what: &str) -> String {
    let deadline = Instant::now() + WAIT;
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(what) => return line,
            Ok(line) => seen.push(line),
            Err(mpsc::RecvTimeoutError::Timeout) => break,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!("build ended before `{what}`: {seen:?}")
            }
        }
    }
    panic!("no `{what}` within {WAIT:?}: {seen:?}");
}

/// Waits (bounded) for `child` to exit.
fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "build did not finish");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Kills a build with SIGKILL once it has paused at `step`.
fn kill_at(root: &Path, step: &str) {
    let (mut child, rx) = spawn_build(root, Some(&format!("pause:{step}")));
    wait_for(&rx, &format!("paused at {step}"));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

/// Everything beside `public/` that a build leaves in the site root.
fn leftovers(root: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.contains("microsocial") || name.contains("staging")
        })
        .collect()
}

/// Staging trees left in the site's `.social/`.
fn staging_in(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root.join(".social"))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().to_path_buf())
        .filter(|p| p.to_string_lossy().contains("staging"))
        .collect()
}

type Tree = BTreeMap<PathBuf, Vec<u8>>;

/// Kills a build at each step, then builds normally: returns what was live
/// after each kill and the repaired site.
fn kill_then_repair(root: &Path, steps: &[&str]) -> (Vec<Tree>, Tree) {
    let mut seen = Vec::new();
    for step in steps {
        kill_at(root, step);
        assert!(leftovers(root).is_empty(), "{:?}", leftovers(root));
        seen.push(snapshot(&root.join("public")));
    }
    ok(root, &["build"]);
    (seen, snapshot(&root.join("public")))
}

#[test]
fn kill_9_during_full_and_incremental_builds_leaves_a_whole_site() {
    let dir = site(5);
    let root = dir.path();
    for d in 1..=12 {
        post(root, d, &format!("p{d}"), "", &format!("text {d}"));
    }
    ok(root, &["build"]);
    let old = snapshot(&root.join("public"));

    // Incremental: one post edited, one added.
    post(root, 3, "p3", "", "edited text");
    post(root, 20, "p20", "", "new text");
    let (seen, new) = kill_then_repair(root, &["staged", "swapped"]);
    assert_ne!(old, new);
    assert_eq!(seen[0], old, "killed before the swap: the old site");
    assert_eq!(seen[1], new, "killed after the swap: the whole new site");
    assert!(String::from_utf8_lossy(&new[Path::new("posts/p3/index.html")]).contains("edited"));

    // Full: the title changes every page.
    let config = read(root, "social.toml").replace("title = \"Test\"", "title = \"Retitled\"");
    std::fs::write(root.join("social.toml"), config).unwrap();
    let (seen, newer) = kill_then_repair(root, &["staged", "swapped"]);
    assert_eq!(seen[0], new, "full build killed before the swap");
    assert_eq!(seen[1], newer, "full build killed after the swap");
    assert!(String::from_utf8_lossy(&newer[Path::new("index.html")]).contains("Retitled"));
    assert!(
        ok(root, &["build"]).contains(" 0 written"),
        "repaired for good"
    );
}

#[test]
fn a_failed_build_publishes_nothing_and_leaves_no_staging() {
    let dir = built_site();
    let root = dir.path();
    let before = snapshot(&root.join("public"));

    // A real fault: a template that fails while pages are rendered.
    let template = root.join("themes/default/templates/post.html");
    write(
        root,
        "themes/default/templates/post.html",
        "{{ no_such_value }}",
    );
    post(root, 2, "never", "", "never-live-secret");
    fails(root, &["build"]);
    std::fs::remove_file(template).unwrap();
    // An injected one after every file is staged, as a full disk would.
    let (mut child, rx) = spawn_build(root, Some("fail:staged"));
    assert!(!wait_exit(&mut child).success());
    drop(rx);
    assert_eq!(snapshot(&root.join("public")), before);
    assert!(leftovers(root).is_empty(), "{:?}", leftovers(root));
    assert!(staging_in(root).is_empty(), "{:?}", staging_in(root));

    std::fs::remove_file(root.join("content/posts/2026-01-02-never.md")).unwrap();
    ok(root, &["build"]);
    let all: String = snapshot(&root.join("public"))
        .values()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    assert!(!all.contains("never-live-secret") && !all.contains("posts/never/"));
}

#[test]
fn a_build_waiting_for_the_lock_says_so() {
    let dir = built_site();
    let root = dir.path();
    let (mut first, rx1) = spawn_build(root, Some("pause:staged"));
    wait_for(&rx1, "paused at staged");
    let (mut second, rx2) = spawn_build(root, None);
    let line = wait_for(&rx2, "waiting");
    assert!(
        line.contains(&first.id().to_string()) && line.contains("public"),
        "{line}"
    );
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(wait_exit(&mut second).success());
}

/// `chmod -R` of a whole tree: `write` on or off for everyone.
fn set_writable(dir: &Path, writable: bool) {
    use std::os::unix::fs::PermissionsExt as _;
    // Children first when locking (a read-only folder hides nothing, but
    // order keeps it simple both ways).
    for e in walkdir::WalkDir::new(dir).contents_first(!writable) {
        let e = e.unwrap();
        let mode = e.metadata().unwrap().permissions().mode();
        let mode = if writable {
            mode | 0o200
        } else {
            mode & !0o222
        };
        std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

/// Runs `build` as an unprivileged user: permissions do not bind root.
fn build_unprivileged(root: &Path, args: &[&str]) -> std::process::Output {
    // SAFETY: geteuid has no preconditions.
    let root_user = unsafe { libc::geteuid() } == 0;
    let mut cmd = if root_user {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
        c
    } else {
        Command::new(BIN)
    };
    cmd.arg("--root").arg(root).arg("build").args(args);
    cmd.output()
        .expect("run build (as root this needs setpriv)")
}

#[test]
fn force_over_a_read_only_public_fails_clearly_and_blocks_nothing() {
    let dir = built_site();
    let root = dir.path();
    if unsafe { libc::geteuid() } == 0 {
        let status = Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(root)
            .status()
            .unwrap();
        assert!(status.success());
        use std::os::unix::fs::PermissionsExt as _;
        let parent = root.parent().unwrap();
        assert!(std::fs::metadata(parent).unwrap().permissions().mode() & 0o001 != 0);
    }
    let public = root.join("public");
    let before = snapshot(&public);
    set_writable(&public, false);
    for _ in 0..2 {
        let out = build_unprivileged(root, &["--force"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(err.contains("read-only") && err.contains("public"), "{err}");
        assert!(!err.contains("staging"), "{err}");
        assert!(staging_in(root).is_empty(), "{:?}", staging_in(root));
        assert_eq!(snapshot(&public), before);
    }
    set_writable(&public, true);
    let out = build_unprivileged(root, &["--force"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(snapshot(&public), before);
}

/// seq → (op, id) of the changes the live change log's head lists.
fn live_log(root: &Path) -> BTreeMap<u64, (String, String)> {
    let text = read(root, "public/federation/feed.json");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["seq"].as_u64().unwrap(),
                (
                    c["op"].as_str().unwrap().into(),
                    c["id"].as_str().unwrap().into(),
                ),
            )
        })
        .collect()
}

/// Every number the live log ever showed keeps naming the same change.
fn never_reused(
    seen: &mut BTreeMap<u64, (String, String)>,
    now: BTreeMap<u64, (String, String)>,
    after: &str,
) {
    for (seq, change) in now {
        if let Some(before) = seen.get(&seq) {
            assert_eq!(
                before, &change,
                "seq {seq} was given to other content after {after}"
            );
        }
        seen.insert(seq, change);
    }
}

/// The change log is written ahead of the swap: a build killed between
/// the two leaves the database ahead of the live site, never behind it, so
/// a number a friend may have read is never given to other content (a
/// build killed after the swap used to leave `seq 204` live for one post
/// and give it to another at the next build).
#[test]
fn a_live_change_number_is_never_given_to_other_content() {
    let dir = site(5);
    let root = dir.path();
    for d in 1..=3 {
        post(root, d, &format!("p{d}"), "", "text");
    }
    ok(root, &["build"]);
    let mut seen = live_log(root);
    for (i, step) in ["staged", "logged", "swapped"].into_iter().enumerate() {
        let x = format!("x{i}");
        post(root, 10 + i as u32, &x, "", "soon gone");
        kill_at(root, step);
        never_reused(&mut seen, live_log(root), &format!("a kill at {step}"));
        std::fs::remove_file(root.join(format!("content/posts/2026-01-{:02}-{x}.md", 10 + i)))
            .unwrap();
        post(root, 20 + i as u32, &format!("y{i}"), "", "instead");
        ok(root, &["build"]);
        never_reused(
            &mut seen,
            live_log(root),
            &format!("the build after a kill at {step}"),
        );
    }
}

/// A failure after the swap says that the new site is live, exits 3, and
/// the next build completes it.
#[test]
fn a_failure_after_the_swap_says_the_site_is_live() {
    let dir = built_site();
    let root = dir.path();
    post(root, 2, "two", "", "second");
    let out = Command::new(BIN)
        .arg("--root")
        .arg(root)
        .arg("build")
        .env("MICROSOCIAL_TEST_FAULT", "fail:after-swap")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.starts_with("error: the new site is live, but"), "{err}");
    assert!(
        root.join("public/posts/two/index.html").is_file(),
        "the new site is live"
    );
    assert!(ok(root, &["build"]).contains("built"));
}
