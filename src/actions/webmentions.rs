//! The owner's hand on received Webmentions: list them, approve a held
//! one (it then shows under its post like a reply), or reject one; the
//! site is rebuilt so the post's page follows.

use super::Outcome;
use crate::federation::friends::Node;
use crate::federation::outbox::lock;
use crate::store::Webmention;
use anyhow::{anyhow, bail};

/// Every mention, newest first.
pub fn list(node: &Node) -> anyhow::Result<Vec<Webmention>> {
    lock(&node.store).webmentions()
}

/// Approved mentions of `target`, oldest first: what a page shows.
pub fn approved_for(node: &Node, target: &str) -> anyhow::Result<Vec<Webmention>> {
    let mut out: Vec<_> = list(node)?
        .into_iter()
        .filter(|w| w.target == target && w.status() == "approved")
        .collect();
    out.reverse();
    Ok(out)
}

fn find(node: &Node, id: &str) -> anyhow::Result<Webmention> {
    lock(&node.store)
        .find_webmention(id)?
        .ok_or_else(|| anyhow!("no Webmention `{id}` (see `microsocial webmentions`)"))
}

pub fn approve(node: &Node, id: &str) -> anyhow::Result<Outcome> {
    decide(node, id, "approved")
}

pub fn reject(node: &Node, id: &str) -> anyhow::Result<Outcome> {
    decide(node, id, "rejected")
}

fn decide(node: &Node, id: &str, decision: &str) -> anyhow::Result<Outcome> {
    let w = find(node, id)?;
    if decision == "approved" && w.state != "verified" {
        bail!(
            "Webmention {} is {}, not verified: only a verified mention can be approved",
            w.id,
            w.status()
        );
    }
    lock(&node.store).decide_webmention(&w.id, decision)?;
    let mut out = Outcome::said(format!("{decision} Webmention {} from {}", w.id, w.source));
    // Approved mentions show under their post: the page follows at once.
    let report = super::rebuild(&node.root)?;
    out.done.push(format!("built: {report}"));
    Ok(out)
}
