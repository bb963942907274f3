//! Unit tests of the pure protocol rules.

use super::*;

const ME: &str = "https://b.example/";

fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn env(kind: &str, to: &str, at: DateTime<Utc>) -> Vec<u8> {
    envelope_bytes(
        kind,
        "0123456789abcdef0123456789abcdef",
        "https://a.example/",
        to,
        at,
        &serde_json::json!({"feed": "https://a.example/federation/feed.json", "version": 3}),
    )
}

#[test]
fn signed_envelope_round_trips() {
    let raw = env(types::FEED_UPDATED, ME, now());
    let sig = sign(&raw, &key(1));
    verify(&raw, Some(&sig), &key(1).verifying_key()).unwrap();
    let e = check_envelope(&raw, ME, now()).unwrap();
    let b: FeedUpdated = body(&e).unwrap();
    assert_eq!(b.version, 3);
}

#[test]
fn signature_covers_exact_bytes_and_key() {
    let raw = env(types::FEED_UPDATED, ME, now());
    let sig = sign(&raw, &key(1));
    let mut tampered = raw.clone();
    let pos = tampered.iter().position(|&b| b == b'3').unwrap();
    tampered[pos] = b'4';
    assert_eq!(
        verify(&tampered, Some(&sig), &key(1).verifying_key()),
        Err(Reject::BadSignature)
    );
    assert_eq!(
        verify(&raw, Some(&sig), &key(2).verifying_key()),
        Err(Reject::BadSignature)
    );
    assert_eq!(
        verify(&raw, None, &key(1).verifying_key()),
        Err(Reject::MissingSignature)
    );
    // A malformed header is a bad signature, not a missing one.
    let short = format!("ed25519 {}", B64.encode([0u8; 32]));
    for bad in ["ed25519 !!!", "rsa AAAA", "", short.as_str()] {
        assert_eq!(
            verify(&raw, Some(bad), &key(1).verifying_key()),
            Err(Reject::BadSignature),
            "{bad:?}"
        );
    }
    // A signature over the bare payload (no context) is not accepted.
    let bare = format!("ed25519 {}", B64.encode(key(1).sign(&raw).to_bytes()));
    assert_eq!(
        verify(&raw, Some(&bare), &key(1).verifying_key()),
        Err(Reject::BadSignature)
    );
}

#[test]
fn clock_window_is_enforced() {
    let ok_old = now() - chrono::Duration::seconds(MAX_AGE_SECS - 1);
    let too_old = now() - chrono::Duration::seconds(MAX_AGE_SECS + 1);
    let too_new = now() + chrono::Duration::seconds(MAX_AHEAD_SECS + 1);
    assert!(check_envelope(&env(types::FEED_UPDATED, ME, ok_old), ME, now()).is_ok());
    assert_eq!(
        check_envelope(&env(types::FEED_UPDATED, ME, too_old), ME, now()),
        Err(Reject::Expired)
    );
    assert_eq!(
        check_envelope(&env(types::FEED_UPDATED, ME, too_new), ME, now()),
        Err(Reject::Expired)
    );
}

#[test]
fn sent_is_any_rfc3339_time_within_the_window() {
    let with_sent = |sent: &str| {
        String::from_utf8(env(types::FEED_UPDATED, ME, now()))
            .unwrap()
            .replace("2026-11-24T12:00:00Z", sent)
    };
    for ok in [
        "2026-11-24T12:00:00Z",
        "2026-11-24T12:00:00.250Z",
        "2026-11-24T13:00:00+01:00",
        "2026-11-24t12:00:00z",
    ] {
        assert!(
            check_envelope(with_sent(ok).as_bytes(), ME, now()).is_ok(),
            "{ok}"
        );
    }
    for bad in [
        "2026-11-24T12:00:00",
        "1795953600",
        "24 Nov 2026 12:00:00 GMT",
    ] {
        assert!(
            matches!(
                check_envelope(with_sent(bad).as_bytes(), ME, now()),
                Err(Reject::Malformed(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn recipient_type_size_and_shape() {
    assert_eq!(
        check_envelope(
            &env(types::FEED_UPDATED, "https://c.example/", now()),
            ME,
            now()
        ),
        Err(Reject::WrongRecipient)
    );
    // `to` is compared in normalised form.
    assert!(check_envelope(
        &env(types::FEED_UPDATED, "HTTPS://B.EXAMPLE", now()),
        ME,
        now()
    )
    .is_ok());
    assert!(matches!(
        check_envelope(&env("friend.poke", ME, now()), ME, now()),
        Err(Reject::UnknownType(_))
    ));
    assert_eq!(
        check_envelope(&vec![b' '; MAX_ENVELOPE + 1], ME, now()),
        Err(Reject::TooLarge)
    );
    assert!(matches!(
        check_envelope(b"{not json", ME, now()),
        Err(Reject::Malformed(_))
    ));
    let bad_id = String::from_utf8(env(types::FEED_UPDATED, ME, now()))
        .unwrap()
        .replace("0123456789abcdef0123456789abcdef", "x");
    assert!(matches!(
        check_envelope(bad_id.as_bytes(), ME, now()),
        Err(Reject::Malformed(_))
    ));
    let v2 = String::from_utf8(env(types::FEED_UPDATED, ME, now()))
        .unwrap()
        .replace("\"v\":1", "\"v\":2");
    assert_eq!(
        check_envelope(v2.as_bytes(), ME, now()),
        Err(Reject::UnsupportedVersion(2))
    );
}

#[test]
fn bodies_are_typed() {
    let raw = envelope_bytes(
        types::FRIEND_REQUEST,
        "0123456789abcdef0123456789abcdef",
        "https://a.example/",
        ME,
        now(),
        &serde_json::json!({"name": 5}),
    );
    let e = check_envelope(&raw, ME, now()).unwrap();
    assert!(matches!(
        body::<FriendRequest>(&e),
        Err(Reject::Malformed(_))
    ));
}

#[test]
fn keys_encode_and_decode() {
    let k = key(7).verifying_key();
    assert_eq!(decode_key(&encode_key(&k)).unwrap(), k);
    assert!(decode_key("rsa:abc").is_err());
    assert!(decode_key("ed25519:AAAA").is_err());
}

#[test]
fn urls_normalise() {
    assert_eq!(
        normalize_url("HTTPS://A.Example").as_deref(),
        Some("https://a.example/")
    );
    assert_eq!(
        normalize_url("http://127.0.0.1:8080/blog").as_deref(),
        Some("http://127.0.0.1:8080/blog/")
    );
    assert_eq!(normalize_url("ftp://a.example/"), None);
    assert_eq!(normalize_url("https://user@a.example/"), None);
}

fn max_load(recipients: &[String], buckets: u16) -> usize {
    let mut load = vec![0usize; buckets as usize];
    for r in recipients {
        load[bucket_of(r, buckets) as usize] += 1;
    }
    load.into_iter().max().unwrap_or(0)
}

#[test]
fn no_epoch_bucket_holds_more_than_64_recipients() {
    for n in [1usize, 64, 65, 100, 128, 129, 200, 300, 1000] {
        let recipients: Vec<String> = (0..n).map(|i| format!("age1test{i}")).collect();
        let buckets = epoch_buckets(&recipients);
        assert!(
            max_load(&recipients, buckets) <= EPOCH_BUCKET,
            "{n} recipients in {buckets} buckets"
        );
        assert!(buckets as usize >= n.div_ceil(EPOCH_BUCKET));
    }
}

#[test]
fn statuses_are_client_errors() {
    for r in [
        Reject::TooLarge,
        Reject::Malformed(String::new()),
        Reject::WrongRecipient,
        Reject::Expired,
        Reject::BadSignature,
        Reject::NotFriend,
        Reject::Replay,
    ] {
        assert!((400..500).contains(&r.status()), "{r:?}");
    }
    let keys = |n: usize| (0..n).map(|i| format!("age1k{i}")).collect::<Vec<_>>();
    assert_eq!(epoch_buckets(&keys(0)), 1);
    assert_eq!(epoch_buckets(&keys(1)), 1);
    assert_eq!(epoch_buckets(&keys(EPOCH_BUCKET)), 1);
    assert!(epoch_buckets(&keys(EPOCH_BUCKET + 1)) >= 2);
    assert!(bucket_of("age1abc", 7) < 7);
    assert_eq!(bucket_of("age1abc", 7), bucket_of("age1abc", 7));
    assert_eq!(page_of(1), 1);
    assert_eq!(page_of(CHANGES_PER_PAGE), 1);
    assert_eq!(page_of(CHANGES_PER_PAGE + 1), 2);
}
