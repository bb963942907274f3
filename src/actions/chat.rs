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

/// Tries a message that failed for good again: through its outbox entry
/// while it has one, else by sending its text again as a new message.
pub fn retry(node: &Node, who: &str, id: &str) -> anyhow::Result<Outcome> {
    let f = node.find(who)?;
    let queued = crate::federation::outbox::lock(&node.store).find_outbox(id)?;
    if queued.is_some_and(|m| m.recipient == f.url) {
        return super::outbox::retry(node, id);
    }
    let text = crate::federation::outbox::lock(&node.store)
        .messages(&f.url)?
        .into_iter()
        .find(|m| m.id == id && m.direction == "out")
        .map(|m| m.body)
        .ok_or_else(|| anyhow::anyhow!("no message `{id}` to {} to retry", f.name))?;
    send(node, &f.url, &text)
}

/// The conversation with a friend, oldest first; marks it read.
pub fn open(
    node: &Node,
    who: &str,
) -> anyhow::Result<(crate::store::Friend, Vec<crate::store::Message>)> {
    let f = node.find(who)?;
    let st = crate::federation::outbox::lock(&node.store);
    let messages = st.messages(&f.url)?;
    st.mark_read(&f.url)?;
    Ok((f, messages))
}

/// One conversation in the list.
pub struct Conversation {
    pub url: String,
    pub name: String,
    pub count: i64,
    pub unread: i64,
    pub last: i64,
}

/// Every conversation, the most recent first.
pub fn conversations(node: &Node) -> anyhow::Result<Vec<Conversation>> {
    let st = crate::federation::outbox::lock(&node.store);
    st.conversations()?
        .into_iter()
        .map(|(url, count, unread, last)| {
            let name = st.friend(&url)?.map_or_else(|| url.clone(), |f| f.name);
            Ok(Conversation {
                url,
                name,
                count,
                unread,
                last,
            })
        })
        .collect()
}
