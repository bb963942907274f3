//! Reactions (PROTOCOL.md §13.3): one emoji on a post, added or removed by
//! a signed `reaction`; the latest act wins, so replays are harmless.

use super::protocol::{self, Envelope, Reject};
use crate::store::{Friend, NotificationKind, ReactionApplied, Store};
use chrono::{DateTime, Utc};

/// Applies a friend's `reaction` to one of our posts.
pub fn apply(
    s: &Store,
    me: &str,
    env: &Envelope,
    f: &Friend,
    now: DateTime<Utc>,
) -> anyhow::Result<Result<(), Reject>> {
    let body: protocol::Reaction = match protocol::body(env) {
        Ok(b) => b,
        Err(r) => return Ok(Err(r)),
    };
    if let Err(r) = protocol::check_reaction(&body) {
        return Ok(Err(r));
    }
    if !protocol::on_site(&body.post, me) {
        return Ok(Err(Reject::Malformed(format!(
            "{} is not a post of this site",
            body.post
        ))));
    }
    // Under our address is not enough: it must be a post we published.
    if !s.is_published(&body.post)? {
        return Ok(Err(Reject::NoSuchPost(body.post)));
    }
    let add = body.op == "add";
    let at = protocol::order_time(Some(&body.written), &env.sent, now);
    let cap = protocol::MAX_REACTIONS_PER_PERSON;
    match s.react(&body.post, &f.url, &body.emoji, add, at, cap)? {
        ReactionApplied::TooMany => Ok(Err(Reject::Malformed(format!(
            "at most {cap} different reactions per person on a post"
        )))),
        ReactionApplied::Stale => Ok(Ok(())),
        ReactionApplied::Changed => {
            if add {
                let text = format!("{} reacted {}", f.name, body.emoji);
                s.add_notification(NotificationKind::Reaction, &f.url, Some(&body.post), &text)?;
            }
            Ok(Ok(()))
        }
    }
}

/// Queues our reaction to a friend's post: the friend whose site holds
/// `post`, if its site takes reactions.
pub fn send(s: &Store, post: &str, emoji: &str, add: bool) -> anyhow::Result<Friend> {
    protocol::check_emoji(emoji).map_err(|r| anyhow::anyhow!("{r}"))?;
    let f = s
        .friends()?
        .into_iter()
        .find(|f| f.state == "friend" && protocol::on_site(post, &f.url))
        .ok_or_else(|| anyhow::anyhow!("{post} is not a post of any friend's site"))?;
    if !protocol::accepts(s.accepts(&f.url)?.as_deref(), protocol::types::REACTION) {
        anyhow::bail!(
            "{} ({}) runs a version that does not take reactions yet",
            f.name,
            f.url
        );
    }
    // The receiver refuses a ninth emoji: say so before anything is sent.
    s.my_reaction(post, emoji, add, protocol::MAX_REACTIONS_PER_PERSON)?;
    let body = protocol::Reaction {
        post: post.to_string(),
        emoji: emoji.to_string(),
        op: if add { "add" } else { "remove" }.into(),
        written: protocol::written_now(chrono::Utc::now()),
    };
    super::outbox::enqueue(
        s,
        &f.url,
        &f.inbox,
        protocol::types::REACTION,
        &serde_json::to_value(body)?,
    )?;
    Ok(f)
}
