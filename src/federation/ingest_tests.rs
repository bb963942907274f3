//! Pulls against a tiny static server on 127.0.0.1 that serves fixed
//! documents, so a head can be as malformed as a hostile friend makes it.

use super::*;
use crate::federation::client::Client;
use crate::federation::private;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Serves `docs` (path → body) until dropped.
pub struct Static {
    pub base: String,
    docs: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Static {
    pub fn start() -> Static {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let docs: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (d, s) = (docs.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let Ok(Some(req)) = server.recv_timeout(Duration::from_millis(50)) else {
                    continue;
                };
                let body = d.lock().unwrap().get(req.url()).cloned();
                let _ = match body {
                    Some(b) => req.respond(tiny_http::Response::from_data(b)),
                    None => req.respond(tiny_http::Response::empty(404)),
                };
            }
        });
        Static {
            base: format!("http://127.0.0.1:{port}/"),
            docs,
            stop,
            thread: Some(thread),
        }
    }

    pub fn put(&self, path: &str, body: &serde_json::Value) {
        self.put_bytes(path, body.to_string().into_bytes());
    }

    pub fn put_bytes(&self, path: &str, body: Vec<u8>) {
        self.docs.lock().unwrap().insert(format!("/{path}"), body);
    }
}

impl Drop for Static {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn friend_store(base: &str) -> Mutex<Store> {
    let s = Store::in_memory().unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
    s.upsert_friend(&crate::federation::testing::friend(base, &key))
        .unwrap();
    Mutex::new(s)
}

pub fn upsert(base: &str, seq: u64, slug: &str) -> serde_json::Value {
    let id = format!("{base}posts/{slug}/");
    serde_json::json!({"seq": seq, "op": "upsert", "id": id, "item": {
        "url": id, "title": slug, "content_html": "<p>hi</p>",
        "published": "2026-11-24T10:00:00Z", "updated": null, "tags": ["x"]}})
}

pub fn head(base: &str, changes: Vec<serde_json::Value>) -> serde_json::Value {
    let last = changes
        .iter()
        .filter_map(|c| c["seq"].as_u64())
        .max()
        .unwrap_or(0);
    serde_json::json!({"protocol": "microsocial/1", "site": base, "last_seq": last,
        "page_size": 100, "pages": 1, "changes": changes})
}

fn pull_now(store: &Mutex<Store>, base: &str) -> anyhow::Result<PullReport> {
    pull(
        store,
        &Client::new(true),
        base,
        &crate::config::FederationConfig::default(),
        &[],
    )
}

/// Publishes a friends-only post in `epoch` under a fresh group key sealed
/// to `me`, as the author with signing key `[1; 32]`; returns its change.
fn publish_private(
    site: &Static,
    me: &age::x25519::Identity,
    epoch: u32,
    slug: &str,
    seq: u64,
) -> serde_json::Value {
    let group = age::x25519::Identity::generate();
    let keys = vec![me.to_public().to_string()];
    let buckets = protocol::epoch_buckets(&keys);
    for (b, bytes) in private::seal_epoch_buckets(&group, &keys).unwrap() {
        let path = format!(
            "{}{}",
            protocol::PRIVATE_DIR,
            protocol::epoch_file(epoch, b)
        );
        site.put_bytes(&path, bytes);
    }
    let item = protocol::Item {
        url: format!("{}posts/{slug}/", site.base),
        title: Some(slug.into()),
        content_html: "<p>for friends</p>".into(),
        published: "2026-11-24T10:00:00Z".into(),
        updated: None,
        tags: vec![],
        ..Default::default()
    };
    let author = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
    let at = private::EpochRef { epoch, buckets };
    let blob = private::seal_post(&item, &author, &group.to_public(), at).unwrap();
    let path = format!("{}{slug}.age", protocol::PRIVATE_DIR);
    site.put_bytes(&path, blob);
    serde_json::json!({"seq": seq, "op": "private", "id": format!("{}{path}", site.base)})
}

#[test]
fn one_malformed_item_is_skipped_and_the_feed_moves_on() {
    let site = Static::start();
    let b = site.base.clone();
    let mut no_date = upsert(&b, 2, "no-date");
    no_date["item"].as_object_mut().unwrap().remove("published");
    let mut string_tags = upsert(&b, 3, "string-tags");
    string_tags["item"]["tags"] = serde_json::json!("rust");
    let changes = vec![
        upsert(&b, 1, "one"),
        no_date,
        string_tags,
        upsert(&b, 4, "four"),
    ];
    site.put(protocol::FEED_PATH, &head(&b, changes.clone()));
    let store = friend_store(&b);

    let r = pull_now(&store, &b).unwrap();
    assert_eq!((r.applied, r.skipped), (2, 2));
    let st = lock(&store);
    assert_eq!(st.friend(&b).unwrap().unwrap().last_seq, 4);
    assert_eq!(st.friend_items(false).unwrap().len(), 2);
    let (count, why) = st.skipped(&b).unwrap();
    assert_eq!(count, 2);
    assert!(why.unwrap().contains("change 3 is malformed"));
    drop(st);

    // The next change arrives; the bad ones still sit inline in the head.
    let mut more = changes;
    more.push(upsert(&b, 5, "five"));
    site.put(protocol::FEED_PATH, &head(&b, more));
    let r = pull_now(&store, &b).unwrap();
    assert_eq!((r.applied, r.skipped), (1, 0));
    assert_eq!(lock(&store).friend_items(false).unwrap().len(), 3);
    assert_eq!(lock(&store).skipped(&b).unwrap().0, 2, "counted once");
}

#[test]
fn a_new_log_id_means_the_log_restarted_even_when_it_is_longer() {
    let site = Static::start();
    let b = site.base.clone();
    let with_log = |changes, log: &str| {
        let mut h = head(&b, changes);
        h["log"] = log.into();
        h
    };
    let old: Vec<_> = (1..=3)
        .map(|n| upsert(&b, n, &format!("old-{n}")))
        .collect();
    site.put(protocol::FEED_PATH, &with_log(old, "a1"));
    let store = friend_store(&b);
    assert_eq!(pull_now(&store, &b).unwrap().applied, 3);

    // Their state was lost and rebuilt: a new log that is already longer.
    let new: Vec<_> = (1..=5)
        .map(|n| upsert(&b, n, &format!("new-{n}")))
        .collect();
    site.put(protocol::FEED_PATH, &with_log(new, "b2"));
    let r = pull_now(&store, &b).unwrap();
    assert_eq!(r.applied, 5, "read from the start");
    let items = lock(&store).friend_items(false).unwrap();
    assert_eq!(items.len(), 5);
    assert!(
        items.iter().all(|i| i.id.contains("/new-")),
        "old log dropped"
    );
}

#[test]
fn a_restarted_log_forgets_the_group_keys_of_the_old_one() {
    let site = Static::start();
    let b = site.base.clone();
    let me = age::x25519::Identity::generate();
    let with_log = |changes, log: &str| {
        let mut h = head(&b, changes);
        h["log"] = log.into();
        h
    };
    let store = friend_store(&b);
    let pull_as_me = || {
        pull(
            &store,
            &Client::new(true),
            &b,
            &crate::config::FederationConfig::default(),
            std::slice::from_ref(&me),
        )
        .unwrap()
    };
    let first = publish_private(&site, &me, 1, "before", 1);
    site.put(protocol::FEED_PATH, &with_log(vec![first], "a1"));
    assert_eq!(pull_as_me().applied, 1);
    // Lost state: epoch 1 again, with a new group key.
    let again = publish_private(&site, &me, 1, "after", 1);
    site.put(protocol::FEED_PATH, &with_log(vec![again], "b2"));
    let r = pull_as_me();
    assert_eq!((r.applied, r.skipped), (1, 0));
    let items = lock(&store).friend_items(true).unwrap();
    assert_eq!(items.len(), 1);
    assert!(items[0].id.ends_with("after.age"));
}

#[test]
fn a_head_with_an_absurd_last_seq_is_refused_without_panicking() {
    let site = Static::start();
    let b = site.base.clone();
    let store = friend_store(&b);
    for last in [u64::MAX, i64::MAX as u64 + 1] {
        let mut h = head(&b, vec![]);
        h["last_seq"] = serde_json::json!(last);
        site.put(protocol::FEED_PATH, &h);
        let err = pull_now(&store, &b).unwrap_err();
        assert!(format!("{err:#}").contains("last_seq"), "{err:#}");
        assert_eq!(lock(&store).friend(&b).unwrap().unwrap().last_seq, 0);
    }
}
