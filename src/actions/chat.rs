//! Sending and clearing private messages.

use super::{deliver, Outcome};
use crate::federation::friends::Node;
use crate::federation::outbox::lock;
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

/// Tries a message that failed for good again: through its outbox entry
/// while it has one, else by sending its text again as a new message.
pub fn retry(node: &Node, who: &str, id: &str) -> anyhow::Result<Outcome> {
    let f = node.find(who)?;
    let queued = lock(&node.store).find_outbox(id)?;
    if queued.is_some_and(|m| m.recipient == f.url) {
        return super::outbox::retry(node, id);
    }
    let text = lock(&node.store)
        .messages(&f.url)?
        .into_iter()
        .find(|m| m.id == id && m.direction == "out")
        .map(|m| m.body)
        .ok_or_else(|| anyhow::anyhow!("no message `{id}` to {} to retry", f.name))?;
    send(node, &f.url, &text)
}

/// One conversation in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub friend: String,
    pub name: String,
    pub total: i64,
    pub unread: i64,
    /// Milliseconds since the epoch, UTC.
    pub last_at: i64,
}

/// Every conversation, most recent first.
pub fn conversations(node: &Node) -> anyhow::Result<Vec<Conversation>> {
    let st = lock(&node.store);
    st.conversations()?
        .into_iter()
        .map(|(peer, total, unread, last_at)| {
            let name = st.friend(&peer)?.map_or_else(|| peer.clone(), |f| f.name);
            Ok(Conversation {
                friend: peer,
                name,
                total,
                unread,
                last_at,
            })
        })
        .collect()
}

/// Where a message stands, as its owner should read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// From the friend.
    Received,
    /// Queued; not yet tried.
    Sending,
    /// Tried and failed; the outbox tries again.
    Retrying,
    /// The friend's sidecar took it.
    Delivered,
    /// The outbox gave up: it needs a retry by hand.
    Failed,
}

impl Delivery {
    pub fn label(self) -> &'static str {
        match self {
            Delivery::Received => "received",
            Delivery::Sending => "sending",
            Delivery::Retrying => "pending retry",
            Delivery::Delivered => "delivered",
            Delivery::Failed => "failed",
        }
    }
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub id: String,
    pub from_me: bool,
    pub body: String,
    /// Milliseconds since the epoch, UTC.
    pub at: i64,
    pub delivery: Delivery,
    /// Outgoing only: the outbox's last error.
    pub error: Option<String>,
}

/// A conversation opened: its messages in order, which are now read.
pub struct Thread {
    pub friend: String,
    pub name: String,
    pub lines: Vec<Line>,
}

/// Opens the conversation with `who` (name or URL) and marks it read.
pub fn open(node: &Node, who: &str) -> anyhow::Result<Thread> {
    let f = node.find(who)?;
    let st = lock(&node.store);
    let lines = st
        .messages(&f.url)?
        .into_iter()
        .map(|m| {
            let from_me = m.direction == "out";
            let entry = if from_me {
                st.outbox_entry(&m.id)?
            } else {
                None
            };
            let delivery = match (from_me, m.state.as_str()) {
                (false, _) => Delivery::Received,
                (true, "delivered") => Delivery::Delivered,
                (true, "failed") => Delivery::Failed,
                (true, _) if entry.as_ref().is_some_and(|o| o.attempts > 0) => Delivery::Retrying,
                (true, _) => Delivery::Sending,
            };
            Ok(Line {
                id: m.id,
                from_me,
                body: m.body,
                at: m.at,
                delivery,
                error: entry.and_then(|o| o.last_error),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    st.mark_read(&f.url)?;
    Ok(Thread {
        friend: f.url,
        name: f.name,
        lines,
    })
}
