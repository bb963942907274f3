//! Asking, accepting, rejecting and removing friends.

use super::{deliver, rebuild, Outcome};
use crate::federation::friends::Node;
use crate::federation::ingest;
use crate::words::count;

/// `friends add URL`: pins their keys and asks them.
pub fn add(node: &Node, url: &str) -> anyhow::Result<Outcome> {
    finish(node, node.add(url)?)
}

/// Accepts a request, then pulls the new friend's recent posts.
pub fn accept(node: &Node, who: &str) -> anyhow::Result<Outcome> {
    let mut out = queued(node.accept(who)?);
    out.sent = deliver(node)?;
    let f = node.find(who)?;
    let pulled = ingest::pull(
        &node.store,
        &node.client,
        &f.url,
        &node.config.federation,
        &node.me.keys.identities(),
    );
    out.done.push(match pulled {
        Ok(r) => format!(
            "pulled {} from {}",
            count(r.applied, "recent change"),
            f.url
        ),
        Err(e) => format!("could not pull {} yet ({e:#}); the sidecar will", f.url),
    });
    refresh_site(node)?;
    Ok(out)
}

/// Turns down a request.
pub fn reject(node: &Node, who: &str) -> anyhow::Result<Outcome> {
    finish(node, node.remove(who, true)?)
}

/// Ends a friendship; their posts leave the timeline.
pub fn remove(node: &Node, who: &str) -> anyhow::Result<Outcome> {
    finish(node, node.remove(who, false)?)
}

/// What a friendship step did: one message queued for the other site.
fn queued(done: String) -> Outcome {
    Outcome {
        enqueued: 1,
        ..Outcome::said(done)
    }
}

fn finish(node: &Node, done: String) -> anyhow::Result<Outcome> {
    let mut out = queued(done);
    out.sent = deliver(node)?;
    refresh_site(node)?;
    Ok(out)
}

/// Keeps the public timeline and friends page in step with the change.
fn refresh_site(node: &Node) -> anyhow::Result<()> {
    if node.root.join("public").is_dir() {
        rebuild(&node.root)?;
    }
    Ok(())
}
