//! What a user can do, as functions with typed outcomes. Front ends (the
//! CLI now, an owner web page later) only parse input and show outcomes:
//! nothing here prints, serves HTTP or exits the process.

pub mod chat;
pub mod friends;
pub mod keys;
pub mod notifications;
pub mod outbox;
pub mod outcome;
pub mod post;
pub mod profile;
pub mod publish;
pub mod react;
pub mod replies;
pub mod sessions;
pub mod timeline;
pub mod webmentions;

pub use outcome::{Attempt, Outcome, Sent};

use crate::federation::friends::Node;
use crate::federation::outbox::lock;

/// Sends every message to friends that is due now and says what became of
/// each. Webmentions are left to [`deliver_webmentions`].
pub fn deliver(node: &Node) -> anyhow::Result<Vec<Sent>> {
    let results = crate::federation::outbox::deliver_due(
        &node.store,
        &node.client,
        &node.me,
        node.config.federation.retry_initial_ms,
        crate::store::Lane::Messages,
        &[crate::webmention::COURIER],
    )?;
    described(node, results)
}

/// Sends the due Webmentions for a short budget; returns what became of
/// those that finished, and how many were left queued for the sidecar.
pub fn deliver_webmentions(node: &Node) -> anyhow::Result<(Vec<Sent>, usize)> {
    let pass = crate::webmention::deliver::deliver_within(
        &node.store,
        &node.client,
        node.config.federation.retry_initial_ms,
        crate::webmention::deliver::BUDGET,
    )?;
    Ok((described(node, pass.finished)?, pass.left))
}

fn described(
    node: &Node,
    results: Vec<(crate::store::OutMsg, crate::federation::client::Delivery)>,
) -> anyhow::Result<Vec<Sent>> {
    let st = lock(&node.store);
    results
        .into_iter()
        .map(|(m, d)| {
            let name = st.friend(&m.recipient)?.map(|f| f.name);
            Ok(Sent {
                id: m.id,
                kind: m.kind,
                to: m.recipient,
                name,
                attempt: Attempt::from(d),
            })
        })
        .collect()
}

/// Incremental build of `public/` (and the private view) for actions that
/// change what the site shows.
pub fn rebuild(root: &std::path::Path) -> anyhow::Result<crate::pipeline::Report> {
    crate::pipeline::build(&crate::pipeline::Options {
        root: root.to_path_buf(),
        output: root.join("public"),
        drafts: false,
        force: false,
        base_url: None,
        publish_log: true,
        private_output: Some(root.join(".social").join("private")),
        exiting: false,
        verify: false,
    })
}
