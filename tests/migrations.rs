//! A state database made by the released schema-1 binary (see
//! tests/fixtures/make-state-v1.sh) opens with this build: it is migrated to
//! the current schema and every friend, message, outbox entry, friend's item
//! and group key is still there.

use microsocial::store::{Store, SCHEMA_VERSION};
use std::path::Path;

fn open_fixture(name: &str) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let social = dir.path().join(".social");
    std::fs::create_dir_all(&social).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
        social.join("state.db"),
    )
    .unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

fn user_version(root: &Path) -> i64 {
    rusqlite::Connection::open(root.join(".social/state.db"))
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap()
}

const ANN: &str = "http://127.0.0.1:47811/";
const BOB: &str = "http://127.0.0.1:47812/";
const CAT: &str = "http://127.0.0.1:47813/";

#[test]
fn ann_v1_database_keeps_friends_messages_and_outbox() {
    let (dir, store) = open_fixture("state-v1-ann.db");
    assert_eq!(user_version(dir.path()), SCHEMA_VERSION);

    let friends: Vec<(String, String, String)> = store
        .friends()
        .unwrap()
        .into_iter()
        .map(|f| (f.url, f.name, f.state))
        .collect();
    assert_eq!(
        friends,
        vec![
            (BOB.into(), "bob".into(), "friend".into()),
            (CAT.into(), "cat".into(), "friend".into())
        ]
    );

    let with_bob: Vec<(String, String, String)> = store
        .messages(BOB)
        .unwrap()
        .into_iter()
        .map(|m| (m.direction, m.body, m.state))
        .collect();
    assert_eq!(
        with_bob,
        vec![
            (
                "out".into(),
                "Hello Bob, first message".into(),
                "delivered".into()
            ),
            (
                "in".into(),
                "Hi Ann! Reply with ünïcödé ✓".into(),
                "received".into()
            ),
        ]
    );
    let with_cat = store.messages(CAT).unwrap();
    assert_eq!(with_cat.len(), 1);
    assert_eq!(with_cat[0].state, "pending");

    let mut outbox: Vec<(String, String, String)> = store
        .outbox()
        .unwrap()
        .into_iter()
        .map(|m| (m.recipient, m.kind, m.state))
        .collect();
    outbox.sort();
    assert_eq!(
        outbox,
        vec![
            (CAT.into(), "feed.updated".into(), "pending".into()),
            (CAT.into(), "message".into(), "pending".into()),
        ]
    );
    // The pending message's sealed body is intact (it is delivered later).
    let sealed = store
        .outbox()
        .unwrap()
        .into_iter()
        .find(|m| m.kind == "message")
        .unwrap();
    assert!(
        sealed.body.starts_with("{\"ciphertext\":\""),
        "{}",
        sealed.body
    );

    assert_eq!(store.my_epoch().unwrap().map(|e| e.0), Some(1));
    assert_eq!(store.last_seq().unwrap(), 3);
    assert_eq!(store.changes(1, 3).unwrap().len(), 3);
    assert_eq!(store.friend_items(true).unwrap().len(), 2);
}

#[test]
fn bob_v1_database_keeps_friends_items_and_group_keys() {
    let (dir, store) = open_fixture("state-v1-bob.db");
    assert_eq!(user_version(dir.path()), SCHEMA_VERSION);
    let items = store.friend_items(true).unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items.iter().filter(|i| i.private).count(), 1);
    assert!(items.iter().all(|i| i.friend == ANN));
    assert!(items
        .iter()
        .any(|i| i.title.as_deref() == Some("Hello, world") && !i.content_html.is_empty()));
    assert!(store.friend_epoch(ANN, 1).unwrap().is_some());
    assert_eq!(store.messages(ANN).unwrap().len(), 2);
    // Opening again is a no-op: the migration is not run twice.
    drop(store);
    let again = Store::open(dir.path()).unwrap();
    assert_eq!(again.friends().unwrap().len(), 1);
}
