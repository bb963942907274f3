//! Rotating the encryption key.

use super::{deliver, rebuild, Outcome};
use crate::federation::friends::Node;
use crate::federation::keys;
use crate::words::count;
use std::path::Path;

/// Makes a new encryption key (the old one is kept for reading old
/// messages), tells every friend, and rebuilds `public/` when it exists so
/// the discovery document and the friends-only epoch follow.
pub fn rotate(root: &Path) -> anyhow::Result<Outcome> {
    let k = keys::rotate_encryption(root)?;
    let mut out = Outcome::said(format!("new encryption key {}", k.encryption_public()));
    let node = Node::open(root)?;
    let n = node.announce_keys()?;
    out.done.push(format!("telling {}", count(n, "friend")));
    out.enqueued = n;
    out.sent = deliver(&node)?;
    if root.join("public").is_dir() {
        rebuild(root)?;
        out.done.push("rebuilt public/ (discovery document)".into());
    }
    Ok(out)
}
