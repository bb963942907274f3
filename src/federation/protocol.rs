//! The `microsocial/1` wire protocol: envelopes, message bodies, documents
//! and the checks a receiver makes. Pure: no I/O, no clock, no randomness —
//! callers pass those in — so every rule here is unit-tested.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

pub const PROTOCOL: &str = "microsocial/1";
pub const VERSION: u32 = 1;
/// Largest envelope a receiver accepts, in bytes.
pub const MAX_ENVELOPE: usize = 64 * 1024;
/// Accepted clock skew: `sent` must lie in [now - MAX_AGE, now + MAX_AHEAD].
pub const MAX_AGE_SECS: i64 = 10 * 60;
pub const MAX_AHEAD_SECS: i64 = 5 * 60;
pub const SIGNATURE_HEADER: &str = "Microsocial-Signature";
pub const DISCOVERY_PATH: &str = ".well-known/microsocial.json";
pub const FEED_PATH: &str = "federation/feed.json";
/// Changes per archive page of the federation feed.
pub const CHANGES_PER_PAGE: u64 = 100;
/// Changes carried inline by the feed head.
pub const HEAD_CHANGES: u64 = 20;
/// Signatures cover this prefix plus the exact body bytes, so a signature
/// made for this protocol can never be replayed as anything else.
const SIGNING_CONTEXT: &[u8] = b"microsocial/1 envelope\n";

pub mod types {
    pub const FRIEND_REQUEST: &str = "friend.request";
    pub const FRIEND_ACCEPT: &str = "friend.accept";
    pub const FRIEND_REMOVE: &str = "friend.remove";
    pub const FEED_UPDATED: &str = "feed.updated";
    pub const MESSAGE: &str = "message";
    pub const MESSAGE_CLEAR: &str = "message.clear";
    pub const KEYS_UPDATED: &str = "keys.updated";
    pub const REPLY: &str = "reply";
    pub const REACTION: &str = "reaction";
    pub const MENTION: &str = "mention";
    pub const ALL: &[&str] = &[
        FRIEND_REQUEST,
        FRIEND_ACCEPT,
        FRIEND_REMOVE,
        FEED_UPDATED,
        MESSAGE,
        MESSAGE_CLEAR,
        KEYS_UPDATED,
        REPLY,
        REACTION,
        MENTION,
    ];
    /// What a site that publishes no `accepts` list takes: every type of
    /// `microsocial/1` as first released. Types added later must be listed.
    pub const BASE_SET: &[&str] = ALL.split_at(7).0;
    /// Every site takes these, listed or not: friendship needs them.
    pub const ALWAYS: &[&str] = &[FRIEND_REQUEST, FRIEND_ACCEPT, FRIEND_REMOVE];
}

/// Whether a site whose discovery document lists `accepts` (None: no list)
/// takes messages of type `kind`.
pub fn accepts(list: Option<&[String]>, kind: &str) -> bool {
    types::ALWAYS.contains(&kind)
        || match list {
            None => types::BASE_SET.contains(&kind),
            Some(l) => l.iter().any(|t| t == kind),
        }
}

/// What travels in the body of `POST /inbox`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub v: u32,
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub from: String,
    pub to: String,
    pub sent: String,
    pub body: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FriendRequest {
    pub name: String,
    /// The sender's signing key, as published in its discovery document.
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FriendAccept {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FriendRemove {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedUpdated {
    /// Informational: the sender's head URL as its discovery document gives
    /// it. Receivers pull from the pinned URL and accept its absence.
    #[serde(default)]
    pub feed: String,
    /// The sequence number of the newest change in the feed.
    pub version: u64,
}

/// A private message: the text, padded and sealed to the recipient's
/// encryption key (see `federation::private`), as base64.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub ciphertext: String,
    /// When the sender wrote the message (RFC 3339, UTC, milliseconds). It
    /// stays the same across retries, unlike `sent`, so it orders the
    /// conversation (see [`order_time`]).
    /// Optional, so never a reason to refuse: a value that is not a time
    /// string (a number, say) counts as absent, like an unparseable string.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_or_absent"
    )]
    pub written: Option<String>,
}

fn string_or_absent<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v: serde_json::Value = Deserialize::deserialize(d)?;
    Ok(v.as_str().map(str::to_string))
}

/// Oldest `written` time a receiver believes: the outbox gives up after 7
/// days, so an older one can only be a wrong clock.
pub const MAX_WRITTEN_AGE_SECS: i64 = 8 * 24 * 3600;

/// The time a received message sorts by, in ms: the sender's signed
/// `written` time (else `sent`), clamped to [arrival − 8 days, arrival] so a
/// wrong or hostile clock cannot move it out of place for long. Equal times
/// keep arrival order.
pub fn order_time(written: Option<&str>, sent: &str, arrival: DateTime<Utc>) -> i64 {
    let parse = |t: &str| DateTime::parse_from_rfc3339(t).ok();
    let claimed = written
        .and_then(parse)
        .or_else(|| parse(sent))
        .map_or(arrival, |t| t.with_timezone(&Utc));
    let oldest = arrival - chrono::Duration::seconds(MAX_WRITTEN_AGE_SECS);
    claimed.clamp(oldest, arrival).timestamp_millis()
}

/// A time as senders write it in `written`: RFC 3339, UTC, milliseconds.
pub fn written_now(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MessageClear {}

/// The sender now encrypts to a new key; the signing key is unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeysUpdated {
    pub encryption: String,
}

/// `/.well-known/microsocial.json`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discovery {
    pub protocol: String,
    pub name: String,
    pub url: String,
    pub inbox: String,
    pub feed: String,
    #[serde(default)]
    pub avatar: Option<String>,
    /// A line about the site's owner, shown on friends' friends pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
    pub keys: PublicKeys,
    /// Message types this site's inbox takes; absent = [`types::BASE_SET`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepts: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicKeys {
    /// `ed25519:` + base64 of the 32-byte key.
    pub signing: String,
    /// An age X25519 recipient (`age1…`).
    pub encryption: String,
}

/// A post as carried by the federation feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Item {
    pub url: String,
    #[serde(default)]
    pub title: Option<String>,
    pub content_html: String,
    pub published: String,
    #[serde(default)]
    pub updated: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The post this one answers (PROTOCOL.md §13.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    /// Replies to this post that its author shows (PROTOCOL.md §13.2). An
    /// element of the wrong shape is dropped alone, never the whole item.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "each_well_formed"
    )]
    pub replies: Vec<ThreadReply>,
}

/// The elements of a `replies` array that have the right shape; a reader
/// drops the others one by one (PROTOCOL.md §13.2).
fn each_well_formed<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ThreadReply>, D::Error> {
    let all: Vec<serde_json::Value> = Deserialize::deserialize(d)?;
    Ok(all
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub seq: u64,
    /// `upsert` or `delete`.
    pub op: String,
    /// The item's permalink.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<Item>,
}

/// `federation/feed.json`: the newest changes, and where the older ones are.
/// A reader parses `changes` as raw JSON (`FeedHead<serde_json::Value>`) so
/// one malformed change is skipped instead of failing the whole head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedHead<C = Change> {
    pub protocol: String,
    pub site: String,
    pub last_seq: u64,
    pub page_size: u64,
    /// `federation/changes/{n}.json` for n in 1..=pages.
    pub pages: u64,
    /// Identifies this log: a site that loses its state starts a new log
    /// with a new id, and readers start over. Optional for older writers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    pub changes: Vec<C>,
}

/// `federation/changes/{n}.json`: changes (n-1)*page_size+1 ..= n*page_size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedPage<C = Change> {
    pub protocol: String,
    pub site: String,
    pub page: u64,
    pub changes: Vec<C>,
}

pub fn page_of(seq: u64) -> u64 {
    seq.saturating_sub(1) / CHANGES_PER_PAGE + 1
}

pub fn page_path(n: u64) -> String {
    format!("federation/changes/{n}.json")
}

#[path = "protocol_reject.rs"]
mod reject;
pub use reject::*;

/// Canonical form of a site URL (PROTOCOL.md §2); it lives below every layer
/// because the config checks URLs too.
pub use crate::siteurl::normalize as normalize_url;

pub fn encode_key(key: &VerifyingKey) -> String {
    format!("ed25519:{}", B64.encode(key.as_bytes()))
}

pub fn decode_key(text: &str) -> Result<VerifyingKey, String> {
    let b64 = text
        .strip_prefix("ed25519:")
        .ok_or_else(|| format!("key `{text}` does not start with ed25519:"))?;
    let bytes = B64
        .decode(b64)
        .map_err(|e| format!("key is not base64: {e}"))?;
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "an ed25519 key is 32 bytes".to_string())?;
    VerifyingKey::from_bytes(&arr).map_err(|e| format!("not an ed25519 key: {e}"))
}

/// The `Microsocial-Signature` header value for `payload`.
pub fn sign(payload: &[u8], key: &SigningKey) -> String {
    let mut msg = Vec::with_capacity(SIGNING_CONTEXT.len() + payload.len());
    msg.extend_from_slice(SIGNING_CONTEXT);
    msg.extend_from_slice(payload);
    format!("ed25519 {}", B64.encode(key.sign(&msg).to_bytes()))
}

pub fn verify(payload: &[u8], header: Option<&str>, key: &VerifyingKey) -> Result<(), Reject> {
    let header = header.ok_or(Reject::MissingSignature)?;
    let b64 = header
        .trim()
        .strip_prefix("ed25519 ")
        .ok_or(Reject::BadSignature)?;
    let bytes = B64.decode(b64.trim()).map_err(|_| Reject::BadSignature)?;
    let sig = Signature::from_slice(&bytes).map_err(|_| Reject::BadSignature)?;
    let mut msg = Vec::with_capacity(SIGNING_CONTEXT.len() + payload.len());
    msg.extend_from_slice(SIGNING_CONTEXT);
    msg.extend_from_slice(payload);
    key.verify_strict(&msg, &sig)
        .map_err(|_| Reject::BadSignature)
}

/// Builds the exact bytes to send for one delivery attempt. The id stays the
/// same across retries; `sent` (and so the signature) is fresh each time.
pub fn envelope_bytes(
    kind: &str,
    id: &str,
    from: &str,
    to: &str,
    now: DateTime<Utc>,
    body: &serde_json::Value,
) -> Vec<u8> {
    let env = Envelope {
        v: VERSION,
        kind: kind.to_string(),
        id: id.to_string(),
        from: from.to_string(),
        to: to.to_string(),
        sent: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        body: body.clone(),
    };
    serde_json::to_vec(&env).expect("an envelope always serialises")
}

/// Every check that needs no key and no state: size, shape, version, type,
/// recipient and clock window. `me` is this site's normalised base URL.
pub fn check_envelope(raw: &[u8], me: &str, now: DateTime<Utc>) -> Result<Envelope, Reject> {
    if raw.len() > MAX_ENVELOPE {
        return Err(Reject::TooLarge);
    }
    let env: Envelope =
        serde_json::from_slice(raw).map_err(|e| Reject::Malformed(e.to_string()))?;
    if env.v != VERSION {
        return Err(Reject::UnsupportedVersion(env.v));
    }
    if !types::ALL.contains(&env.kind.as_str()) {
        return Err(Reject::UnknownType(env.kind));
    }
    if env.id.len() != 32
        || !env
            .id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return Err(Reject::Malformed(
            "`id` must be 32 lower-case hex digits".into(),
        ));
    }
    let from = normalize_url(&env.from)
        .ok_or_else(|| Reject::Malformed("`from` is not an http(s) URL".into()))?;
    if from != env.from {
        return Err(Reject::Malformed(
            "`from` must be a normalised base URL".into(),
        ));
    }
    if normalize_url(&env.to).as_deref() != Some(me) {
        return Err(Reject::WrongRecipient);
    }
    let sent = DateTime::parse_from_rfc3339(&env.sent)
        .map_err(|_| Reject::Malformed("`sent` is not an RFC 3339 time".into()))?
        .with_timezone(&Utc);
    let age = (now - sent).num_seconds();
    if age > MAX_AGE_SECS || -age > MAX_AHEAD_SECS {
        return Err(Reject::Expired);
    }
    if !env.body.is_object() {
        return Err(Reject::Malformed("`body` must be an object".into()));
    }
    Ok(env)
}

/// Parses a body of the given type, naming the problem if it does not fit.
pub fn body<T: serde::de::DeserializeOwned>(env: &Envelope) -> Result<T, Reject> {
    serde_json::from_value(env.body.clone())
        .map_err(|e| Reject::Malformed(format!("{} body: {e}", env.kind)))
}

#[path = "protocol_conv.rs"]
mod conv;
pub use conv::*;

#[path = "protocol_epochs.rs"]
mod epochs;
pub use epochs::*;

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
