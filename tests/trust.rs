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
