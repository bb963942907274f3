//! `microsocial serve`: builds, serves, rebuilds on change, tells open pages
//! to reload, and shows a build error in the page while keeping the server up.

mod support;

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
    let served = served("127.0.0.1");
    let (dir, port) = (&served.dir, served.port);
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

/// A running `serve` for a fresh site; stdout/stderr go to files in the site.
struct Served {
    dir: tempfile::TempDir,
    port: u16,
    server: Kill,
}

fn served(bind_ip: &str) -> Served {
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
    let server = Kill(
        Command::new(BIN)
            .arg("--root")
            .arg(dir.path())
            .args(["serve", "--bind", &format!("{bind_ip}:{port}")])
            .stdout(std::fs::File::create(dir.path().join("serve.out")).unwrap())
            .stderr(std::fs::File::create(dir.path().join("serve.err")).unwrap())
            .spawn()
            .unwrap(),
    );
    wait_for("the server", || get(port, "/").contains("Hello, world"));
    Served { dir, port, server }
}

/// One raw request from 127.0.0.1; returns (status line, head, body).
fn raw(port: u16, path: &str, host: &str) -> (String, String, String) {
    raw_with(port, path, host, "")
}

/// [`raw`] with extra header lines (each ending in CRLF).
fn raw_with(port: u16, path: &str, host: &str, extra: &str) -> (String, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    let _ = std::io::Read::read_to_string(&mut s, &mut text);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.lines().next().unwrap_or("").to_string();
    (status, head.to_ascii_lowercase(), body.to_string())
}

/// A session cookie line for `serve` on `port` of the site at `root`.
fn session(root: &std::path::Path, port: u16) -> String {
    let owner = support::web::Owner::signed_in(root, port);
    format!("Cookie: {}\r\n", owner.cookie.unwrap())
}

#[test]
fn home_is_served_only_on_loopback_binds_to_loopback_hosts() {
    let s = served("127.0.0.1");
    let p = s.port;
    let cookie = session(s.dir.path(), p);
    for host in [
        format!("127.0.0.1:{p}"),
        format!("localhost:{p}"),
        format!("[::1]:{p}"),
    ] {
        let (status, _, body) = raw_with(p, "/home/view/", &host, &cookie);
        assert!(status.contains(" 200 "), "{host}: {status}");
        assert!(body.contains("private view"), "{host}");
    }
    // DNS rebinding: a page on another name that resolves to 127.0.0.1.
    for host in [
        format!("evil.example:{p}"),
        "127.0.0.1:1".to_string(),
        "localhost".to_string(),
    ] {
        let (status, _, body) = raw_with(p, "/home/view/messages/", &host, &cookie);
        assert!(status.contains(" 403 "), "{host}: {status}");
        assert!(body.contains("loopback"), "clear text: {body}");
    }
    // The public site does not care about Host.
    assert!(raw(p, "/", "evil.example").0.contains(" 200 "));
}

#[test]
fn home_needs_a_session_on_any_bind() {
    for ip in ["127.0.0.1", "0.0.0.0"] {
        let s = served(ip);
        let host = format!("127.0.0.1:{}", s.port);
        for path in ["/home/", "/home/view/", "/home/view/messages/"] {
            let (status, head, body) = raw(s.port, path, &host);
            assert!(status.contains(" 303 "), "{ip} {path}: {status}");
            assert!(head.contains("location: /home/login"), "{head}");
            assert!(!body.contains("private view"));
        }
        // `serve` prints a sign-in link for its own address.
        let said = std::fs::read_to_string(s.dir.path().join("serve.out")).unwrap();
        assert!(
            said.contains(&format!("http://{ip}:{}/home/login/", s.port)),
            "{said}"
        );
    }
}

#[test]
fn serve_sends_security_headers_and_no_inline_script() {
    let s = served("127.0.0.1");
    let host = format!("127.0.0.1:{}", s.port);
    let (_, head, body) = raw(s.port, "/", &host);
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    assert!(head.contains("referrer-policy: strict-origin-when-cross-origin"));
    assert!(head.contains("content-security-policy: default-src 'none'"));
    assert!(!body.contains("<script>"), "no inline script under a CSP");
    assert!(body.contains("src=\"/__microsocial/reload.js\""));
    let (status, head, js) = raw(s.port, "/__microsocial/reload.js", &host);
    assert!(status.contains(" 200 ") && head.contains("text/javascript"));
    assert!(js.contains("EventSource"));
    let cookie = session(s.dir.path(), s.port);
    let (_, head, body) = raw_with(s.port, "/home/view/", &host, &cookie);
    assert!(head.contains("referrer-policy: no-referrer"), "{head}");
    assert!(head.contains("content-security-policy: default-src 'none'"));
    assert!(head.contains("x-content-type-options: nosniff"));
    assert!(body.contains("http-equiv=\"Content-Security-Policy\""));
    let (_, head, _) = raw(s.port, "/no/such/page/", &host);
    assert!(head.contains("x-content-type-options: nosniff"));
}

#[test]
fn serve_fails_fast_on_a_busy_port_before_building() {
    let dir = tempfile::tempdir().unwrap();
    assert!(Command::new(BIN)
        .arg("init")
        .arg(dir.path())
        .output()
        .unwrap()
        .status
        .success());
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let started = Instant::now();
    let out = Command::new(BIN)
        .arg("--root")
        .arg(dir.path())
        .args(["serve", "--bind", &addr])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&addr) && err.contains("in use"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        !dir.path().join(".social/serve/public").exists(),
        "serve built before it found the port busy"
    );
}

fn task_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn live_reload_connections_are_bounded_and_leave_no_threads() {
    let s = served("127.0.0.1");
    let pid = s.server.0.id();
    let before = task_count(pid);
    let mut open = Vec::new();
    for _ in 0..150 {
        let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = write!(c, "GET /__microsocial/events HTTP/1.1\r\nHost: x\r\n\r\n");
        open.push(c);
    }
    std::thread::sleep(Duration::from_millis(500));
    let during = task_count(pid);
    eprintln!("serve threads with 150 event streams open: {before} -> {during}");
    assert!(
        during < before + 100,
        "150 event streams: {before} -> {during} threads"
    );
    drop(open);
    let start = Instant::now();
    let mut after = task_count(pid);
    while after > before + 8 && start.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(200));
        after = task_count(pid);
    }
    eprintln!("serve threads after closing them: {after}");
    assert!(
        after <= before + 8,
        "closed event streams left threads: {before} -> {after}"
    );
    assert!(get(s.port, "/").contains("Hello, world"));
}

#[test]
fn home_follows_messages_that_the_sidecar_receives() {
    let a = support::started("Ada");
    let b = support::started("Bo");
    support::befriend(&a, &b);
    let port = support::free_port();
    let _server = Kill(
        Command::new(BIN)
            .arg("--root")
            .arg(a.root())
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for("the server", || get(port, "/").contains("Hello"));
    let owner = support::web::Owner::signed_in(a.root(), port);
    let view = || owner.get("/home/view/").body;
    wait_for("the private view", || view().contains("No messages yet"));
    b.ok(&["chat", &a.url(), "kettle-sidecar-15"]);
    wait_for("the private view in serve to show the message", || {
        !view().contains("No messages yet")
    });
    wait_for("the chat screen to show it", || {
        owner.get("/home/chat").body.contains("1 unread")
    });
    // The private view's own thread links work under /home/ too.
    let page = view();
    let at = page.find("href=\"/home/messages/").expect("a thread link") + 6;
    let link = &page[at..at + page[at..].find('"').unwrap()];
    let thread = owner.get(link);
    assert_eq!(thread.status, 200, "{link}");
    assert!(thread.body.contains("kettle-sidecar-15"), "{link}");
    // Each sidecar build swaps a new tree in, and the two trees alternate:
    // serve must follow the swap itself, not one tree's folder.
    for n in 16..19 {
        let text = format!("kettle-sidecar-{n}");
        b.ok(&["chat", &a.url(), &text]);
        wait_for("the private view in serve to show the next message", || {
            owner.get(link).body.contains(&text)
        });
    }
}
