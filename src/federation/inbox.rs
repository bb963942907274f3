//! Handling one `POST /inbox`: every protocol check, then the message's
//! effect and its id recorded in one transaction, so a rejected message
//! stores nothing.

use super::client::Client;
use super::limit::InboxLimits;
use super::outbox::{self, lock};
use super::protocol::{self, types, Envelope, Reject};
use super::Me;
use crate::store::{Friend, Store};
use chrono::{DateTime, Utc};
use std::sync::Mutex;

/// Incoming friend requests kept waiting at most; more are refused.
pub const MAX_PENDING_REQUESTS: usize = 500;
const MAX_NAME: usize = 100;

/// What an accepted message asks the sidecar to do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Accepted {
    FriendRequest {
        from: String,
    },
    Friendship {
        from: String,
    },
    Removed {
        from: String,
    },
    FeedUpdated {
        from: String,
        version: u64,
        pull: bool,
    },
    Message {
        from: String,
    },
    Cleared {
        from: String,
    },
    KeysUpdated {
        from: String,
    },
    /// A reply to check against the sender's change log.
    Reply {
        from: String,
        url: String,
        parent: String,
    },
    Reaction {
        from: String,
    },
    Mention {
        from: String,
    },
}

impl Accepted {
    pub fn describe(&self) -> String {
        match self {
            Accepted::FriendRequest { from } => format!("friend.request from {from}"),
            Accepted::Friendship { from } => format!("friendship with {from} confirmed"),
            Accepted::Removed { from } => format!("friend.remove from {from}"),
            Accepted::Message { from } => format!("message from {from}"),
            Accepted::Cleared { from } => format!("message.clear from {from}"),
            Accepted::KeysUpdated { from } => format!("keys.updated from {from}"),
            Accepted::Reply { from, url, .. } => format!("reply {url} from {from}"),
            Accepted::Reaction { from } => format!("reaction from {from}"),
            Accepted::Mention { from } => format!("mention from {from}"),
            Accepted::FeedUpdated { from, pull, .. } => {
                format!(
                    "feed.updated from {from}{}",
                    if *pull { "" } else { " (already up to date)" }
                )
            }
        }
    }
}

pub fn clean_name(name: &str) -> String {
    let s: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME)
        .collect();
    let s = s.trim();
    if s.is_empty() {
        "(unnamed)".into()
    } else {
        s.to_string()
    }
}

fn pinned_key(f: &Friend) -> Result<ed25519_dalek::VerifyingKey, Reject> {
    protocol::decode_key(&f.signing_key).map_err(Reject::KeyMismatch)
}

/// One `POST /inbox` as it arrived.
pub struct Inbound<'a> {
    pub raw: &'a [u8],
    pub signature: Option<&'a str>,
    /// The TCP peer, for per-source limits.
    pub peer: Option<std::net::IpAddr>,
    pub now: DateTime<Utc>,
}

/// What became of a message that passed every check made on the request path.
#[derive(Debug)]
pub enum Outcome {
    Accepted(Accepted),
    /// A stranger's friend request: its sender's discovery document must be
    /// read before it is stored, off the request path (`verify_request`).
    Verify(PendingRequest),
}

/// A correctly signed friend request from an unknown site, waiting for the
/// check of its sender's published key.
#[derive(Debug)]
pub struct PendingRequest {
    env: Envelope,
    raw: Vec<u8>,
    signature: Option<String>,
    now: DateTime<Utc>,
}

impl PendingRequest {
    pub fn from(&self) -> &str {
        &self.env.from
    }
}

/// Checks one message without touching the network and applies it, or
/// hands a stranger's friend request back for verification. The outer error
/// is an internal failure (HTTP 500); the inner one a rejection (4xx).
pub fn handle(
    store: &Mutex<Store>,
    me: &Me,
    limits: &InboxLimits,
    max_per_minute: u32,
    msg: &Inbound<'_>,
) -> anyhow::Result<Result<Outcome, Reject>> {
    let env = match protocol::check_envelope(msg.raw, &me.url, msg.now) {
        Ok(e) => e,
        Err(r) => return Ok(Err(r)),
    };
    let known = lock(store).friend(&env.from)?;
    let Some(f) = known else {
        if env.kind != types::FRIEND_REQUEST {
            return Ok(Err(Reject::NotFriend));
        }
        return Ok(check_stranger(store, limits, env, msg)?.map(Outcome::Verify));
    };
    if let Err(r) = pinned_key(&f).and_then(|k| protocol::verify(msg.raw, msg.signature, &k)) {
        return Ok(Err(r));
    }
    // Counted after the signature, so forgeries cannot use up a friend's quota.
    if limits.friend(&f.url, max_per_minute).is_err() {
        return Ok(Err(Reject::RateLimited));
    }
    Ok(commit(store, me, &env, Some(&f), None, msg.now)?.map(Outcome::Accepted))
}

/// The cheap checks of a stranger's friend request: its signature with the
/// key it carries, the rate limits, and room for one more pending request.
fn check_stranger(
    store: &Mutex<Store>,
    limits: &InboxLimits,
    env: Envelope,
    msg: &Inbound<'_>,
) -> anyhow::Result<Result<PendingRequest, Reject>> {
    let req: protocol::FriendRequest = match protocol::body(&env) {
        Ok(r) => r,
        Err(r) => return Ok(Err(r)),
    };
    let checked = protocol::decode_key(&req.key)
        .map_err(Reject::KeyMismatch)
        .and_then(|key| protocol::verify(msg.raw, msg.signature, &key));
    if let Err(r) = checked {
        return Ok(Err(r));
    }
    if limits.stranger(msg.peer, &req.key).is_err()
        || pending_requests(&lock(store))? >= MAX_PENDING_REQUESTS
    {
        return Ok(Err(Reject::RateLimited));
    }
    Ok(Ok(PendingRequest {
        env,
        raw: msg.raw.to_vec(),
        signature: msg.signature.map(str::to_string),
        now: msg.now,
    }))
}

fn pending_requests(s: &Store) -> anyhow::Result<usize> {
    Ok(s.friends()?
        .iter()
        .filter(|f| f.state == "incoming")
        .count())
}

/// Completes a stranger's friend request: reads the sender's discovery
/// document and stores the request if the key matches. Runs off the request
/// path; the sender already had its 202, so the detail is only logged.
pub fn verify_request(
    store: &Mutex<Store>,
    client: &Client,
    me: &Me,
    p: &PendingRequest,
) -> anyhow::Result<Result<Accepted, Reject>> {
    // The site may have become known meanwhile (a second request, or we asked it).
    // Bound first: a guard in the `if let` would live through `commit` (edition 2021).
    let known = lock(store).friend(&p.env.from)?;
    if let Some(f) = known {
        let sig = p.signature.as_deref();
        if let Err(r) = pinned_key(&f).and_then(|k| protocol::verify(&p.raw, sig, &k)) {
            return Ok(Err(r));
        }
        return commit(store, me, &p.env, Some(&f), None, p.now);
    }
    let stranger = match verify_stranger(client, &p.env) {
        Ok(f) => f,
        Err(r) => return Ok(Err(r)),
    };
    commit(store, me, &p.env, None, Some(stranger), p.now)
}

/// Applies a checked message and records its id in one transaction.
fn commit(
    store: &Mutex<Store>,
    me: &Me,
    env: &Envelope,
    known: Option<&Friend>,
    stranger: Option<Stranger>,
    now: DateTime<Utc>,
) -> anyhow::Result<Result<Accepted, Reject>> {
    let now_ms = now.timestamp_millis();
    let mut st = lock(store);
    st.transaction(|s| {
        let result = apply(s, me, env, known, stranger, now)?;
        if result.is_ok() {
            if !s.record_seen(&env.from, &env.id, now_ms)? {
                // Roll back the effect too: the whole message was a replay.
                return Err(ReplayMarker.into());
            }
            s.mark_heard(&env.from, now_ms)?;
            // They are reachable: retry what waits for them now.
            s.wake(&env.from, now_ms)?;
        }
        Ok(result)
    })
    .or_else(|e| {
        if e.downcast_ref::<ReplayMarker>().is_some() {
            Ok(Err(Reject::Replay))
        } else {
            Err(e)
        }
    })
}

#[cfg(test)]
#[path = "inbox_tests.rs"]
mod handle_tests;

#[path = "inbox_apply.rs"]
mod apply_kinds;
use apply_kinds::apply;

#[derive(Debug)]
struct ReplayMarker;
impl std::fmt::Display for ReplayMarker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("replay")
    }
}
impl std::error::Error for ReplayMarker {}

/// A friend request from an unknown site (its signature already checked
/// with the key it carries): that key must be the one the sender's own site
/// publishes.
fn verify_stranger(client: &Client, env: &Envelope) -> Result<Stranger, Reject> {
    let req: protocol::FriendRequest = protocol::body(env)?;
    let url = format!("{}{}", env.from, protocol::DISCOVERY_PATH);
    let disc: protocol::Discovery = client
        .get_json(&url)
        .map_err(|e| Reject::DiscoveryFailed(super::client::cause(&e)))?;
    if protocol::normalize_url(&disc.url).as_deref() != Some(env.from.as_str()) {
        return Err(Reject::KeyMismatch(format!(
            "discovery document at {url} is for {}",
            disc.url
        )));
    }
    if disc.keys.signing != req.key {
        return Err(Reject::KeyMismatch(
            "the key in the request is not the one the sender's site publishes".into(),
        ));
    }
    for (what, u) in [("inbox", &disc.inbox), ("feed", &disc.feed)] {
        if protocol::normalize_url(u).is_none() {
            return Err(Reject::Malformed(format!(
                "discovery `{what}` is not an http(s) URL"
            )));
        }
    }
    let accepts = disc.accepts;
    let friend = Friend {
        url: env.from.clone(),
        name: clean_name(&disc.name),
        state: "incoming".into(),
        signing_key: disc.keys.signing,
        encryption_key: disc.keys.encryption,
        inbox: disc.inbox,
        feed: disc.feed,
        avatar: disc.avatar.filter(|a| protocol::normalize_url(a).is_some()),
        created: crate::store::now_ms(),
        last_seq: 0,
        feed_etag: None,
        last_pull: None,
        last_pull_error: None,
        last_heard: None,
    };
    Ok(Stranger { friend, accepts })
}

/// A stranger whose friend request checked out, with the message types its
/// discovery document lists.
struct Stranger {
    friend: Friend,
    accepts: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::federation::keys::Keys;
    use ed25519_dalek::SigningKey;

    const THEM: &str = "https://them.example/";

    fn me() -> Me {
        Me {
            url: "https://me.example/".into(),
            name: "Me".into(),
            keys: Keys {
                signing: SigningKey::from_bytes(&[1; 32]),
                encryption: age::x25519::Identity::generate(),
                retired: vec![],
            },
        }
    }

    /// A request from THEM that a verify worker picks up after THEM became known.
    fn pending(me: &Me, key: &SigningKey) -> PendingRequest {
        let now = Utc::now();
        let body =
            serde_json::json!({"name": "Them", "key": protocol::encode_key(&key.verifying_key())});
        let raw = protocol::envelope_bytes(
            types::FRIEND_REQUEST,
            &crate::federation::new_id().unwrap(),
            THEM,
            &me.url,
            now,
            &body,
        );
        PendingRequest {
            env: protocol::check_envelope(&raw, &me.url, now).unwrap(),
            signature: Some(protocol::sign(&raw, key)),
            raw,
            now,
        }
    }

    #[test]
    fn a_request_from_a_site_known_by_then_is_checked_with_its_pinned_key() {
        let me = me();
        let key = SigningKey::from_bytes(&[2; 32]);
        let store = Store::in_memory().unwrap();
        store
            .upsert_friend(&Friend {
                name: "Them".into(),
                state: "incoming".into(),
                ..crate::federation::testing::friend(THEM, &key)
            })
            .unwrap();
        let store = std::sync::Arc::new(Mutex::new(store));
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = std::sync::Arc::clone(&store);
        let good = pending(&me, &key);
        let forged = pending(&me, &SigningKey::from_bytes(&[3; 32]));
        std::thread::spawn(move || {
            let client = Client::new(false);
            let a = verify_request(&shared, &client, &me, &good).map_err(|e| e.to_string());
            let b = verify_request(&shared, &client, &me, &forged).map_err(|e| e.to_string());
            let _ = tx.send((a, b));
        });
        // Bounded: a lock held across the store update would hang here.
        let (a, b) = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("verify_request finished");
        assert_eq!(a, Ok(Ok(Accepted::FriendRequest { from: THEM.into() })));
        assert!(matches!(b, Ok(Err(Reject::BadSignature))), "{b:?}");
    }
}
