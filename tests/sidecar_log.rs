//! The sidecar's log settings: `[sidecar] log_level` (followed live),
//! `log_format = "json"`, and `RUST_LOG` overriding the config.

mod support;

use std::process::{Command, Stdio};
use support::*;

/// A site whose `[sidecar]` section also holds `extra`.
fn site_with(name: &str, extra: &str) -> Site {
    let site = Site::new(name);
    let cfg = site.root().join("social.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let text = text.replace(
        "rebuild_debounce_ms = 50\n",
        &format!("rebuild_debounce_ms = 50\n{extra}\n"),
    );
    std::fs::write(&cfg, text).unwrap();
    site
}

/// Starts the sidecar with `RUST_LOG` set (the harness's `start` sets none).
fn start_with_rust_log(site: &mut Site, rust_log: &str) {
    let log = std::fs::File::create(site.root().join("sidecar.log")).unwrap();
    let child = Command::new(BIN)
        .arg("--root")
        .arg(site.root())
        .arg("sidecar")
        .env("RUST_LOG", rust_log)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    site.sidecar = Some(child);
    let health = format!("{}health", site.url());
    wait_until("sidecar health", || ureq::get(&health).call().is_ok());
}

/// Fetches the home page (the sidecar logs each request at debug level).
fn fetch_home(site: &Site) {
    let _ = ureq::get(&site.url()).call();
}

#[test]
fn json_format_writes_one_object_a_line_with_the_same_wording() {
    let mut a = site_with("Ann", "log_format = \"json\"\nlog_level = \"debug\"");
    a.start();
    fetch_home(&a);
    wait_until("the request in the log", || a.log().contains("GET / 200"));
    let log = a.log();
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 2, "{log}");
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v["timestamp"].is_string(), "{line}");
        assert!(v["level"].is_string(), "{line}");
        assert!(v["fields"]["message"].is_string(), "{line}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"DEBUG\"") && l.contains("GET / 200")),
        "{log}"
    );
}

#[test]
fn text_format_is_the_default_with_a_timestamp_and_level() {
    let mut a = Site::new("Ann");
    a.start();
    wait_until("the start line", || a.log().contains("serving public/"));
    let log = a.log();
    let line = log
        .lines()
        .find(|l| l.contains("serving public/"))
        .unwrap_or_default();
    let (stamp, rest) = line.split_once(' ').unwrap_or_default();
    assert!(
        chrono::DateTime::parse_from_rfc3339(stamp).is_ok(),
        "{line}"
    );
    assert!(rest.trim_start().starts_with("INFO inbox "), "{line}");
}

#[test]
fn rust_log_overrides_the_configured_level() {
    let mut a = site_with("Ann", "log_level = \"error\"");
    start_with_rust_log(&mut a, "debug");
    wait_until("a debug line", || {
        fetch_home(&a);
        a.log().contains("GET / 200")
    });
}

#[test]
fn the_level_follows_an_edit_of_social_toml() {
    let mut a = site_with("Ann", "log_level = \"warn\"");
    a.start();
    fetch_home(&a);
    let cfg = a.root().join("social.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replace("log_level = \"warn\"", "log_level = \"debug\""),
    )
    .unwrap();
    wait_until("a debug line after the edit", || {
        fetch_home(&a);
        a.log().contains("GET / 200")
    });
    let log = a.log();
    let reload = log.find("reloaded social.toml").unwrap_or(usize::MAX);
    let first_debug = log.find("GET / 200").unwrap_or(0);
    assert!(
        reload < first_debug,
        "debug lines only after the edit:\n{log}"
    );
}
