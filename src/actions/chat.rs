//! Sending and clearing private messages.

use super::{deliver, Outcome};
use crate::federation::friends::Node;
use crate::words::count;

/// Encrypts `text` to a friend, queues it and tries delivery at once.
pub fn send(node: &Node, who: &str, text: &str) -> anyhow::Result<Outcome> {
    let (f, _) = node.send_message(who, text)?;
    let mut out = Outcome::said(format!("to {}: {text}", f.name));
    out.enqueued = 1;
    out.sent = deliver(node)?;
    Ok(out)
}

/// Clears a conversation here at once and asks the friend to clear theirs.
pub fn clear(node: &Node, who: &str) -> anyhow::Result<Outcome> {
    let (f, n) = node.clear_messages(who)?;
    let mut out = Outcome::said(format!(
        "cleared {} with {} here",
        count(n, "message"),
        f.name
    ));
    out.enqueued = 1;
    out.sent = deliver(node)?;
    Ok(out)
}
