//! The effect of each kind of message the inbox accepted, inside the
//! transaction that also records its id.

use super::{outbox, pending_requests, Accepted, Stranger, MAX_PENDING_REQUESTS};
use crate::federation::protocol::{self, types, Envelope, Reject};
use crate::federation::Me;
use crate::store::{Friend, NotificationKind as Kind, Store};
use chrono::{DateTime, Utc};

/// The effect of one checked message: `Ok(Ok(_))` applied, `Ok(Err(_))`
/// refused, `Err(_)` an internal failure.
type Applied = anyhow::Result<Result<Accepted, Reject>>;

pub(super) fn apply(
    s: &Store,
    me: &Me,
    env: &Envelope,
    known: Option<&Friend>,
    stranger: Option<Stranger>,
    now: DateTime<Utc>,
) -> Applied {
    let from = env.from.clone();
    match (env.kind.as_str(), known) {
        (types::FRIEND_REQUEST, None) => apply_stranger_request(s, from, stranger),
        (types::FRIEND_REQUEST, Some(f)) => apply_friend_request(s, me, env, f),
        (types::FRIEND_ACCEPT, Some(f)) if f.state == "outgoing" || f.state == "friend" => {
            if let Err(r) = protocol::body::<protocol::FriendAccept>(env) {
                return Ok(Err(r));
            }
            s.set_friend_state(&f.url, "friend")?;
            notify(s, Kind::FriendAccepted, f, "accepted your friend request")?;
            Ok(Ok(Accepted::Friendship { from }))
        }
        (types::FRIEND_REMOVE, Some(f)) => {
            s.remove_friend(&f.url)?;
            Ok(Ok(Accepted::Removed { from }))
        }
        (types::FEED_UPDATED, Some(f)) if f.state == "friend" => Ok(protocol::body::<
            protocol::FeedUpdated,
        >(env)
        .map(|body| Accepted::FeedUpdated {
            from,
            version: body.version,
            // Above: new changes. Below: the log restarted, which only
            // a pull can see (PROTOCOL.md §5).
            pull: body.version as i64 != f.last_seq,
        })),
        (types::MESSAGE, Some(f)) if f.state == "friend" => apply_message(s, me, env, f, now),
        (types::MESSAGE_CLEAR, Some(f)) => {
            if let Err(r) = protocol::body::<protocol::MessageClear>(env) {
                return Ok(Err(r));
            }
            s.clear_messages(&f.url)?;
            Ok(Ok(Accepted::Cleared { from }))
        }
        (types::KEYS_UPDATED, Some(f)) if f.state != "incoming" => apply_keys(s, env, f),
        (types::REPLY, Some(f)) if f.state == "friend" => Ok(crate::federation::reply::accept(
            &me.url, env, f,
        )
        .map(|b| Accepted::Reply {
            from,
            url: b.url,
            parent: b.in_reply_to,
        })),
        (types::REACTION, Some(f)) if f.state == "friend" => {
            let applied = crate::federation::reaction::apply(s, &me.url, env, f, now)?;
            Ok(applied.map(|()| Accepted::Reaction { from }))
        }
        (types::MENTION, Some(f)) if f.state == "friend" => {
            Ok(crate::federation::mention::apply(s, env, f)?.map(|()| Accepted::Mention { from }))
        }
        _ => Ok(Err(Reject::NotFriend)),
    }
}

/// Tells the owner about `f`: "Bo asks to be friends".
fn notify(s: &Store, kind: Kind, f: &Friend, what: &str) -> anyhow::Result<()> {
    s.add_notification(kind, &f.url, None, &format!("{} {what}", f.name))?;
    Ok(())
}

/// A stranger's friend request whose key checked out: stored as incoming.
fn apply_stranger_request(s: &Store, from: String, stranger: Option<Stranger>) -> Applied {
    let Some(Stranger { friend: f, accepts }) = stranger else {
        return Ok(Err(Reject::NotFriend));
    };
    if pending_requests(s)? >= MAX_PENDING_REQUESTS {
        return Ok(Err(Reject::Malformed(
            "too many pending friend requests; try later".into(),
        )));
    }
    s.upsert_friend(&f)?;
    s.set_accepts(&f.url, accepts.as_deref())?;
    notify(s, Kind::FriendRequest, &f, "asks to be friends")?;
    Ok(Ok(Accepted::FriendRequest { from }))
}

/// A friend request from a site we know: both asked, or they lost their state.
fn apply_friend_request(s: &Store, me: &Me, env: &Envelope, f: &Friend) -> Applied {
    let from = env.from.clone();
    if let Err(r) = protocol::body::<protocol::FriendRequest>(env) {
        return Ok(Err(r));
    }
    if f.state == "incoming" {
        return Ok(Ok(Accepted::FriendRequest { from }));
    }
    // Both asked, or they lost their state: the friendship stands.
    s.set_friend_state(&f.url, "friend")?;
    outbox::enqueue(
        s,
        &f.url,
        &f.inbox,
        types::FRIEND_ACCEPT,
        &serde_json::to_value(protocol::FriendAccept {
            name: me.name.clone(),
        })?,
    )?;
    notify(s, Kind::FriendAccepted, f, "asked too: you are friends now")?;
    Ok(Ok(Accepted::Friendship { from }))
}

/// A sealed message from a friend, opened and stored.
fn apply_message(s: &Store, me: &Me, env: &Envelope, f: &Friend, now: DateTime<Utc>) -> Applied {
    let body: protocol::Message = match protocol::body(env) {
        Ok(b) => b,
        Err(r) => return Ok(Err(r)),
    };
    let text =
        match crate::federation::private::open_message(&body.ciphertext, &me.keys.identities()) {
            Ok(t) => t,
            Err(e) => return Ok(Err(Reject::Undecryptable(format!("{e:#}")))),
        };
    s.add_message(&crate::store::Message {
        peer: f.url.clone(),
        id: env.id.clone(),
        direction: "in".into(),
        body: text,
        at: protocol::order_time(body.written.as_deref(), &env.sent, now),
        state: "received".into(),
        read: false,
    })?;
    notify(s, Kind::Message, f, "sent you a message")?;
    Ok(Ok(Accepted::Message {
        from: env.from.clone(),
    }))
}

/// A friend's new encryption key.
fn apply_keys(s: &Store, env: &Envelope, f: &Friend) -> Applied {
    let body: protocol::KeysUpdated = match protocol::body(env) {
        Ok(b) => b,
        Err(r) => return Ok(Err(r)),
    };
    if let Err(e) = crate::federation::private::parse_recipient(&body.encryption) {
        return Ok(Err(Reject::Malformed(e.to_string())));
    }
    if body.encryption != f.encryption_key {
        s.set_encryption_key(&f.url, &body.encryption)?;
        notify(s, Kind::KeyChanged, f, "has a new encryption key")?;
    }
    Ok(Ok(Accepted::KeysUpdated {
        from: env.from.clone(),
    }))
}
