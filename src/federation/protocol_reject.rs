//! Why a receiver refuses a message (PROTOCOL.md §4.2): one status and
//! one code each, and the JSON error body.

use super::{MAX_AGE_SECS, MAX_AHEAD_SECS, MAX_ENVELOPE, SIGNATURE_HEADER, VERSION};

/// `Retry-After` of a `429 rate_limited`: the stranger limit is per minute.
pub const RATE_LIMIT_RETRY_SECS: u64 = 60;

/// Why a receiver refused a message. Each maps to one status and code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reject {
    TooLarge,
    Malformed(String),
    UnsupportedVersion(u32),
    UnknownType(String),
    WrongRecipient,
    Expired,
    MissingSignature,
    BadSignature,
    KeyMismatch(String),
    /// A stranger's discovery document could not be read (network, TLS,
    /// HTTP status, not JSON): nothing is known of its key yet.
    DiscoveryFailed(String),
    /// A reaction to something that is not one of the receiver's posts.
    NoSuchPost(String),
    NotFriend,
    Replay,
    /// A message that does not decrypt (tampered, or for another key).
    Undecryptable(String),
    /// Too many friend requests from strangers right now.
    RateLimited,
}

impl Reject {
    pub fn status(&self) -> u16 {
        match self {
            Reject::TooLarge => 413,
            Reject::Malformed(_)
            | Reject::UnsupportedVersion(_)
            | Reject::UnknownType(_)
            | Reject::Undecryptable(_) => 400,
            Reject::WrongRecipient => 421,
            Reject::Expired | Reject::MissingSignature | Reject::BadSignature => 401,
            Reject::KeyMismatch(_) | Reject::NotFriend => 403,
            Reject::DiscoveryFailed(_) => 502,
            Reject::NoSuchPost(_) => 404,
            Reject::Replay => 409,
            Reject::RateLimited => 429,
        }
    }

    /// Seconds a sender must wait before retrying, sent as `Retry-After`.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Reject::RateLimited => Some(RATE_LIMIT_RETRY_SECS),
            _ => None,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Reject::TooLarge => "too_large",
            Reject::Malformed(_) => "malformed",
            Reject::UnsupportedVersion(_) => "unsupported_version",
            Reject::UnknownType(_) => "unknown_type",
            Reject::WrongRecipient => "wrong_recipient",
            Reject::Expired => "expired",
            Reject::MissingSignature => "missing_signature",
            Reject::BadSignature => "bad_signature",
            Reject::KeyMismatch(_) => "key_mismatch",
            Reject::DiscoveryFailed(_) => "discovery_failed",
            Reject::NoSuchPost(_) => "no_such_post",
            Reject::NotFriend => "not_friend",
            Reject::Replay => "replay",
            Reject::Undecryptable(_) => "undecryptable",
            Reject::RateLimited => "rate_limited",
        }
    }
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reject::TooLarge => write!(f, "envelope is larger than {MAX_ENVELOPE} bytes"),
            Reject::Malformed(m) => write!(f, "malformed envelope: {m}"),
            Reject::UnsupportedVersion(v) => write!(
                f,
                "protocol version {v} is not supported (this site speaks {VERSION})"
            ),
            Reject::UnknownType(t) => write!(f, "unknown message type `{t}`"),
            Reject::WrongRecipient => write!(f, "`to` is not this site"),
            Reject::Expired => write!(
                f,
                "`sent` is outside the accepted window (-{MAX_AGE_SECS}s, +{MAX_AHEAD_SECS}s)"
            ),
            Reject::MissingSignature => write!(f, "no {SIGNATURE_HEADER} header"),
            Reject::BadSignature => write!(f, "signature does not verify"),
            Reject::KeyMismatch(m) => write!(f, "key mismatch: {m}"),
            Reject::NoSuchPost(p) => write!(f, "{p} is not a post of this site"),
            Reject::DiscoveryFailed(m) => {
                write!(f, "cannot read the sender's discovery document: {m}")
            }
            Reject::NotFriend => write!(f, "sender is not a friend of this site"),
            Reject::Replay => write!(f, "message id was already received"),
            Reject::Undecryptable(m) => write!(f, "message cannot be decrypted: {m}"),
            Reject::RateLimited => write!(
                f,
                "too many friend requests from unknown sites; retry later"
            ),
        }
    }
}

/// The error code of an address that has no inbox (a `serve` preview).
pub const NO_INBOX: &str = "no_inbox";

/// The JSON error body every rejection carries.
pub fn error_body(code: &str, message: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "error": code, "message": message }))
        .unwrap_or_else(|_| b"{}".to_vec())
}
