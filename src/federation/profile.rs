//! Keeping a friend's name, avatar and accepted message types current: their
//! discovery document is read again, conditionally, whenever a pull finds
//! their feed changed. Keys are never taken from it; they stay as pinned at
//! the first contact.

use super::client::{Client, Fetched, MAX_DOCUMENT};
use super::outbox::lock;
use super::protocol::{self, Discovery};
use crate::store::{Friend, Store};
use anyhow::{bail, Context as _};
use std::sync::Mutex;

/// Characters of a friend's bio that are kept.
const MAX_BIO: usize = 300;

/// A bio without control characters, at most [`MAX_BIO`] characters; None
/// when nothing is left.
fn clean_bio(bio: &str) -> Option<String> {
    let s: String = bio
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_BIO)
        .collect();
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Refreshes `friend`'s name, avatar and bio; true when either changed.
pub fn refresh(store: &Mutex<Store>, client: &Client, friend: &Friend) -> anyhow::Result<bool> {
    let url = format!("{}{}", friend.url, protocol::DISCOVERY_PATH);
    let etag = lock(store).discovery_etag(&friend.url)?;
    let (bytes, etag) = match client.get(&url, etag.as_deref(), MAX_DOCUMENT)? {
        Fetched::NotModified => return Ok(false),
        Fetched::Body { bytes, etag } => (bytes, etag),
    };
    let disc: Discovery = serde_json::from_slice(&bytes)
        .with_context(|| format!("{url}: not a discovery document"))?;
    if protocol::normalize_url(&disc.url).as_deref() != Some(friend.url.as_str()) {
        bail!("{url} describes {}, not {}", disc.url, friend.url);
    }
    let name = super::inbox::clean_name(&disc.name);
    let avatar = disc.avatar.filter(|a| protocol::normalize_url(a).is_some());
    let bio = disc.bio.as_deref().and_then(clean_bio);
    let st = lock(store);
    st.set_profile(
        &friend.url,
        &name,
        avatar.as_deref(),
        bio.as_deref(),
        etag.as_deref(),
    )?;
    // A friend who upgrades starts taking new message types (replies,
    // reactions) from their next document on (PROTOCOL.md §3).
    st.set_accepts(&friend.url, disc.accepts.as_deref())?;
    Ok(name != friend.name || avatar != friend.avatar)
}

#[cfg(test)]
mod tests {
    use super::clean_bio;

    #[test]
    fn bios_lose_control_characters_and_are_capped() {
        assert_eq!(
            clean_bio(" Walks\u{7}, bread \n"),
            Some("Walks, bread".into())
        );
        assert_eq!(clean_bio("\u{1b}  "), None);
        assert_eq!(clean_bio(&"x".repeat(1000)).map(|b| b.len()), Some(300));
    }
}
