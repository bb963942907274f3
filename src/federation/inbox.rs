//! Handling one `POST /inbox`: every protocol check, then the message's
//! effect and its id recorded in one transaction, so a rejected message
//! stores nothing.

use super::client::Client;
use super::outbox::{self, lock};
use super::protocol::{self, types, Envelope, Reject};
use super::Me;
use crate::store::{Friend, Store};
use chrono::{DateTime, Utc};
use std::sync::Mutex;

/// Friend requests from unknown sites accepted per minute: each costs an
/// outgoing fetch of the sender's discovery document.
pub const STRANGER_REQUESTS_PER_MINUTE: u32 = 30;

/// A fixed-window counter for requests from strangers.
#[derive(Default)]
pub struct StrangerLimit(Mutex<Option<(std::time::Instant, u32)>>);

impl StrangerLimit {
    pub fn allow(&self) -> bool {
        let mut w = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = std::time::Instant::now();
        match &mut *w {
            Some((start, n)) if now.duration_since(*start).as_secs() < 60 => {
                *n += 1;
                *n <= STRANGER_REQUESTS_PER_MINUTE
            }
            _ => {
                *w = Some((now, 1));
                true
            }
        }
    }
}

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

/// Checks and applies one message. The outer error is an internal failure
/// (HTTP 500); the inner one a rejection of the message (4xx).
pub fn handle(
    store: &Mutex<Store>,
    client: &Client,
    me: &Me,
    limit: &StrangerLimit,
    raw: &[u8],
    signature: Option<&str>,
    now: DateTime<Utc>,
) -> anyhow::Result<Result<Accepted, Reject>> {
    let env = match protocol::check_envelope(raw, &me.url, now) {
        Ok(e) => e,
        Err(r) => return Ok(Err(r)),
    };
    let known = lock(store).friend(&env.from)?;
    // Checks that need the network (a stranger's discovery document) run
    // before the store is locked.
    let stranger = match (&known, env.kind.as_str()) {
        (None, types::FRIEND_REQUEST) => match verify_stranger(client, limit, &env, raw, signature)
        {
            Ok(f) => Some(f),
            Err(r) => return Ok(Err(r)),
        },
        (None, _) => return Ok(Err(Reject::NotFriend)),
        (Some(f), _) => {
            if let Err(r) = pinned_key(f).and_then(|k| protocol::verify(raw, signature, &k)) {
                return Ok(Err(r));
            }
            None
        }
    };
    let now_ms = now.timestamp_millis();
    let mut st = lock(store);
    st.transaction(|s| {
        let result = apply(s, me, &env, known.as_ref(), stranger, now)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stranger_limit_caps_a_burst() {
        let l = StrangerLimit::default();
        let allowed = (0..100).filter(|_| l.allow()).count();
        assert_eq!(allowed as u32, STRANGER_REQUESTS_PER_MINUTE);
    }
}

#[derive(Debug)]
struct ReplayMarker;
impl std::fmt::Display for ReplayMarker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("replay")
    }
}
impl std::error::Error for ReplayMarker {}

/// A friend request from an unknown site: the signature must verify with
/// the key in the message, and that key must be the one the sender's own
/// site publishes.
fn verify_stranger(
    client: &Client,
    limit: &StrangerLimit,
    env: &Envelope,
    raw: &[u8],
    signature: Option<&str>,
) -> Result<Stranger, Reject> {
    let req: protocol::FriendRequest = protocol::body(env)?;
    let key = protocol::decode_key(&req.key).map_err(Reject::KeyMismatch)?;
    protocol::verify(raw, signature, &key)?;
    if !limit.allow() {
        return Err(Reject::RateLimited);
    }
    let url = format!("{}{}", env.from, protocol::DISCOVERY_PATH);
    let disc: protocol::Discovery = client.get_json(&url).map_err(|e| {
        Reject::KeyMismatch(format!(
            "cannot read the sender's discovery document: {e:#}"
        ))
    })?;
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

fn apply(
    s: &Store,
    me: &Me,
    env: &Envelope,
    known: Option<&Friend>,
    stranger: Option<Stranger>,
    now: DateTime<Utc>,
) -> anyhow::Result<Result<Accepted, Reject>> {
    let from = env.from.clone();
    let ok = |a| Ok(Ok(a));
    match (env.kind.as_str(), known) {
        (types::FRIEND_REQUEST, None) => {
            let Some(Stranger { friend: f, accepts }) = stranger else {
                return Ok(Err(Reject::NotFriend));
            };
            let pending = s
                .friends()?
                .iter()
                .filter(|f| f.state == "incoming")
                .count();
            if pending >= MAX_PENDING_REQUESTS {
                return Ok(Err(Reject::Malformed(
                    "too many pending friend requests; try later".into(),
                )));
            }
            s.upsert_friend(&f)?;
            s.set_accepts(&f.url, accepts.as_deref())?;
            ok(Accepted::FriendRequest { from })
        }
        (types::FRIEND_REQUEST, Some(f)) => {
            if let Err(r) = protocol::body::<protocol::FriendRequest>(env) {
                return Ok(Err(r));
            }
            match f.state.as_str() {
                "incoming" => ok(Accepted::FriendRequest { from }),
                // Both asked, or they lost their state: the friendship stands.
                _ => {
                    s.set_friend_state(&f.url, "friend")?;
                    outbox::enqueue(
                        s,
                        &f.url,
                        &f.inbox,
                        types::FRIEND_ACCEPT,
                        &serde_json::to_value(protocol::FriendAccept {
                            name: me.name.clone(),
                        })?,
                    )?;
                    ok(Accepted::Friendship { from })
                }
            }
        }
        (types::FRIEND_ACCEPT, Some(f)) if f.state == "outgoing" || f.state == "friend" => {
            if let Err(r) = protocol::body::<protocol::FriendAccept>(env) {
                return Ok(Err(r));
            }
            s.set_friend_state(&f.url, "friend")?;
            ok(Accepted::Friendship { from })
        }
        (types::FRIEND_REMOVE, Some(f)) => {
            s.remove_friend(&f.url)?;
            ok(Accepted::Removed { from })
        }
        (types::FEED_UPDATED, Some(f)) if f.state == "friend" => {
            let body: protocol::FeedUpdated = match protocol::body(env) {
                Ok(b) => b,
                Err(r) => return Ok(Err(r)),
            };
            ok(Accepted::FeedUpdated {
                from,
                version: body.version,
                pull: body.version as i64 > f.last_seq,
            })
        }
        (types::MESSAGE, Some(f)) if f.state == "friend" => {
            let body: protocol::Message = match protocol::body(env) {
                Ok(b) => b,
                Err(r) => return Ok(Err(r)),
            };
            let text = match super::private::open_message(&body.ciphertext, &me.keys.identities()) {
                Ok(t) => t,
                Err(e) => return Ok(Err(Reject::Undecryptable(format!("{e:#}")))),
            };
            s.add_message(&crate::store::Message {
                peer: f.url.clone(),
                id: env.id.clone(),
                direction: "in".into(),
                body: text,
                at: protocol::order_time(body.written.as_deref(), &env.sent, now),
                state: "received".into(),
                read: false,
            })?;
            ok(Accepted::Message { from })
        }
        (types::MESSAGE_CLEAR, Some(f)) => {
            if let Err(r) = protocol::body::<protocol::MessageClear>(env) {
                return Ok(Err(r));
            }
            s.clear_messages(&f.url)?;
            ok(Accepted::Cleared { from })
        }
        (types::KEYS_UPDATED, Some(f)) if f.state != "incoming" => {
            let body: protocol::KeysUpdated = match protocol::body(env) {
                Ok(b) => b,
                Err(r) => return Ok(Err(r)),
            };
            if let Err(e) = super::private::parse_recipient(&body.encryption) {
                return Ok(Err(Reject::Malformed(e.to_string())));
            }
            s.set_encryption_key(&f.url, &body.encryption)?;
            ok(Accepted::KeysUpdated { from })
        }
        _ => Ok(Err(Reject::NotFriend)),
    }
}
