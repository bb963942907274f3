//! Replies across sites (PROTOCOL.md §13.1–13.2): the `reply` message, the
//! replies read from friends' change logs, and the check that a claimed
//! reply is really in its author's log.

use super::protocol::{self, Envelope, Item, Reject};
use super::sanitize;
use crate::store::{Friend, NotificationKind, Reply, Store};

/// A `reply` from a friend: both URLs must be where they claim. Nothing is
/// stored: the reply counts only once the sender's log shows it.
pub fn accept(me: &str, env: &Envelope, f: &Friend) -> Result<protocol::Reply, Reject> {
    let body: protocol::Reply = protocol::body(env)?;
    if !protocol::on_site(&body.url, &f.url) {
        return Err(Reject::Malformed(format!(
            "reply {} is not on the sender's site",
            body.url
        )));
    }
    if !protocol::on_site(&body.in_reply_to, me) {
        return Err(Reject::Malformed(format!(
            "{} is not a post of this site",
            body.in_reply_to
        )));
    }
    Ok(body)
}

/// After pulling `from`: whether its log holds `url` as a reply to
/// `parent`. A new one is notified once.
pub fn confirm(s: &Store, from: &str, url: &str, parent: &str) -> anyhow::Result<bool> {
    let found = s
        .reply(url)?
        .into_iter()
        .find(|r| r.via == from && r.author == from && r.parent == parent);
    let Some(r) = found else {
        return Ok(false);
    };
    if !s.has_notification(NotificationKind::Reply, url)? {
        let text = format!("{} replied: {}", r.author_name, excerpt(&r.content_html));
        s.add_notification(NotificationKind::Reply, from, Some(url), &text)?;
    }
    Ok(true)
}

/// The first words of an HTML fragment, as plain text.
pub fn excerpt(html: &str) -> String {
    let text = excerpt_all(html);
    let words: Vec<&str> = text.split_whitespace().take(30).collect();
    words.join(" ")
}

/// An HTML fragment as plain text (for notifications, excerpts and
/// mentions; whoever shows it escapes it again).
pub fn excerpt_all(html: &str) -> String {
    let escaped = ammonia::Builder::empty().clean(html).to_string();
    escaped
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Stores what one item of `friend`'s log says about replies: the item
/// itself when it answers a post, and the thread it relays. `id` is the
/// change's id: the permalink, or a friends-only post's blob URL. True when
/// any reply was stored or dropped.
pub fn ingest_item(
    s: &Store,
    friend: &Friend,
    id: &str,
    item: &Item,
    private: bool,
) -> anyhow::Result<bool> {
    let mut touched = false;
    if let Some(parent) = item.in_reply_to.as_deref() {
        // A reply joins a thread only under a post this site knows (its own,
        // a friend's it holds, or a reply it holds); otherwise it is an
        // ordinary post of the friend's (PROTOCOL.md §13.1).
        if protocol::normalize_url(parent).is_some() && s.knows_post(parent)? {
            touched = true;
            let root = root_of(s, parent)?;
            s.upsert_reply(&Reply {
                url: id.to_string(),
                via: friend.url.clone(),
                root,
                parent: parent.to_string(),
                author: friend.url.clone(),
                author_name: friend.name.clone(),
                content_html: sanitize::clean(&item.content_html, &item.url),
                published: item.published.clone(),
                private,
                hidden: false,
            })?;
        }
    }
    touched |= s.clear_relayed(&friend.url, id)? > 0 || !item.replies.is_empty();
    let listed: Vec<&str> = item.replies.iter().map(|t| t.url.as_str()).collect();
    for t in item.replies.iter().take(protocol::MAX_THREAD_REPLIES) {
        // Each element is checked on its own and a bad one is dropped alone
        // (PROTOCOL.md §13.2); the friend's own replies come from its log.
        let Some(author) = protocol::normalize_url(&t.author) else {
            continue;
        };
        if author == friend.url || !protocol::on_site(&t.url, &author) {
            continue;
        }
        let answers_thread = t.in_reply_to == id
            || t.in_reply_to == item.url
            || listed.contains(&t.in_reply_to.as_str());
        if !answers_thread || chrono::DateTime::parse_from_rfc3339(&t.published).is_err() {
            continue;
        }
        s.upsert_reply(&Reply {
            url: t.url.clone(),
            via: friend.url.clone(),
            root: id.to_string(),
            parent: t.in_reply_to.clone(),
            author,
            author_name: super::inbox::clean_name(&t.author_name),
            content_html: sanitize::clean(&t.content_html, &t.url),
            published: t.published.clone(),
            private,
            hidden: false,
        })?;
    }
    Ok(touched)
}

/// The post a thread hangs from: `parent` itself, or the root of the reply
/// it names.
fn root_of(s: &Store, parent: &str) -> anyhow::Result<String> {
    Ok(s.reply(parent)?
        .into_iter()
        .next()
        .map_or_else(|| parent.to_string(), |r| r.root))
}

/// A friend deleted `url`: forget it as a reply and the thread it
/// relayed. True when a reply was dropped.
pub fn forget(s: &Store, friend: &str, url: &str) -> anyhow::Result<bool> {
    Ok(s.delete_reply(url, friend)? + s.clear_relayed(friend, url)? > 0)
}
