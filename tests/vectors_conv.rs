//! Test vectors of PROTOCOL.md §13 (`tests/vectors/conversations.json`):
//! the `reply`, `reaction` and `mention` envelopes with their exact bytes
//! and Ed25519 signatures (deterministic), and a change-log item that
//! answers a post and relays a thread.
//!
//! `cargo test --test vectors_conv -- --ignored write_conversation_vectors`
//! writes the file again.

use ed25519_dalek::SigningKey;
use microsocial::federation::protocol;
use serde_json::{json, Value};
use std::path::PathBuf;

const FILE: &str = "conversations.json";

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(FILE)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[0x33; 32])
}

/// (type, id, sent, body) of each message; Bo writes to Ann.
fn messages() -> Vec<(&'static str, &'static str, &'static str, Value)> {
    vec![
        (
            protocol::types::REPLY,
            "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "2026-11-25T10:00:00Z",
            json!({"url": "https://bo.example/posts/tea-always/",
                   "in_reply_to": "https://ann.example/posts/tea-or-coffee/"}),
        ),
        (
            protocol::types::REACTION,
            "1a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "2026-11-25T10:01:00Z",
            json!({"post": "https://ann.example/posts/tea-or-coffee/", "emoji": "👍",
                   "op": "add", "written": "2026-11-25T10:01:00.000Z"}),
        ),
        (
            protocol::types::MENTION,
            "2a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "2026-11-25T10:02:00Z",
            json!({"url": "https://bo.example/posts/thanks-ann/"}),
        ),
    ]
}

fn envelope(kind: &str, id: &str, sent: &str, body: &Value) -> Vec<u8> {
    let sent = chrono::DateTime::parse_from_rfc3339(sent)
        .unwrap()
        .with_timezone(&chrono::Utc);
    protocol::envelope_bytes(
        kind,
        id,
        "https://bo.example/",
        "https://ann.example/",
        sent,
        body,
    )
}

fn item() -> protocol::Item {
    protocol::Item {
        url: "https://ann.example/posts/tea-or-coffee/".into(),
        title: None,
        content_html: "<p>Tea or coffee?</p>".into(),
        published: "2026-11-25T09:00:00+00:00".into(),
        updated: None,
        tags: vec![],
        in_reply_to: None,
        replies: vec![protocol::ThreadReply {
            url: "https://bo.example/posts/tea-always/".into(),
            author: "https://bo.example/".into(),
            author_name: "Bo".into(),
            in_reply_to: "https://ann.example/posts/tea-or-coffee/".into(),
            published: "2026-11-25T10:00:00+00:00".into(),
            content_html: "<p>Tea, always.</p>".into(),
        }],
    }
}

#[test]
fn conversation_vectors() {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path()).unwrap()).unwrap();
    let key = key();
    assert_eq!(
        v["signing_public_key"],
        protocol::encode_key(&key.verifying_key())
    );
    let list = v["messages"].as_array().unwrap();
    assert_eq!(list.len(), messages().len());
    for (m, (kind, id, sent, body)) in list.iter().zip(messages()) {
        assert_eq!((m["type"].as_str(), &m["body"]), (Some(kind), &body));
        let bytes = envelope(kind, id, sent, &body);
        assert_eq!(m["body_hex"], hex(&bytes), "{kind}");
        let header = protocol::sign(&bytes, &key);
        assert_eq!(m["signature_header"], header, "{kind}");
        protocol::verify(&bytes, Some(&header), &key.verifying_key()).unwrap();
        // And the receiver's checks take it.
        let now = chrono::DateTime::parse_from_rfc3339(sent)
            .unwrap()
            .with_timezone(&chrono::Utc);
        let env = protocol::check_envelope(&bytes, "https://ann.example/", now).unwrap();
        if kind == protocol::types::REACTION {
            let r: protocol::Reaction = protocol::body(&env).unwrap();
            protocol::check_reaction(&r).unwrap();
        }
    }
    let parsed: protocol::Item = serde_json::from_value(v["item"].clone()).unwrap();
    assert_eq!(parsed, item());
    assert_eq!(v["item"], serde_json::to_value(item()).unwrap());
}

#[test]
#[ignore]
fn write_conversation_vectors() {
    let key = key();
    let list: Vec<Value> = messages()
        .into_iter()
        .map(|(kind, id, sent, body)| {
            let bytes = envelope(kind, id, sent, &body);
            json!({"type": kind, "id": id, "sent": sent, "body": body,
                "body_hex": hex(&bytes), "signature_header": protocol::sign(&bytes, &key)})
        })
        .collect();
    let doc = json!({
        "description": "PROTOCOL.md 12: reply, reaction and mention envelopes from https://bo.example/ to https://ann.example/, and an item relaying a thread",
        "signing_seed_hex": hex(&[0x33; 32]),
        "signing_public_key": protocol::encode_key(&key.verifying_key()),
        "messages": list,
        "item": item(),
    });
    std::fs::write(path(), serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
}
