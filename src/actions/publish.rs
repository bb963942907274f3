//! `publish` (build, deploy, notify) and `notify`.

use super::{deliver, rebuild, Outcome};
use crate::federation::friends::Node;
use std::path::Path;

/// Builds the site, runs the deploy command if one is set, then tells every
/// friend. A failed deploy notifies nobody.
pub fn publish(root: &Path) -> anyhow::Result<Outcome> {
    let report = rebuild(root)?;
    let node = Node::open(root)?;
    let mut out = Outcome::said(format!("built: {report}"));
    if let Some(cmd) = &node.config.sidecar.deploy_command {
        crate::deploy::run(root, cmd)
            .map_err(|e| anyhow::anyhow!("{e:#}; friends were not notified"))?;
        out.done.push("deployed".into());
    }
    notify_with(&node, out)
}

/// Tells every friend that the feed changed (no build).
pub fn notify(root: &Path) -> anyhow::Result<Outcome> {
    notify_with(&Node::open(root)?, Outcome::default())
}

fn notify_with(node: &Node, mut out: Outcome) -> anyhow::Result<Outcome> {
    out.enqueued = node.notify_all()?;
    out.sent = deliver(node)?;
    Ok(out)
}
