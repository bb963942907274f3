//! `publish` (build, deploy, queue Webmentions, notify) and `notify`.

use super::{deliver, rebuild, Attempt, Outcome, Sent};
use crate::federation::friends::Node;
use crate::federation::outbox::lock;
use std::path::Path;

/// Runs a deploy command in the site root (the front end supplies it, so
/// no process is started from here).
pub type Deploy = dyn Fn(&Path, &str) -> anyhow::Result<()>;

/// Builds the site, deploys it if a deploy command is set, then tells every
/// friend. A failed deploy notifies nobody.
pub fn publish(root: &Path, deploy: &Deploy) -> anyhow::Result<Outcome> {
    let report = rebuild(root)?;
    let node = Node::open(root)?;
    let mut out = Outcome::said(format!("built: {report}"));
    if let Some(cmd) = &node.config.sidecar.deploy_command {
        deploy(root, cmd).map_err(|e| anyhow::anyhow!("{e:#}; friends were not notified"))?;
        out.done.push("deployed".into());
    }
    // After the deploy, so the pages the Webmentions name are live.
    let site = &node.config.site.base_url;
    let mentions = crate::webmention::send::queue_new_posts(&mut lock(&node.store), site)?;
    if mentions > 0 {
        out.done.push(format!("{mentions} Webmention(s) queued"));
    }
    notify_with(&node, out)
}

/// Tells every friend that the feed changed (no build).
pub fn notify(root: &Path) -> anyhow::Result<Outcome> {
    notify_with(&Node::open(root)?, Outcome::default())
}

fn notify_with(node: &Node, mut out: Outcome) -> anyhow::Result<Outcome> {
    out.enqueued = node.notify_all()?;
    announce(node, &mut out)?;
    // Friends first: their messages never wait on a Webmention target.
    out.sent = deliver(node)?;
    let (mentions, left) = super::deliver_webmentions(node)?;
    // A page without an endpoint is common and no friend's refusal: said, not failed.
    out.done.extend(mentions.iter().map(mention_line));
    if left > 0 {
        out.done.push(left_line(left));
    }
    Ok(out)
}

/// Webmentions still queued after the budget (the sidecar sends them).
pub(super) fn left_line(left: usize) -> String {
    format!("{left} Webmention(s) left queued; the sidecar sends them")
}

fn mention_line(s: &Sent) -> String {
    match &s.attempt {
        Attempt::Delivered => format!("Webmention sent to {}", s.to),
        Attempt::Queued { reason } => format!("Webmention to {} queued for retry: {reason}", s.to),
        Attempt::Refused { reason } => format!("Webmention to {} not sent: {reason}", s.to),
    }
}

/// Queues `reply` and `mention` messages for what the last builds published.
fn announce(node: &Node, out: &mut Outcome) -> anyhow::Result<()> {
    let public = node.root.join("public");
    let told = crate::federation::announce::announce(&node.store, &node.me, &public)?;
    for t in told {
        if t.queued {
            out.enqueued += 1;
        } else {
            out.done.push(format!(
                "{} does not take `{}` messages (an older version): not told about {}",
                t.to, t.kind, t.url
            ));
        }
    }
    Ok(())
}
