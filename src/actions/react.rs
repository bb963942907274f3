//! Reacting to a friend's post with one emoji, or taking it back.

use super::{deliver, Outcome};
use crate::federation::friends::Node;
use crate::federation::outbox::lock;

/// Queues a signed `reaction` to the friend whose post `url` is, and tries
/// delivery at once.
pub fn react(node: &Node, url: &str, emoji: &str, remove: bool) -> anyhow::Result<Outcome> {
    let url = crate::federation::protocol::normalize_url(url)
        .ok_or_else(|| anyhow::anyhow!("`{url}` is not an http(s) URL"))?;
    let f = crate::federation::reaction::send(&lock(&node.store), &url, emoji.trim(), !remove)?;
    let verb = if remove { "took back" } else { "reacted" };
    let mut out = Outcome::said(format!("{verb} {} on {url} ({})", emoji.trim(), f.name));
    out.enqueued = 1;
    out.sent = deliver(node)?;
    Ok(out)
}
