//! Replies friends announce: each waits for a pull of its sender's change
//! log, which must hold it (PROTOCOL.md §13.1).

use super::{guard, Sidecar};
use crate::federation::outbox::lock;

impl Sidecar {
    pub(super) fn take_reply_claims(&self, friend: &str) -> Vec<(String, String)> {
        let mut p = guard(&self.pulls);
        let (mine, rest) = std::mem::take(&mut p.replies)
            .into_iter()
            .partition(|c| c.0 == friend);
        p.replies = rest;
        mine.into_iter()
            .map(|(_, u, parent)| (u, parent))
            .collect::<Vec<_>>()
    }

    /// Replies `friend` announced, against its log as just pulled: one that
    /// is not there is refused and leaves nothing behind.
    pub(super) fn check_replies(&self, friend: &str, claims: Vec<(String, String)>) {
        for (url, parent) in claims {
            let st = lock(&self.node.store);
            match crate::federation::reply::confirm(&st, friend, &url, &parent) {
                Ok(true) => tracing::info!("reply {url} from {friend} to {parent} confirmed"),
                Ok(false) => tracing::warn!(
                    "refused reply {url} from {friend}: its change log has no such reply to {parent}"
                ),
                Err(e) => tracing::error!("checking reply {url} from {friend}: {e:#}"),
            }
        }
    }
}
