//! Helpers shared by the unit tests of the federation modules.

use super::protocol;
use crate::store::Friend;

/// A mutual friend at `url` whose signing key is `key`.
pub fn friend(url: &str, key: &ed25519_dalek::SigningKey) -> Friend {
    Friend {
        url: url.into(),
        name: "Ann".into(),
        state: "friend".into(),
        signing_key: protocol::encode_key(&key.verifying_key()),
        encryption_key: age::x25519::Identity::generate().to_public().to_string(),
        inbox: format!("{url}inbox"),
        feed: format!("{url}{}", protocol::FEED_PATH),
        avatar: None,
        created: 0,
        last_seq: 0,
        feed_etag: None,
        last_pull: None,
        last_pull_error: None,
        last_heard: None,
    }
}
