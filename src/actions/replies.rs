//! Replies: what `new --reply-to` answers, listing the replies to our
//! posts, hiding one, and telling friends what we answered or mentioned.

use super::{rebuild, Outcome};
use crate::federation::friends::Node;
use crate::federation::outbox::lock;
use crate::federation::protocol;
use crate::store::{Reply, Store};
use anyhow::{anyhow, bail};
use std::path::Path;

/// The post a new reply answers.
pub struct ReplyTarget {
    pub url: String,
    /// A friends-only post: the reply is friends-only too.
    pub private: bool,
}

/// Checks `--reply-to URL`: an http(s) URL; on a friend's site, one of
/// their posts this site has read (unless `force`); friends-only when it
/// names a friends-only post we hold. Other sites' pages are fine: they
/// hear of the reply by Webmention.
pub fn reply_to(
    root: &Path,
    url: Option<&str>,
    force: bool,
) -> anyhow::Result<Option<ReplyTarget>> {
    let Some(url) = url else { return Ok(None) };
    let url =
        checked_url(url).ok_or_else(|| anyhow!("--reply-to `{url}` is not an http(s) URL"))?;
    let store = Store::open(root)?;
    if !force {
        check_known(&store, &url)?;
    }
    let by_path = url.contains(protocol::PRIVATE_DIR);
    let held = store
        .friend_items(true)?
        .iter()
        .any(|it| it.private && it.id == url);
    Ok(Some(ReplyTarget {
        private: by_path || held,
        url,
    }))
}

/// Refuses a URL on a friend's site that names none of their posts or
/// replies this site has read: a typo would otherwise reach nobody, silently.
pub fn check_known(store: &Store, url: &str) -> anyhow::Result<()> {
    let friend = store
        .friends()?
        .into_iter()
        .find(|f| f.state == "friend" && protocol::on_site(url, &f.url));
    match friend {
        Some(f) if !store.knows_item(url)? => bail!(
            "{url} is on {}'s site, but it is none of their posts or replies that this \
             site has read: check the address (your timeline links each post), wait for \
             the next pull if they just posted it, or pass --force to send anyway",
            f.name
        ),
        _ => Ok(()),
    }
}

/// A post's URL as given, if it is an http(s) URL (not normalised: a
/// friends-only post's URL names a file).
pub fn checked_url(url: &str) -> Option<String> {
    let url = url.trim();
    protocol::normalize_url(url).map(|_| url.to_string())
}

/// Replies to our posts (hidden ones too), oldest first.
pub fn list(node: &Node) -> anyhow::Result<Vec<Reply>> {
    let me = &node.me.url;
    Ok(lock(&node.store)
        .replies()?
        .into_iter()
        .filter(|r| r.root.starts_with(me.as_str()) && &r.author != me)
        .collect())
}

/// Hides a reply from every view of ours (or shows it again), rebuilds,
/// and tells friends the log changed.
pub fn hide(node: &Node, url: &str, hidden: bool) -> anyhow::Result<Outcome> {
    let url = url.trim();
    let n = lock(&node.store).set_reply_hidden(url, hidden)?;
    if n == 0 {
        bail!("no reply {url} is stored (see `microsocial replies`)");
    }
    let report = rebuild(&node.root)?;
    let what = if hidden { "hid" } else { "showed again" };
    let mut out = Outcome::said(format!("{what} reply {url}"));
    out.done.push(format!("built: {report}"));
    // Friends who see the thread through our log hear of it now.
    out.enqueued = node.notify_all()?;
    out.sent = super::deliver(node)?;
    Ok(out)
}

/// Writes a reply to `url` as a new post (friends-only when the post it
/// answers is), then publishes it like the Post button.
pub fn answer(
    root: &Path,
    url: &str,
    text: &str,
    hooks: &super::post::Hooks,
) -> anyhow::Result<Outcome> {
    let text = text.trim();
    if text.is_empty() {
        bail!("the reply is empty: write something first");
    }
    let target = reply_to(root, Some(url), false)?
        .ok_or_else(|| anyhow!("no post to reply to was named"))?;
    let draft = super::post::Draft {
        body: text.to_string(),
        friends_only: target.private,
        reply_to: Some(target.url.clone()),
        ..super::post::Draft::default()
    };
    let written = super::post::create(root, &draft)?;
    let mut out = super::post::publish(root, &written, hooks)
        .map_err(|e| anyhow!("{e:#} (the reply is saved: {})", written.summary))?;
    let private = if target.private {
        ", friends only like the post it answers"
    } else {
        ""
    };
    out.done
        .insert(0, format!("replied to {}{private}", target.url));
    Ok(out)
}
