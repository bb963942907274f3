//! The fuzz target bodies, in one place: `fuzz_targets/*.rs` (cargo fuzz)
//! and `tests/fuzz_corpus.rs` (which replays the committed corpus in
//! `cargo test`, including this file by path) both call them.
//!
//! Each body panics on a broken property and otherwise returns whether the
//! input was accepted, so the replay test can check that valid seeds still pass.

mod inert;

pub use inert::assert_inert;

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use microsocial::content::frontmatter;
use microsocial::federation::protocol::{self, Change, FeedHead, FeedPage};
use microsocial::federation::{inbox, ingest, private, sanitize};
use std::path::Path;

/// The receiving site in the envelope target.
pub const ME: &str = "https://b.example/";
/// The friend whose change log and posts are checked.
pub const FRIEND: &str = "https://a.example/";
/// A fixed, test-only group key, so sealed seeds open in every run.
const GROUP_KEY: &str =
    "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";

/// The friend's (test-only) signing key.
pub fn author() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

pub fn group() -> age::x25519::Identity {
    GROUP_KEY
        .parse()
        .expect("GROUP_KEY is a valid age identity")
}

/// The receiver's clock: fixed, so a seed's `sent` stays inside the window.
pub fn now() -> DateTime<Utc> {
    // 2026-11-24T12:00:00Z
    DateTime::from_timestamp(1_795_521_600, 0).expect("a valid timestamp")
}

/// `SIGNATURE-HEADER \n ENVELOPE`: every check a receiver makes before it
/// touches state (size, shape, version, type, recipient, clock, signature, body).
pub fn envelope(data: &[u8]) -> bool {
    let (header, payload) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (
            String::from_utf8_lossy(&data[..i]).into_owned(),
            &data[i + 1..],
        ),
        None => (String::new(), data),
    };
    let key = author().verifying_key();
    let verified = protocol::verify(payload, Some(&header), &key).is_ok();
    // Our own signature over exactly these bytes always verifies.
    let good = protocol::sign(payload, &author());
    assert_eq!(protocol::verify(payload, Some(&good), &key), Ok(()));
    match protocol::check_envelope(payload, ME, now()) {
        Ok(env) => {
            assert_eq!(
                protocol::normalize_url(&env.from).as_deref(),
                Some(env.from.as_str())
            );
            assert!(env.body.is_object());
            typed_body(&env) && verified
        }
        Err(reject) => {
            assert!((400..500).contains(&reject.status()), "{reject:?}");
            assert!(!reject.to_string().is_empty());
            false
        }
    }
}

/// Parses the body as its type says, as the inbox does.
fn typed_body(env: &protocol::Envelope) -> bool {
    use protocol::types;
    let name_ok = |n: &str| !inbox::clean_name(n).chars().any(char::is_control);
    match env.kind.as_str() {
        types::FRIEND_REQUEST => protocol::body::<protocol::FriendRequest>(env)
            .is_ok_and(|b| name_ok(&b.name) && protocol::decode_key(&b.key).is_ok()),
        types::FRIEND_ACCEPT => {
            protocol::body::<protocol::FriendAccept>(env).is_ok_and(|b| name_ok(&b.name))
        }
        types::FRIEND_REMOVE => protocol::body::<protocol::FriendRemove>(env).is_ok(),
        types::FEED_UPDATED => protocol::body::<protocol::FeedUpdated>(env).is_ok(),
        types::MESSAGE => protocol::body::<protocol::Message>(env)
            .is_ok_and(|m| private::open_message(&m.ciphertext, &[group()]).is_ok()),
        types::MESSAGE_CLEAR => protocol::body::<protocol::MessageClear>(env).is_ok(),
        types::KEYS_UPDATED => protocol::body::<protocol::KeysUpdated>(env)
            .is_ok_and(|k| private::parse_recipient(&k.encryption).is_ok()),
        other => panic!("check_envelope let an unknown type through: {other}"),
    }
}

/// A post file: front matter split, TOML parse, and its dates.
pub fn front_matter(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    match frontmatter::split(text, Path::new("fuzz.md")) {
        Ok(s) => {
            assert!(text.ends_with(s.body), "the body is the file's tail");
            assert!(s.body_line >= 1 && s.body_line <= text.lines().count() + 1);
            let dates = [&s.front.date, &s.front.updated];
            dates.into_iter().flatten().all(|d| d.to_datetime().is_ok())
        }
        Err(p) => {
            assert!(p.line >= 1 && !p.message.is_empty(), "{p}");
            false
        }
    }
}

/// A change-log head, an archive page or one change, each item checked as a
/// pull checks it. True if some item was accepted.
pub fn feed_ingest(data: &[u8]) -> bool {
    type Raw = serde_json::Value;
    // As a pull reads them: the document strictly, each change on its own.
    let raw: Vec<Raw> = if let Ok(head) = serde_json::from_slice::<FeedHead<Raw>>(data) {
        head.changes
    } else if let Ok(page) = serde_json::from_slice::<FeedPage<Raw>>(data) {
        page.changes
    } else if let Ok(change) = serde_json::from_slice::<Raw>(data) {
        vec![change]
    } else {
        return false;
    };
    let (changes, malformed) = ingest::lenient_changes(raw, 0, u64::MAX);
    assert!(malformed.iter().all(|why| !why.is_empty()));
    let mut accepted = false;
    for c in &changes {
        match ingest::check_change(FRIEND, c) {
            Ok(Some(item)) => {
                assert_eq!((item.friend.as_str(), &item.id), (FRIEND, &c.id));
                assert!(item.id.starts_with(FRIEND) && !item.private);
                assert!(DateTime::parse_from_rfc3339(&item.published).is_ok());
                if let Some(u) = &item.updated {
                    assert!(DateTime::parse_from_rfc3339(u).is_ok(), "{u}");
                }
                assert!(item.tags.len() <= 20);
                for t in &item.tags {
                    assert!(t.chars().count() <= 50 && !t.chars().any(char::is_control));
                }
                let title = item.title.as_deref().unwrap_or("");
                assert!(!title.chars().any(char::is_control), "{title:?}");
                assert_inert(&item.content_html);
                accepted = true;
            }
            Ok(None) => assert_eq!(c.op, "delete"),
            Err(e) => assert!(!e.is_empty()),
        }
    }
    accepted
}

/// A sealed friends-only post (and the padding of a private message).
pub fn private_post(data: &[u8]) -> bool {
    if let Ok(text) = private::unpad(data) {
        if let Ok(padded) = private::pad(&text) {
            assert_eq!(private::unpad(&padded).ok().as_deref(), Some(text.as_str()));
        }
    }
    let at = private::post_epoch(data);
    match private::open_post(data, &group(), &author().verifying_key()) {
        Ok(_) => {
            assert!(at.is_ok_and(|a| a.buckets >= 1));
            true
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            false
        }
    }
}

/// Friends' HTML: the cleaned output, parsed again, must be inert. The first
/// line is the post's path under the friend's URL (the base for relative links).
pub fn sanitize(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let (path, html) = text.split_once('\n').unwrap_or(("posts/one/", text));
    let out = sanitize::clean(html, &format!("{FRIEND}{path}"));
    assert_inert(&out);
    true
}

/// Valid inputs for each target: the start of each corpus.
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let item = protocol::Item {
        url: format!("{FRIEND}posts/hello/"),
        title: Some("Hello".into()),
        content_html: r#"<p>Hi <a href="../x/">x</a> <img src="p.jpg" alt="p"></p>"#.into(),
        published: "2026-11-24T10:00:00Z".into(),
        updated: Some("2026-11-25T10:00:00+01:00".into()),
        tags: vec!["walks".into()],
        ..Default::default()
    };
    let change = |seq: u64, op: &str| Change {
        seq,
        op: op.into(),
        id: item.url.clone(),
        item: (op == "upsert").then(|| item.clone()),
    };
    let head = FeedHead {
        protocol: protocol::PROTOCOL.into(),
        site: FRIEND.into(),
        last_seq: 2,
        page_size: protocol::CHANGES_PER_PAGE,
        pages: 1,
        log: None,
        changes: vec![change(1, "upsert"), change(2, "delete")],
    };
    let epoch = private::EpochRef {
        epoch: 3,
        buckets: 1,
    };
    let post = private::seal_post(&item, &author(), &group().to_public(), epoch)
        .expect("sealing a post in memory");
    let ping = protocol::envelope_bytes(
        protocol::types::FEED_UPDATED,
        "0123456789abcdef0123456789abcdef",
        FRIEND,
        ME,
        now(),
        &serde_json::json!({"feed": format!("{FRIEND}{}", protocol::FEED_PATH), "version": 2}),
    );
    let mut signed = protocol::sign(&ping, &author()).into_bytes();
    signed.push(b'\n');
    signed.extend_from_slice(&ping);
    vec![
        ("envelope", signed),
        (
            "front_matter",
            b"+++\ntitle = \"A walk\"\ndate = 2026-11-24T09:30:00+01:00\nupdated = \"2026-11-25\"\ntags = [\"walks\"]\nvisibility = \"friends\"\n+++\nBody *text*\n".to_vec(),
        ),
        ("feed_ingest", serde_json::to_vec(&head).expect("a head serialises")),
        ("private_post", post),
        (
            "sanitize",
            b"posts/one/\n<p onclick=\"x()\">hi<script>alert(1)</script><a href=\"javascript:alert(1)\">j</a><a href=\"../rel/\">r</a><img src=\"x.png\" onerror=\"y()\"></p>".to_vec(),
        ),
    ]
}
