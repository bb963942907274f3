//! Looking into the outbox, sending an entry again, or dropping it.

use super::{deliver, Outcome};
use crate::federation::friends::Node;
use crate::federation::outbox::lock;
use crate::store::{now_ms, Lane, OutMsg};
use anyhow::anyhow;

/// Every entry, oldest first: pending ones and those given up on.
pub fn list(node: &Node) -> anyhow::Result<Vec<OutMsg>> {
    lock(&node.store).outbox()
}

fn find(node: &Node, id: &str) -> anyhow::Result<OutMsg> {
    lock(&node.store)
        .find_outbox(id)?
        .ok_or_else(|| anyhow!("no outbox entry `{id}` (see `microsocial outbox`)"))
}

/// Sends an entry again now, even one that was given up on.
pub fn retry(node: &Node, id: &str) -> anyhow::Result<Outcome> {
    let m = find(node, id)?;
    lock(&node.store).requeue(&m.id, now_ms())?;
    let mut out = Outcome::said(format!("retrying {} {} to {}", m.kind, m.id, m.recipient));
    if Lane::of(&m.kind) == Lane::Webmentions {
        let (sent, left) = super::deliver_webmentions(node)?;
        out.sent = sent;
        if left > 0 {
            out.done.push(super::publish::left_line(left));
        }
    } else {
        out.sent = deliver(node)?;
    }
    Ok(out)
}

/// Removes an entry for good.
pub fn drop(node: &Node, id: &str) -> anyhow::Result<Outcome> {
    let m = find(node, id)?;
    lock(&node.store).drop_outbox(&m.id)?;
    Ok(Outcome::said(format!(
        "dropped {} {} to {}",
        m.kind, m.id, m.recipient
    )))
}
