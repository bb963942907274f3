//! Asking, accepting, rejecting and removing friends.

use super::{deliver, rebuild, Outcome};
use crate::federation::friends::Node;
use crate::federation::ingest;
use crate::words::count;

/// `friends add URL`: pins their keys and asks them.
pub fn add(node: &Node, url: &str) -> anyhow::Result<Outcome> {
    let mut out = finish(node, node.add(url)?)?;
    if out.refused().next().is_none() {
        // Delivered is not accepted: the receiver checks our site first.
        out.done.push(format!(
            "their site now reads {}{} to check the request; `microsocial friends` \
             shows it as unanswered until they accept",
            node.me.url,
            crate::federation::protocol::DISCOVERY_PATH
        ));
    }
    Ok(out)
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

/// A friend or a request, with how the friendship is going.
#[derive(Debug, Clone)]
pub struct FriendView {
    pub friend: crate::store::Friend,
    /// Posts of theirs kept here, and older ones dropped to keep the cap.
    pub items: i64,
    pub dropped: i64,
    /// Changes of theirs skipped as malformed, and the last reason.
    pub skipped: i64,
    pub skipped_why: Option<String>,
    /// Messages to them still in the outbox (pending or given up).
    pub backlog: usize,
}

impl FriendView {
    /// `friend`, `asked by you`, or `asks you (accept or reject)`.
    pub fn state_label(&self) -> &'static str {
        match self.friend.state.as_str() {
            "friend" => "friend",
            "outgoing" => "asked by you",
            _ => "asks you (accept or reject)",
        }
    }
}

/// A request we sent that has no answer after this long gets a hint.
const QUIET_MS: i64 = 10 * 60 * 1000;

impl FriendView {
    /// For a request of ours: how long it has waited, and once that is a
    /// while, why an answer may never come and what to check.
    pub fn waiting(&self, me: &str, now_ms: i64) -> Option<String> {
        if self.friend.state != "outgoing" {
            return None;
        }
        let waited = now_ms - self.friend.created;
        let mut text = format!("asked {} ago, no answer yet", crate::words::span(waited));
        if waited >= QUIET_MS {
            text += &format!(
                ". {} sees the request only once their site has read {me}{} (it must \
                 reach that address, over a certificate it trusts); if not, it drops the \
                 request without telling you. Check the address from another network, ask \
                 them, then run `microsocial friends add {}` again",
                self.friend.name,
                crate::federation::protocol::DISCOVERY_PATH,
                self.friend.url
            );
        }
        Some(text)
    }
}

/// Friends and requests, in the store's order.
pub fn list(node: &Node) -> anyhow::Result<Vec<FriendView>> {
    let st = crate::federation::outbox::lock(&node.store);
    let outbox = st.outbox()?;
    st.friends()?
        .into_iter()
        .map(|friend| {
            let (items, dropped) = st.item_counts(&friend.url)?;
            let (skipped, skipped_why) = st.skipped(&friend.url)?;
            let backlog = outbox.iter().filter(|m| m.recipient == friend.url).count();
            Ok(FriendView {
                friend,
                items,
                dropped,
                skipped,
                skipped_why,
                backlog,
            })
        })
        .collect()
}
