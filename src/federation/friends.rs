//! Friendship operations the CLI runs: each stores the new state and the
//! message to send in one step, then tries delivery at once (a running
//! sidecar retries whatever is left).

use super::client::Client;
use super::outbox::{self, lock};
use super::protocol::{self, types};
use super::{keys, Me};
use crate::config::Config;
use crate::store::{now_ms, Friend, Store};
use anyhow::{anyhow, bail};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Everything a federation command needs.
pub struct Node {
    pub root: PathBuf,
    pub config: Config,
    pub me: Me,
    pub store: Mutex<Store>,
    pub client: Client,
}

impl Node {
    pub fn open(root: &Path) -> anyhow::Result<Node> {
        let (config, _) = Config::load(root)?;
        let keys = keys::ensure(root)?;
        let me = Me::new(&config, keys)?;
        let store = Store::open(root)?;
        let client = Client::for_site(root, &config.federation)?;
        Ok(Node {
            root: root.to_path_buf(),
            config,
            me,
            store: Mutex::new(store),
            client,
        })
    }

    pub fn find(&self, who: &str) -> anyhow::Result<Friend> {
        lock(&self.store).find_friend(who)?.ok_or_else(|| {
            anyhow!("no friend or request matches `{who}` (see `microsocial friends`)")
        })
    }

    /// `friends add URL`: read their discovery document, pin their keys, ask.
    pub fn add(&self, url: &str) -> anyhow::Result<String> {
        let url =
            protocol::normalize_url(url).ok_or_else(|| anyhow!("`{url}` is not an http(s) URL"))?;
        if url == self.me.url {
            bail!("that is this site's own address");
        }
        if let Some(f) = lock(&self.store).friend(&url)? {
            match f.state.as_str() {
                "friend" => bail!("{} ({url}) is already a friend", f.name),
                "incoming" => bail!(
                    "{} ({url}) already asked you: run `microsocial friends accept {url}`",
                    f.name
                ),
                _ => {}
            }
        }
        let disc_url = format!("{url}{}", protocol::DISCOVERY_PATH);
        let disc: protocol::Discovery = self.client.get_json(&disc_url).map_err(|e| {
            // The error names the URL; a hint only when the site answered.
            let text = format!("{e:#}");
            if text.contains("HTTP 404") || text.contains("not the expected JSON") {
                anyhow!("{text}: is it a Microsocial site?")
            } else {
                e
            }
        })?;
        if protocol::normalize_url(&disc.url).as_deref() != Some(url.as_str()) {
            bail!("{disc_url} describes {}, not {url}", disc.url);
        }
        protocol::decode_key(&disc.keys.signing).map_err(|e| anyhow!("{disc_url}: {e}"))?;
        for u in [&disc.inbox, &disc.feed] {
            if protocol::normalize_url(u).is_none() {
                bail!("{disc_url}: `{u}` is not an http(s) URL");
            }
        }
        let friend = Friend {
            url: url.clone(),
            name: super::inbox::clean_name(&disc.name),
            state: "outgoing".into(),
            signing_key: disc.keys.signing,
            encryption_key: disc.keys.encryption,
            inbox: disc.inbox,
            feed: disc.feed,
            avatar: disc.avatar.filter(|a| protocol::normalize_url(a).is_some()),
            created: now_ms(),
            last_seq: 0,
            feed_etag: None,
            last_pull: None,
            last_pull_error: None,
            last_heard: None,
        };
        let body = serde_json::to_value(protocol::FriendRequest {
            name: self.me.name.clone(),
            key: self.me.keys.signing_public(),
            note: None,
        })?;
        lock(&self.store).transaction(|s| {
            s.upsert_friend(&friend)?;
            s.set_accepts(&friend.url, disc.accepts.as_deref())?;
            outbox::enqueue(s, &friend.url, &friend.inbox, types::FRIEND_REQUEST, &body)?;
            Ok(())
        })?;
        Ok(format!("asked {} ({url}) to be friends", friend.name))
    }

    /// `friends accept WHO`
    pub fn accept(&self, who: &str) -> anyhow::Result<String> {
        let f = self.find(who)?;
        if f.state != "incoming" {
            bail!(
                "{} ({}) has not asked to be friends (state: {})",
                f.name,
                f.url,
                f.state
            );
        }
        let body = serde_json::to_value(protocol::FriendAccept {
            name: self.me.name.clone(),
        })?;
        lock(&self.store).transaction(|s| {
            s.set_friend_state(&f.url, "friend")?;
            outbox::enqueue(s, &f.url, &f.inbox, types::FRIEND_ACCEPT, &body)?;
            Ok(())
        })?;
        Ok(format!("{} ({}) is now a friend", f.name, f.url))
    }

    /// `friends reject WHO` / `friends remove WHO`: drop them and tell them.
    pub fn remove(&self, who: &str, only_requests: bool) -> anyhow::Result<String> {
        let f = self.find(who)?;
        if only_requests && f.state != "incoming" {
            bail!(
                "{} ({}) has no pending request (state: {})",
                f.name,
                f.url,
                f.state
            );
        }
        let body = serde_json::to_value(protocol::FriendRemove {})?;
        lock(&self.store).transaction(|s| {
            outbox::enqueue(s, &f.url, &f.inbox, types::FRIEND_REMOVE, &body)?;
            s.remove_friend(&f.url)
        })?;
        Ok(if only_requests {
            format!("rejected the friend request of {} ({})", f.name, f.url)
        } else {
            format!(
                "removed {} ({}) and everything cached from that site",
                f.name, f.url
            )
        })
    }

    /// Encrypts `text` to a friend and queues it; returns the message id.
    pub fn send_message(&self, who: &str, text: &str) -> anyhow::Result<(Friend, String)> {
        let f = self.find(who)?;
        if f.state != "friend" {
            bail!(
                "{} ({}) is not a mutual friend (state: {}): messages go to friends only",
                f.name,
                f.url,
                f.state
            );
        }
        let recipient = super::private::parse_recipient(&f.encryption_key)?;
        let ciphertext = super::private::seal_message(text, &recipient)?;
        let now = chrono::Utc::now();
        let body = serde_json::to_value(protocol::Message {
            ciphertext,
            written: Some(protocol::written_now(now)),
        })?;
        let id = super::new_id()?;
        lock(&self.store).transaction(|s| {
            s.add_message(&crate::store::Message {
                peer: f.url.clone(),
                id: id.clone(),
                direction: "out".into(),
                body: text.to_string(),
                at: now.timestamp_millis(),
                state: "pending".into(),
                read: true,
            })?;
            outbox::enqueue_with_id(s, &id, &f.url, &f.inbox, types::MESSAGE, &body)?;
            Ok(())
        })?;
        Ok((f, id))
    }

    /// Clears a conversation here at once and asks the friend to clear theirs.
    pub fn clear_messages(&self, who: &str) -> anyhow::Result<(Friend, usize)> {
        let f = self.find(who)?;
        let body = serde_json::to_value(protocol::MessageClear {})?;
        let n = lock(&self.store).transaction(|s| {
            let n = s.clear_messages(&f.url)?;
            if takes(s, &f.url, types::MESSAGE_CLEAR)? {
                outbox::enqueue(s, &f.url, &f.inbox, types::MESSAGE_CLEAR, &body)?;
            }
            Ok(n)
        })?;
        Ok((f, n))
    }

    /// Tells every friend about a new encryption key.
    pub fn announce_keys(&self) -> anyhow::Result<usize> {
        let body = serde_json::to_value(protocol::KeysUpdated {
            encryption: self.me.keys.encryption_public(),
        })?;
        lock(&self.store).transaction(|s| {
            let friends: Vec<Friend> = s
                .friends()?
                .into_iter()
                .filter(|f| f.state != "incoming")
                .collect();
            for f in &friends {
                if takes(s, &f.url, types::KEYS_UPDATED)? {
                    outbox::enqueue(s, &f.url, &f.inbox, types::KEYS_UPDATED, &body)?;
                }
            }
            Ok(friends.len())
        })
    }

    /// Queues `feed.updated` for every friend.
    pub fn notify_all(&self) -> anyhow::Result<usize> {
        let mut st = lock(&self.store);
        let version = st.last_seq()?;
        let feed = format!("{}{}", self.config.site.base_url, protocol::FEED_PATH);
        let body = serde_json::to_value(protocol::FeedUpdated { feed, version })?;
        st.transaction(|s| {
            let friends: Vec<Friend> = s
                .friends()?
                .into_iter()
                .filter(|f| f.state == "friend")
                .collect();
            for f in &friends {
                if takes(s, &f.url, types::FEED_UPDATED)? {
                    outbox::enqueue(s, &f.url, &f.inbox, types::FEED_UPDATED, &body)?;
                }
            }
            Ok(friends.len())
        })
    }
}

/// Whether `friend` takes `kind` (its discovery `accepts`): fan-outs skip
/// the friends that do not.
fn takes(s: &Store, friend: &str, kind: &str) -> anyhow::Result<bool> {
    Ok(protocol::accepts(s.accepts(friend)?.as_deref(), kind))
}
