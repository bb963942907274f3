//! The README's five-minute tour, run as written: its shell blocks are
//! extracted and run with the built binary on the PATH, in an empty folder,
//! with the tour's two ports swapped for free ones. If the docs drift from
//! the program, this fails.

mod support;

use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::*;

const HEADING: &str = "## Try it: two sites on one machine";
const PORTS: [&str; 2] = ["18201", "18202"];

/// The `sh` code blocks of the tour section, in order.
fn tour_blocks(readme: &str) -> Vec<String> {
    let start = readme
        .find(HEADING)
        .unwrap_or_else(|| panic!("README.md has no `{HEADING}` section"));
    let section = &readme[start + HEADING.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut blocks = Vec::new();
    let mut rest = section;
    while let Some(open) = rest.find("```sh\n") {
        let body = &rest[open + "```sh\n".len()..];
        let end = body.find("```").expect("an unclosed code block");
        blocks.push(body[..end].to_string());
        rest = &body[end..][3..];
    }
    blocks
}

#[test]
fn the_readme_tour_runs_as_written() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut script = tour_blocks(&readme).join("\n");
    assert!(
        script.lines().count() >= 8,
        "the tour is too short:\n{script}"
    );
    let lines = script.lines().filter(|l| !l.trim().is_empty()).count();
    assert!(
        lines <= 18,
        "the tour should stay about 15 lines, has {lines}"
    );
    for p in PORTS {
        assert!(script.contains(p), "the tour no longer uses port {p}");
        script = script.replace(p, &free_port().to_string());
    }
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Its own process group: the sidecars it starts in the background end
    // with it, whatever happens.
    let mut child = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(dir.path())
        .env("PATH", path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap();
    let pgid = child.id() as i32;
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if started.elapsed() > Duration::from_secs(120) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    // Bo's reply reaches Ann when her sidecar reads his log, just after;
    // the sidecars still run in the background until the group is ended.
    let ann = dir.path().join("ann");
    let replies = || {
        let out = Command::new(BIN)
            .arg("--root")
            .arg(&ann)
            .args(["replies", "--json"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let mut reply_arrived = false;
    if status.is_some_and(|s| s.success()) {
        let until = Instant::now() + WAIT;
        while !reply_arrived && Instant::now() < until {
            reply_arrived = replies().contains("posts/welcome-ann/");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    // SAFETY: a plain kill(2) of the group this test made.
    unsafe {
        libc::kill(-pgid, libc::SIGTERM);
    }
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    let log = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    let report = format!(
        "script:\n{script}\nstdout:\n{stdout}\nstderr:\n{stderr}\nann.log:\n{}\nbo.log:\n{}",
        log("ann.log"),
        log("bo.log")
    );
    let status = status.unwrap_or_else(|| panic!("the tour ran over 120 s\n{report}"));
    assert!(status.success(), "the tour failed\n{report}");
    // What the tour promises happened.
    assert!(
        stdout.contains("Lunch tomorrow?"),
        "Ann reads Bo's message\n{report}"
    );
    assert!(
        reply_arrived,
        "Bo's reply reached Ann\n{}\n{report}",
        replies()
    );
    assert!(
        stdout.contains("/home/"),
        "a sign-in link is printed\n{report}"
    );
}
