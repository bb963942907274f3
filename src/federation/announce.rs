//! After a publish: tell the friends our new or changed posts answer or
//! mention (`reply`, `mention`; PROTOCOL.md §12). Each change of our log is
//! looked at once: a cursor in `site_meta` remembers the last one.

use super::outbox::{self, lock};
use super::protocol::{self, types, Item};
use super::Me;
use crate::store::{Friend, Store};
use std::path::Path;
use std::sync::Mutex;

const CURSOR: &str = "announced_seq";
/// With no cursor yet (the first publish of this version), only posts this
/// recent are announced, so old mentions do not all fire at once.
const FIRST_RUN_DAYS: i64 = 7;

/// One message queued, or skipped because the friend's site does not take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Told {
    pub kind: &'static str,
    pub to: String,
    pub url: String,
    pub queued: bool,
}

/// Queues `reply` and `mention` messages for our log's changes since the
/// cursor. `public` is the published tree (friends-only posts are read
/// back from their blobs).
pub fn announce(store: &Mutex<Store>, me: &Me, public: &Path) -> anyhow::Result<Vec<Told>> {
    let st = lock(store);
    let last = st.last_seq()?;
    let cursor = st.meta(CURSOR)?;
    let from = cursor.as_deref().and_then(|c| c.parse::<u64>().ok());
    let friends: Vec<Friend> = st
        .friends()?
        .into_iter()
        .filter(|f| f.state == "friend")
        .collect();
    let mut told = Vec::new();
    for (_, op, id, item) in st.changes(from.map_or(1, |c| c + 1), last)? {
        let item = match (op.as_str(), item) {
            ("upsert", Some(json)) => serde_json::from_str::<Item>(&json).ok(),
            ("private", _) => own_private(&st, me, public, &id),
            _ => None,
        };
        let Some(item) = item else { continue };
        if from.is_none() && !recent(&item.published) {
            continue;
        }
        told.extend(tell(&st, &friends, &id, &item)?);
    }
    st.set_meta(CURSOR, &last.to_string())?;
    Ok(told)
}

fn recent(published: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(published).is_ok_and(|d| {
        chrono::Utc::now().signed_duration_since(d) < chrono::Duration::days(FIRST_RUN_DAYS)
    })
}

/// The messages one of our items calls for: a reply to the friend whose
/// post it answers, a mention to each other friend it names.
fn tell(s: &Store, friends: &[Friend], id: &str, item: &Item) -> anyhow::Result<Vec<Told>> {
    let mut told = Vec::new();
    let parent = item.in_reply_to.as_deref();
    let answered = parent.and_then(|p| friends.iter().find(|f| protocol::on_site(p, &f.url)));
    if let (Some(f), Some(p)) = (answered, parent) {
        let body = protocol::Reply {
            url: id.to_string(),
            in_reply_to: p.to_string(),
        };
        told.push(send(s, f, types::REPLY, id, &serde_json::to_value(body)?)?);
    }
    let pairs: Vec<(String, String)> = friends
        .iter()
        .map(|f| (f.url.clone(), f.name.clone()))
        .collect();
    for url in super::mention::mentioned(&item.content_html, &pairs) {
        if answered.is_some_and(|f| f.url == url) {
            continue; // the reply already tells them
        }
        if let Some(f) = friends.iter().find(|f| f.url == url) {
            let body = protocol::Mention {
                url: id.to_string(),
            };
            told.push(send(
                s,
                f,
                types::MENTION,
                id,
                &serde_json::to_value(body)?,
            )?);
        }
    }
    Ok(told)
}

fn send(
    s: &Store,
    f: &Friend,
    kind: &'static str,
    url: &str,
    body: &serde_json::Value,
) -> anyhow::Result<Told> {
    let queued = protocol::accepts(s.accepts(&f.url)?.as_deref(), kind);
    if queued {
        outbox::enqueue(s, &f.url, &f.inbox, kind, body)?;
    }
    Ok(Told {
        kind,
        to: f.url.clone(),
        url: url.to_string(),
        queued,
    })
}

/// One of our friends-only posts, read back from its published blob with
/// the current epoch's key; None if it cannot be (an older epoch).
fn own_private(s: &Store, me: &Me, public: &Path, id: &str) -> Option<Item> {
    let rel = id.strip_prefix(&me.url)?;
    let blob = std::fs::read(public.join(rel)).ok()?;
    let (epoch, identity, _) = s.my_epoch().ok()??;
    if super::private::post_epoch(&blob).ok()?.epoch != epoch {
        return None;
    }
    let group: age::x25519::Identity = identity.parse().ok()?;
    super::private::open_post(&blob, &group, &me.keys.signing.verifying_key()).ok()
}
