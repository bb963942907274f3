//! The inbox handler called directly, with a fixed clock.

use super::*;
use crate::federation::keys::Keys;
use crate::federation::private;
use chrono::Duration;

const ANN: &str = "https://ann.example/";
const BO: &str = "https://bo.example/";

/// `handle` for a friend's message, which is never handed on for verification.
fn handle_at(
    store: &Mutex<Store>,
    me: &Me,
    raw: &[u8],
    sig: &str,
    now: DateTime<Utc>,
) -> Result<Accepted, Reject> {
    let msg = Inbound {
        raw,
        signature: Some(sig),
        peer: None,
        now,
    };
    match handle(store, me, &InboxLimits::default(), 1000, &msg).unwrap() {
        Ok(Outcome::Accepted(a)) => Ok(a),
        Ok(Outcome::Verify(p)) => panic!("a friend's message went to verification: {p:?}"),
        Err(r) => Err(r),
    }
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

struct Bo {
    me: Me,
    store: Mutex<Store>,
    ann: ed25519_dalek::SigningKey,
}

fn bo() -> Bo {
    let me = Me {
        url: BO.into(),
        name: "Bo".into(),
        keys: Keys {
            signing: ed25519_dalek::SigningKey::from_bytes(&[2; 32]),
            encryption: age::x25519::Identity::generate(),
            retired: vec![],
        },
    };
    let ann = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
    let store = Store::in_memory().unwrap();
    store
        .upsert_friend(&crate::federation::testing::friend(ANN, &ann))
        .unwrap();
    Bo {
        me,
        store: Mutex::new(store),
        ann,
    }
}

impl Bo {
    /// Delivers a message from Ann that says `text`, signed at `sent`, with
    /// an optional `written` time, arriving at `arrival`.
    fn receive(
        &self,
        text: &str,
        sent: DateTime<Utc>,
        written: Option<&str>,
        arrival: DateTime<Utc>,
    ) {
        let ct = private::seal_message(text, &self.me.keys.encryption.to_public()).unwrap();
        let mut body = serde_json::json!({ "ciphertext": ct });
        if let Some(w) = written {
            body["written"] = w.into();
        }
        let raw = protocol::envelope_bytes(
            types::MESSAGE,
            &crate::federation::new_id().unwrap(),
            ANN,
            BO,
            sent,
            &body,
        );
        let sig = protocol::sign(&raw, &self.ann);
        let got = handle_at(&self.store, &self.me, &raw, &sig, arrival);
        assert!(got.is_ok(), "{got:?}");
    }

    fn conversation(&self) -> Vec<String> {
        lock(&self.store)
            .messages(ANN)
            .unwrap()
            .into_iter()
            .map(|m| m.body)
            .collect()
    }
}

#[test]
fn a_conversation_is_ordered_by_the_senders_time_not_arrival() {
    let bo = bo();
    let t = at("2026-11-24T12:00:00Z");
    // After an outage the retries arrive in any order.
    for (n, arrives) in [(3, 10), (1, 11), (2, 12)] {
        bo.receive(
            &format!("msg {n}"),
            t + Duration::seconds(n),
            None,
            t + Duration::seconds(arrives),
        );
    }
    assert_eq!(bo.conversation(), ["msg 1", "msg 2", "msg 3"]);
}

#[test]
fn retries_are_ordered_by_written_time_clamped_ties_by_arrival() {
    let bo = bo();
    let t = at("2026-11-24T12:00:00Z");
    // Every retry carries the same fresh `sent`; `written` is when Ann wrote it.
    bo.receive("msg 9", t, Some("2026-11-24T09:00:09.000Z"), t);
    bo.receive("msg 16", t, Some("2026-11-24T09:00:16.500Z"), t);
    bo.receive("msg 2", t, Some("2026-11-24T09:00:02.250Z"), t);
    // A `written` in Bo's future counts as arrival time; a bad one as `sent`.
    bo.receive("from the future", t, Some("2099-01-01T00:00:00Z"), t);
    bo.receive("garbled", t, Some("yesterday"), t);
    assert_eq!(
        bo.conversation(),
        ["msg 2", "msg 9", "msg 16", "from the future", "garbled"]
    );
}

#[test]
fn a_feed_ping_without_the_informational_feed_url_is_accepted() {
    let bo = bo();
    let t = at("2026-11-24T12:00:00Z");
    let raw = protocol::envelope_bytes(
        types::FEED_UPDATED,
        &crate::federation::new_id().unwrap(),
        ANN,
        BO,
        t,
        &serde_json::json!({ "version": 4 }),
    );
    let sig = protocol::sign(&raw, &bo.ann);
    let got = handle_at(&bo.store, &bo.me, &raw, &sig, t);
    assert!(
        matches!(
            got,
            Ok(Accepted::FeedUpdated {
                version: 4,
                pull: true,
                ..
            })
        ),
        "{got:?}"
    );
}

#[test]
fn messages_and_key_changes_notify_the_owner_once() {
    let bo = bo();
    let t = at("2026-11-24T12:00:00Z");
    bo.receive("hello", t, None, t);
    let new_key = age::x25519::Identity::generate().to_public().to_string();
    let body = serde_json::json!({ "encryption": new_key });
    for n in 0..2 {
        // The second announces the same key again: no news.
        let sent = t + Duration::seconds(n);
        let id = crate::federation::new_id().unwrap();
        let raw = protocol::envelope_bytes(types::KEYS_UPDATED, &id, ANN, BO, sent, &body);
        let sig = protocol::sign(&raw, &bo.ann);
        assert!(handle_at(&bo.store, &bo.me, &raw, &sig, sent).is_ok());
    }
    let kinds: Vec<String> = lock(&bo.store)
        .notifications(true)
        .unwrap()
        .into_iter()
        .map(|n| format!("{} {}", n.kind, n.from))
        .collect();
    assert_eq!(
        kinds,
        [format!("key.changed {ANN}"), format!("message {ANN}")]
    );
}

/// A ping for a version below the stored one means the friend's log
/// restarted: it causes a pull (the pull sees the restart); the same
/// version as stored does not.
#[test]
fn a_ping_below_the_stored_seq_causes_a_pull() {
    let bo = bo();
    let t = at("2026-11-24T12:00:00Z");
    lock(&bo.store)
        .conn_for_tests()
        .execute("UPDATE friends SET last_seq = 9 WHERE url = ?1", [ANN])
        .unwrap();
    let ping = |version: u64| {
        let raw = protocol::envelope_bytes(
            types::FEED_UPDATED,
            &crate::federation::new_id().unwrap(),
            ANN,
            BO,
            t,
            &serde_json::json!({ "version": version }),
        );
        let sig = protocol::sign(&raw, &bo.ann);
        match handle_at(&bo.store, &bo.me, &raw, &sig, t) {
            Ok(Accepted::FeedUpdated { pull, .. }) => pull,
            other => panic!("{other:?}"),
        }
    };
    assert!(ping(3), "a restarted log is pulled");
    assert!(!ping(9), "nothing new");
    assert!(ping(12));
}
