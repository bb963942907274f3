//! Test vectors of PROTOCOL.md (`tests/vectors/*.json`): fixed keys and the
//! exact bytes, so a second implementation can check its code against them.
//! Each test rebuilds every deterministic byte string from the inputs in the
//! file and opens every randomized one (age) with the file's keys.
//!
//! `cargo test --test vectors -- --ignored write_vectors` writes new files
//! (new random age keys; the deterministic parts follow from the inputs).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey};
use microsocial::federation::{private, protocol};
use serde_json::{json, Value};
use std::path::PathBuf;

const ENVELOPE: &str = "envelope-signature.json";
const MESSAGE: &str = "sealed-message.json";
const POST: &str = "friends-only-post.json";
const EPOCH: &str = "epoch-key-wrap.json";
const FILE: &str = "friends-only-file.json";

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name)
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(path(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd hex length");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("`{key}` missing"))
}

fn signing_key(v: &Value, key: &str) -> SigningKey {
    SigningKey::from_bytes(&unhex(s(v, key)).try_into().unwrap())
}

fn identity(v: &Value, key: &str) -> age::x25519::Identity {
    s(v, key).parse().unwrap()
}

fn time(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[test]
fn envelope_signature_vector() {
    let v = load(ENVELOPE);
    let key = signing_key(&v, "signing_seed_hex");
    assert_eq!(
        s(&v, "signing_public_key"),
        protocol::encode_key(&key.verifying_key())
    );
    let e = &v["envelope"];
    // The body bytes are what the reference writes for these fields.
    let body = protocol::envelope_bytes(
        s(e, "type"),
        s(e, "id"),
        s(e, "from"),
        s(e, "to"),
        time(s(e, "sent")),
        &e["body"],
    );
    assert_eq!(hex(&body), s(&v, "body_hex"));
    let mut input = b"microsocial/1 envelope\n".to_vec();
    input.extend_from_slice(&body);
    assert_eq!(hex(&input), s(&v, "signature_input_hex"));
    // Ed25519 is deterministic: the same key and input give the same bytes.
    let sig = key.sign(&input);
    assert_eq!(hex(&sig.to_bytes()), s(&v, "signature_hex"));
    let header = protocol::sign(&body, &key);
    assert_eq!(header, s(&v, "signature_header"));
    protocol::verify(&body, Some(&header), &key.verifying_key()).unwrap();
}

#[test]
fn sealed_message_vector() {
    let v = load(MESSAGE);
    let me = identity(&v, "recipient_identity");
    assert_eq!(me.to_public().to_string(), s(&v, "recipient"));
    let text = s(&v, "text");
    let padded = unhex(s(&v, "padded_hex"));
    // Padding is deterministic: u32 length, the text, zeros to a bucket.
    assert_eq!(private::pad(text).unwrap(), padded);
    assert_eq!(padded.len(), 256);
    assert_eq!(&padded[..4], &(text.len() as u32).to_be_bytes());
    let sealed = unhex(s(&v, "sealed_hex"));
    assert_eq!(sealed[0], 0x01, "format byte");
    assert!(sealed[1..].starts_with(b"age-encryption.org/v1\n"));
    assert_eq!(
        private::open(std::slice::from_ref(&me), &sealed).unwrap(),
        padded
    );
    let body = &v["body"];
    assert_eq!(s(body, "ciphertext"), B64.encode(&sealed));
    assert_eq!(
        private::open_message(s(body, "ciphertext"), std::slice::from_ref(&me)).unwrap(),
        text
    );
}

#[test]
fn friends_only_post_vector() {
    let v = load(POST);
    let author = signing_key(&v, "author_seed_hex");
    let group = identity(&v, "group_identity");
    let blob = unhex(s(&v, "post_hex"));
    // 0x01 ‖ u32 epoch ‖ u16 buckets ‖ sealed, where sealed = 0x01 ‖ age file.
    let (epoch, buckets) = (v["epoch"].as_u64().unwrap(), v["buckets"].as_u64().unwrap());
    let mut header = vec![0x01];
    header.extend_from_slice(&(epoch as u32).to_be_bytes());
    header.extend_from_slice(&(buckets as u16).to_be_bytes());
    assert_eq!(hex(&blob[..7]), hex(&header));
    assert_eq!(hex(&blob[..7]), s(&v, "header_hex"));
    assert_eq!(blob[7], 0x01, "the sealed value's own format byte");
    assert!(blob[8..].starts_with(b"age-encryption.org/v1\n"));
    let at = private::post_epoch(&blob).unwrap();
    assert_eq!(
        (u64::from(at.epoch), u64::from(at.buckets)),
        (epoch, buckets)
    );

    let item_json = s(&v, "item_json");
    let mut input = b"microsocial/1 friends-only post\n".to_vec();
    input.extend_from_slice(item_json.as_bytes());
    assert_eq!(hex(&input), s(&v, "signature_input_hex"));
    let sig = B64.encode(author.sign(&input).to_bytes());
    assert_eq!(sig, s(&v, "signature_base64"));
    let signed = serde_json::to_string(&json!({"item": item_json, "sig": sig})).unwrap();
    assert_eq!(signed, s(&v, "signed_json"));
    let plain = private::open(std::slice::from_ref(&group), &blob[7..]).unwrap();
    assert_eq!(String::from_utf8(plain).unwrap(), signed);
    let item = private::open_post(&blob, &group, &author.verifying_key()).unwrap();
    assert_eq!(serde_json::to_string(&item).unwrap(), item_json);
}

#[test]
fn epoch_key_wrap_vector() {
    let v = load(EPOCH);
    let group = s(&v, "group_identity");
    let recipients: Vec<String> = v["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| s(r, "recipient").to_string())
        .collect();
    let buckets = protocol::epoch_buckets(&recipients);
    assert_eq!(u64::from(buckets), v["buckets"].as_u64().unwrap());
    for ex in v["bucket_examples"].as_array().unwrap() {
        let n = ex["buckets"].as_u64().unwrap() as u16;
        assert_eq!(
            u64::from(protocol::bucket_of(s(ex, "recipient"), n)),
            ex["bucket"].as_u64().unwrap(),
            "{ex}"
        );
    }
    let epoch = v["epoch"].as_u64().unwrap() as u32;
    for r in v["recipients"].as_array().unwrap() {
        let me = identity(r, "identity");
        let bucket = protocol::bucket_of(s(r, "recipient"), buckets);
        let file = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["bucket"].as_u64() == Some(u64::from(bucket)))
            .unwrap();
        assert_eq!(s(file, "path"), protocol::epoch_file(epoch, bucket));
        let sealed = unhex(s(file, "sealed_hex"));
        assert_eq!(sealed[0], 0x01, "format byte");
        // The plaintext is exactly the group key's identity string.
        let plain = private::open(std::slice::from_ref(&me), &sealed).unwrap();
        assert_eq!(String::from_utf8(plain).unwrap(), group);
        let opened = private::open_epoch(&sealed, std::slice::from_ref(&me)).unwrap();
        use age::secrecy::ExposeSecret as _;
        assert_eq!(opened.to_string().expose_secret(), group);
    }
}

#[test]
fn friends_only_file_vector() {
    let v = load(FILE);
    let group = identity(&v, "group_identity");
    let blob = unhex(s(&v, "blob_hex"));
    let plain = unhex(s(&v, "file_hex"));
    // The post's container: 0x01 ‖ u32 epoch ‖ u16 buckets ‖ sealed.
    assert_eq!(hex(&blob[..7]), s(&v, "header_hex"));
    let at = private::post_epoch(&blob).unwrap();
    assert_eq!(u64::from(at.epoch), v["epoch"].as_u64().unwrap());
    assert_eq!(u64::from(at.buckets), v["buckets"].as_u64().unwrap());
    assert_eq!(private::open_file(&blob, &group).unwrap(), plain);
    // The signed post names it by the SHA-256 of the plain bytes.
    let sha = microsocial::federation::media::sha256_hex(&plain);
    assert_eq!(sha, s(&v, "sha256_hex"));
    assert!(s(&v, "reference").ends_with(&format!("#sha256={sha}")));
    assert!(s(&v, "content_html").contains(s(&v, "reference")));
}

#[test]
fn protocol_md_links_every_vector() {
    let doc =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("PROTOCOL.md"))
            .unwrap();
    for name in [ENVELOPE, MESSAGE, POST, EPOCH, FILE] {
        assert!(
            doc.contains(&format!("(tests/vectors/{name})")),
            "PROTOCOL.md does not link {name}"
        );
    }
}

// ---- writing the files

fn write(name: &str, v: &Value) {
    let text = serde_json::to_string_pretty(v).unwrap() + "\n";
    std::fs::write(path(name), text).unwrap();
}

fn secret(id: &age::x25519::Identity) -> String {
    use age::secrecy::ExposeSecret as _;
    id.to_string().expose_secret().to_string()
}

#[test]
#[ignore = "writes tests/vectors/*.json"]
fn write_vectors() {
    std::fs::create_dir_all(path("")).unwrap();
    write_envelope();
    write_message();
    write_post();
    write_epoch();
    write_file();
}

#[test]
#[ignore = "writes tests/vectors/friends-only-file.json"]
fn write_file_vector() {
    write_file();
}

fn write_file() {
    let group = age::x25519::Identity::generate();
    let at = private::EpochRef {
        epoch: 3,
        buckets: 2,
    };
    // A 1×1 PNG.
    let png = unhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478\
         9c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082",
    );
    let blob = private::seal_file(&png, &group.to_public(), at).unwrap();
    let sha = microsocial::federation::media::sha256_hex(&png);
    let reference = format!(
        "https://ann.example/federation/private/9c1f0e7a5b3d2c4e6f8091a2b3c4d5e6.age#sha256={sha}"
    );
    write(
        FILE,
        &json!({
            "description": "PROTOCOL.md 10.6: a file (image) of a friends-only post, sealed to an epoch's group key",
            "group_identity": secret(&group),
            "epoch": at.epoch,
            "buckets": at.buckets,
            "file_hex": hex(&png),
            "sha256_hex": sha,
            "reference": reference,
            "content_html": format!("<p><img src=\"{reference}\" alt=\"dot\"></p>"),
            "header_hex": hex(&blob[..7]),
            "blob_hex": hex(&blob),
        }),
    );
}

fn write_envelope() {
    let seed = [0x11u8; 32];
    let key = SigningKey::from_bytes(&seed);
    let envelope = json!({
        "type": "feed.updated", "id": "5f0c3a9e1b2d4c6e8f00112233445566",
        "from": "https://ann.example/", "to": "https://bo.example/",
        "sent": "2026-11-24T09:30:00Z",
        "body": {"feed": "https://ann.example/federation/feed.json", "version": 42}
    });
    let body = protocol::envelope_bytes(
        s(&envelope, "type"),
        s(&envelope, "id"),
        s(&envelope, "from"),
        s(&envelope, "to"),
        time(s(&envelope, "sent")),
        &envelope["body"],
    );
    let mut input = b"microsocial/1 envelope\n".to_vec();
    input.extend_from_slice(&body);
    write(
        ENVELOPE,
        &json!({
            "description": "PROTOCOL.md 4.1: the signature input of an envelope and its signature",
            "signing_seed_hex": hex(&seed),
            "signing_public_key": protocol::encode_key(&key.verifying_key()),
            "envelope": envelope,
            "body_hex": hex(&body),
            "signature_input_hex": hex(&input),
            "signature_hex": hex(&key.sign(&input).to_bytes()),
            "signature_header": protocol::sign(&body, &key),
        }),
    );
}

fn write_message() {
    let me = age::x25519::Identity::generate();
    let text = "Meet at noon by the old mill.";
    let padded = private::pad(text).unwrap();
    let sealed = private::seal(&[me.to_public()], &padded).unwrap();
    write(
        MESSAGE,
        &json!({
            "description": "PROTOCOL.md 10.2: a private message, padded and sealed to one recipient",
            "recipient_identity": secret(&me),
            "recipient": me.to_public().to_string(),
            "text": text,
            "padded_hex": hex(&padded),
            "sealed_hex": hex(&sealed),
            "body": {"ciphertext": B64.encode(&sealed), "written": "2026-11-24T09:29:58.250Z"},
        }),
    );
}

fn write_post() {
    let seed = [0x22u8; 32];
    let author = SigningKey::from_bytes(&seed);
    let group = age::x25519::Identity::generate();
    let item = protocol::Item {
        url: "https://ann.example/posts/for-friends/".into(),
        title: Some("For friends".into()),
        content_html: "<p>Only for you.</p>".into(),
        published: "2026-11-24T10:00:00+00:00".into(),
        updated: None,
        tags: vec!["garden".into()],
        ..Default::default()
    };
    let at = private::EpochRef {
        epoch: 3,
        buckets: 2,
    };
    let blob = private::seal_post(&item, &author, &group.to_public(), at).unwrap();
    let item_json = serde_json::to_string(&item).unwrap();
    let mut input = b"microsocial/1 friends-only post\n".to_vec();
    input.extend_from_slice(item_json.as_bytes());
    let sig = B64.encode(author.sign(&input).to_bytes());
    let signed = serde_json::to_string(&json!({"item": item_json, "sig": sig})).unwrap();
    write(
        POST,
        &json!({
            "description": "PROTOCOL.md 10.5: a friends-only post blob, sealed to an epoch's group key",
            "author_seed_hex": hex(&seed),
            "author_public_key": protocol::encode_key(&author.verifying_key()),
            "group_identity": secret(&group),
            "epoch": at.epoch,
            "buckets": at.buckets,
            "item_json": item_json,
            "signature_input_hex": hex(&input),
            "signature_base64": sig,
            "signed_json": signed,
            "header_hex": hex(&blob[..7]),
            "post_hex": hex(&blob),
        }),
    );
}

fn write_epoch() {
    let group = age::x25519::Identity::generate();
    let ids: Vec<age::x25519::Identity> =
        (0..3).map(|_| age::x25519::Identity::generate()).collect();
    let keys: Vec<String> = ids.iter().map(|i| i.to_public().to_string()).collect();
    let buckets = protocol::epoch_buckets(&keys);
    let files = private::seal_epoch_buckets(&group, &keys).unwrap();
    let epoch = 3;
    let examples: Vec<Value> = keys
        .iter()
        .flat_map(|k| {
            [1u16, 2, 3, 7]
                .map(|n| json!({"recipient": k, "buckets": n, "bucket": protocol::bucket_of(k, n)}))
        })
        .collect();
    write(
        EPOCH,
        &json!({
            "description": "PROTOCOL.md 10.5: an epoch's group key wrapped for its recipients, and bucket numbers",
            "epoch": epoch,
            "group_identity": secret(&group),
            "recipients": ids.iter().zip(&keys).map(|(i, k)| json!({"identity": secret(i), "recipient": k})).collect::<Vec<_>>(),
            "buckets": buckets,
            "bucket_examples": examples,
            "files": files.iter().map(|(b, bytes)| json!({"bucket": b, "path": protocol::epoch_file(epoch, *b), "sealed_hex": hex(bytes)})).collect::<Vec<_>>(),
        }),
    );
}
