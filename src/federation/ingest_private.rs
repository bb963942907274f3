//! Friends-only posts in a friend's change log: each blob fetched, its
//! epoch key found (cached, or opened from our file of the epoch), then
//! decrypted and its signature checked.

use super::client::{Client, Fetched, MAX_DOCUMENT};
use super::outbox::lock;
use super::protocol::{self, Change};
use super::pull_report::PullReport;
use super::{private, sanitize};
use crate::store::{FriendItem, Store};
use anyhow::{anyhow, bail};
use std::collections::HashMap;
use std::sync::Mutex;

/// Friends-only posts opened, by `seq`, with the group keys learnt on the way.
#[derive(Default)]
pub(super) struct Opened {
    pub(super) items: HashMap<u64, (FriendItem, protocol::Item)>,
    pub(super) epochs: Vec<(u32, String)>,
}

/// Opens every friends-only change; one that fails is skipped and counted.
pub(super) fn open_all_private(
    store: &Mutex<Store>,
    client: &Client,
    friend: &crate::store::Friend,
    changes: &[Change],
    identities: &[age::x25519::Identity],
    report: &mut PullReport,
    last_skip: &mut Option<String>,
) -> Opened {
    let mut opened = Opened::default();
    for c in changes.iter().filter(|c| c.op == "private") {
        let got = open_private(
            store,
            client,
            friend,
            c,
            identities,
            &mut opened.epochs,
            report,
        );
        match got {
            Ok(item) => {
                opened.items.insert(c.seq, item);
            }
            Err(e) => {
                // Not for us (any more), or tampered.
                report.skipped += 1;
                *last_skip = Some(format!("change {}: {e:#}", c.seq));
            }
        }
    }
    opened
}

/// Fetches, decrypts and verifies one friends-only post.
fn open_private(
    store: &Mutex<Store>,
    client: &Client,
    friend: &crate::store::Friend,
    c: &Change,
    identities: &[age::x25519::Identity],
    new_epochs: &mut Vec<(u32, String)>,
    report: &mut PullReport,
) -> anyhow::Result<(FriendItem, protocol::Item)> {
    let prefix = format!("{}{}", friend.url, protocol::PRIVATE_DIR);
    if !c.id.starts_with(&prefix) {
        bail!("friends-only post {} is not under {prefix}", c.id);
    }
    let blob = match client.get(&c.id, None, MAX_DOCUMENT)? {
        Fetched::Body { bytes, .. } => bytes,
        Fetched::NotModified => bail!("unexpected 304"),
    };
    report.requests += 1;
    let at = private::post_epoch(&blob)?;
    let epoch = at.epoch;
    let cached = lock(store).friend_epoch(&friend.url, epoch)?;
    let known = new_epochs
        .iter()
        .find(|(e, _)| *e == epoch)
        .map(|(_, i)| i.clone());
    let group: age::x25519::Identity = match cached.or(known) {
        Some(text) => text
            .parse()
            .map_err(|e| anyhow!("stored group key is damaged: {e}"))?,
        None => {
            // Our copy of the group key is in the file of our current key, or
            // of a retired one if the author has not seen our rotation yet.
            let mut opened = None;
            for id in identities {
                let bucket = protocol::bucket_of(&id.to_public().to_string(), at.buckets);
                let url = format!("{prefix}{}", protocol::epoch_file(epoch, bucket));
                report.requests += 1;
                let Ok(Fetched::Body { bytes, .. }) = client.get(&url, None, MAX_DOCUMENT) else {
                    continue;
                };
                if let Ok(g) = private::open_epoch(&bytes, identities) {
                    opened = Some(g);
                    break;
                }
            }
            let group = opened.ok_or_else(|| anyhow!("not a recipient of epoch {epoch}"))?;
            use age::secrecy::ExposeSecret as _;
            new_epochs.push((epoch, group.to_string().expose_secret().to_string()));
            group
        }
    };
    let author = protocol::decode_key(&friend.signing_key).map_err(|e| anyhow!(e))?;
    let mut item = private::open_post(&blob, &group, &author)?;
    if !item.url.starts_with(&friend.url) {
        bail!("friends-only post claims a URL outside {}", friend.url);
    }
    // Its images are sealed files beside it: open them into .social/media/.
    let media = lock(store).dir().join(super::media::DIR);
    let (html, requests) =
        super::media::open_all(&media, client, &prefix, &group, &item.content_html);
    item.content_html = html;
    report.requests += requests;
    let published =
        chrono::DateTime::parse_from_rfc3339(&item.published).map_err(|_| anyhow!("bad date"))?;
    let stored = FriendItem {
        friend: friend.url.clone(),
        id: c.id.clone(),
        title: item.title.as_deref().map(super::inbox::clean_name),
        content_html: sanitize::clean(&item.content_html, &item.url),
        published: published.to_rfc3339(),
        updated: item.updated.clone(),
        tags: item.tags.iter().take(20).cloned().collect(),
        private: true,
    };
    Ok((stored, item))
}
