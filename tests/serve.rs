//! `microsocial serve`: builds, serves, rebuilds on change, tells open pages
//! to reload, and shows a build error in the page while keeping the server up.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_microsocial");

struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(port: u16, path: &str) -> String {
    match ureq::get(&format!("http://127.0.0.1:{port}{path}")).call() {
        Ok(r) => r.into_string().unwrap_or_default(),
        Err(ureq::Error::Status(_, r)) => r.into_string().unwrap_or_default(),
        Err(_) => String::new(),
    }
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(15) {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn serve_rebuilds_reloads_and_survives_errors() {
    let dir = tempfile::tempdir().unwrap();
    let ok = Command::new(BIN)
        .arg("init")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(ok.status.success());
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Kill(
        Command::new(BIN)
            .arg("--root")
            .arg(dir.path())
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for("the server", || get(port, "/").contains("Hello, world"));
    // Links point at the local server, not at base_url.
    assert!(get(port, "/").contains(&format!("http://127.0.0.1:{port}/posts/hello-world/")));

    // Open the event stream as a browser tab would.
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    write!(
        stream,
        "GET /__microsocial/events HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    .unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(first.contains("200"), "{first}");

    let out = Command::new(BIN)
        .arg("--root")
        .arg(dir.path())
        .args(["new", "Live from the editor"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut reloaded = false;
    while Instant::now() < deadline && !reloaded {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            reloaded = line == "event: reload";
        }
    }
    assert!(reloaded, "no reload event after a new post");
    assert!(get(port, "/").contains("Live from the editor"));

    // A broken post: the error shows in the page, the last good site stays.
    std::fs::write(
        dir.path().join("content/posts/2026-01-01-bad.md"),
        "+++\ntitle = 5\n+++\n",
    )
    .unwrap();
    wait_for("the error overlay", || {
        get(port, "/").contains("Build failed")
    });
    let page = get(port, "/");
    assert!(
        page.contains("2026-01-01-bad.md:2"),
        "error names file and line"
    );
    assert!(page.contains("Live from the editor"));
    std::fs::remove_file(dir.path().join("content/posts/2026-01-01-bad.md")).unwrap();
    wait_for("recovery", || !get(port, "/").contains("Build failed"));
    assert!(
        get(port, "/nope/").contains("Nothing here"),
        "404 page is served"
    );
}
