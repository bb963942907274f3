//! Trust, part 3: state that does not depend on how a path was spelled.

mod sites;

use sites::*;
use std::process::Command;

/// `build --root w` and `build --root /abs/w` are one site: one lock, one
/// cache, one recycled tree (each spelling kept its own, +178 MB each).
#[test]
fn two_spellings_of_one_root_share_the_lock_and_the_cache() {
    let dir = site(10);
    let root = dir.path();
    post(root, 1, "one", "", "text");
    let parent = root.parent().unwrap();
    let name = root.file_name().unwrap();
    let relative = Command::new(sites::BIN)
        .current_dir(parent)
        .arg("--root")
        .arg(name)
        .arg("build")
        .output()
        .unwrap();
    assert!(relative.status.success(), "{relative:?}");
    let absolute = ok(root, &["build"]);
    assert!(absolute.contains(" 0 written, 0 removed"), "{absolute}");
    let dotted = ok(&root.join("."), &["build"]);
    assert!(dotted.contains(" 0 written, 0 removed"), "{dotted}");
    let trees: Vec<_> = std::fs::read_dir(root.join(".social/build"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("public-") && n.ends_with(".lock"))
        .collect();
    assert_eq!(trees.len(), 1, "one lock for the one output: {trees:?}");
}

mod support;

/// A state database whose index no longer matches its table: `status`'s
/// quick check cannot see it, `status --deep` names it, and the sidecar
/// refuses to start on a database its quick check finds damaged.
#[test]
fn damage_is_named_by_status_deep_and_refused_by_the_sidecar() {
    let site = support::Site::new("Ann");
    site.db()
        .execute(
            "INSERT INTO messages (peer, id, direction, body, at, state)
             VALUES ('https://bo.example/', 'UNIQUEIDQQQQ', 'in', 'hi', 1, 'received')",
            [],
        )
        .unwrap();
    let db = site.root().join(".social/state.db");
    // Every connection is closed: the WAL is folded into the file.
    let mut bytes = std::fs::read(&db).unwrap();
    let at = bytes
        .windows(12)
        .position(|w| w == b"UNIQUEIDQQQQ")
        .expect("the id in the file");
    bytes[at + 11] = b'R';
    std::fs::write(&db, &bytes).unwrap();

    assert!(
        site.run(&["status"]).status.success(),
        "the quick check passes"
    );
    let deep = site.run(&["status", "--deep"]);
    let err = String::from_utf8_lossy(&deep.stderr);
    assert!(!deep.status.success(), "{err}");
    assert!(
        err.contains("integrity_check") && err.contains("microsocial backup"),
        "{err}"
    );

    // A page of garbage: the quick check sees it, and the sidecar stops.
    let mut bytes = std::fs::read(&db).unwrap();
    let page = 4096;
    for b in &mut bytes[page..2 * page] {
        *b = 0x5a;
    }
    std::fs::write(&db, &bytes).unwrap();
    let out = site.run(&["sidecar"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("damaged") && err.contains("To restore"),
        "{err}"
    );
}

/// SIGTERM (systemd's stop) folds the WAL into state.db: a plain copy of
/// the file alone holds every message; `backup` makes a copy any time.
#[test]
fn a_stopped_sidecar_leaves_nothing_in_the_wal_and_backup_copies() {
    let mut ann = support::started("Ann");
    let bo = support::started("Bo");
    support::befriend(&ann, &bo);
    for i in 0..20 {
        bo.ok(&["chat", "Ann", &format!("message {i}")]);
    }
    let copy = ann.root().join("backup.db");
    let said = ann.ok(&["backup", copy.to_str().unwrap()]);
    assert!(said.contains("keys export"), "{said}");
    let count = |db: &std::path::Path| -> i64 {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row(
                "SELECT count(*) FROM messages WHERE direction = 'in'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(count(&copy), 20);
    assert!(
        !ann.run(&["backup", copy.to_str().unwrap()])
            .status
            .success(),
        "never over a file"
    );

    let mut child = ann.take_sidecar().unwrap();
    // SAFETY: a plain kill(2) of our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let wal = ann.root().join(".social/state.db-wal");
    let left = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(left, 0, "the WAL was folded in");
    let plain = tempfile::tempdir().unwrap();
    std::fs::copy(
        ann.root().join(".social/state.db"),
        plain.path().join("state.db"),
    )
    .unwrap();
    assert_eq!(count(&plain.path().join("state.db")), 20);
}

/// A live-update stream ends with its session: revoked from the terminal
/// (another process), it closes at the next keep-alive, and no new one
/// opens for the old cookie.
#[test]
fn a_live_stream_ends_when_its_session_is_revoked() {
    use std::io::Read as _;
    let site = support::started("Ann");
    let owner = support::web::Owner::signed_in(site.root(), site.port);
    let cookie = owner.cookie.clone().unwrap();
    let stream = ureq::get(&format!("{}home/events", site.url()))
        .set("Cookie", &cookie)
        .call()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = stream.into_reader().read_to_end(&mut all);
        let _ = tx.send(String::from_utf8_lossy(&all).into_owned());
    });
    site.ok(&["login", "--revoke-all"]);
    let ended = rx.recv_timeout(std::time::Duration::from_secs(12));
    assert!(ended.is_ok(), "the stream outlived its session");
    let again = ureq::get(&format!("{}home/events", site.url()))
        .set("Cookie", &cookie)
        .call();
    match again {
        Ok(r) => assert_ne!(r.header("Content-Type"), Some("text/event-stream")),
        Err(ureq::Error::Status(code, _)) => assert!(code >= 300, "{code}"),
        Err(e) => panic!("{e}"),
    }
}

/// One password try from the loopback address `from` (127.0.0.N) to
/// `port`: the status code.
fn try_password(from: [u8; 4], port: u16, origin: &str, pw: &str) -> u16 {
    use std::io::{Read as _, Write as _};
    let mut tcp = support::connect_from(from, port);
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let body = format!("password={}", pw.replace(' ', "+"));
    write!(
        tcp,
        "POST /home/login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {origin}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    let _ = tcp.read_to_string(&mut answer);
    answer[9..12].parse().unwrap()
}

/// Failures wait longer and longer per address, and that count is shared
/// by the sidecar and `serve`; an address with a clean record signs in
/// meanwhile (the old shared cap of 20 a minute locked the owner out).
#[test]
fn a_guessing_address_is_slowed_and_the_owner_is_not() {
    let site = support::started("Ada");
    let mut child = Command::new(support::BIN)
        .arg("--root")
        .arg(site.root())
        .arg("password")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    writeln!(child.stdin.take().unwrap(), "correct horse battery").unwrap();
    assert!(child.wait().unwrap().success());
    let origin = format!("http://127.0.0.1:{}", site.port);
    let guesser = [127, 0, 0, 7];
    let statuses: Vec<u16> = (0..5)
        .map(|_| try_password(guesser, site.port, &origin, "wrong guess"))
        .collect();
    assert_eq!(statuses, [401; 5]);
    // Now even the right password waits, from that address.
    assert_eq!(
        try_password(guesser, site.port, &origin, "correct horse battery"),
        429
    );
    // The owner, elsewhere, is not locked out.
    assert_eq!(
        try_password([127, 0, 0, 8], site.port, &origin, "correct horse battery"),
        303
    );

    // `serve` shares the count: the guesser waits there too.
    let port = support::free_port();
    let mut serve = Command::new(support::BIN)
        .arg("--root")
        .arg(site.root())
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    support::wait_until("serve answers", || {
        ureq::get(&format!("http://127.0.0.1:{port}/"))
            .call()
            .is_ok()
    });
    let origin = format!("http://127.0.0.1:{port}");
    let code = try_password(guesser, port, &origin, "correct horse battery");
    let _ = serve.kill();
    let _ = serve.wait();
    assert_eq!(code, 429);
}

/// PROTOCOL.md §3 and §13: `accepts` is read again with the discovery
/// document; a reaction to what is not a published post is `no_such_post`;
/// a reply to a post nobody has stays an ordinary post.
#[test]
fn conversation_targets_are_checked_and_accepts_follows_upgrades() {
    let a = support::started("Ann");
    let b = support::started("Bo");
    support::befriend(&a, &b);
    // Ann pinned Bo's types when Bo was older: no `reaction`.
    a.db()
        .execute(
            "UPDATE friends SET accepts = 'friend.request\nfriend.accept\nfriend.remove\nfeed.updated\nmessage\nmessage.clear\nkeys.updated', discovery_etag = NULL WHERE url = ?1",
            [b.url()],
        )
        .unwrap();
    b.ok(&["new", "A post of Bo's"]);
    b.ok(&["publish"]);
    support::wait_until("Ann re-reads Bo's accepts", || {
        let q = "SELECT accepts FROM friends WHERE url = ?1";
        a.db()
            .query_row(q, [b.url()], |r| r.get::<_, Option<String>>(0))
            .unwrap()
            .is_some_and(|t| t.contains("reaction"))
    });

    // Bo's base URL is no post: refused by Bo, not notified.
    let out = a.run(&["react", "--force", &b.url(), "👍"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("no_such_post"),
        "{err}"
    );
    assert_eq!(b.count("notifications WHERE kind = 'reaction'"), 0);

    // A reply to a page of Ann's that does not exist joins no thread.
    let nowhere = format!("{}posts/never-written/", a.url());
    b.ok(&[
        "new",
        "--reply-to",
        &nowhere,
        "--force",
        "Answering nothing",
    ]);
    b.ok(&["publish"]);
    support::held_id(&a, &b, "Answering nothing");
    assert_eq!(a.count("replies"), 0, "no phantom thread");
}

/// A file replaced inside the recycled tree is not published: the tree's
/// files are checked against the live ones before it is reused.
#[test]
fn a_file_replaced_in_the_recycled_tree_is_not_published() {
    let dir = site(3);
    let root = dir.path();
    for d in 1..=10 {
        post(root, d, &format!("p{d}"), "", "text");
    }
    ok(root, &["build"]);
    post(root, 10, "p10", "", "edited once");
    ok(root, &["build"]); // the first tree is now the recycled one
    let previous = std::fs::read_dir(root.join(".social/build"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.to_string_lossy().ends_with(".previous") && p.to_string_lossy().contains("public-")
        })
        .expect("a recycled tree");
    let victim = previous.join("posts/p1/index.html");
    assert!(victim.is_file());
    std::fs::remove_file(&victim).unwrap();
    std::fs::write(&victim, "garbage planted in the recycled tree").unwrap();
    post(root, 10, "p10", "", "edited twice");
    let out = run(root, &["build"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("not trusted"), "{err}");
    assert!(!read(root, "public/posts/p1/index.html").contains("garbage"));
    // `--verify` checks every file; a sound tree passes it silently.
    post(root, 10, "p10", "", "edited thrice");
    let out = run(root, &["build", "--verify"]);
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("not trusted"));
}
