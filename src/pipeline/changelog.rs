//! The federation change log: which posts are new or changed since the last
//! publish, and the feed head and change pages that carry them.

use super::load::{ensure_html, Loaded};
use super::plan::{Fingerprints, Item, Planned};
use super::seal::Sealer;
use crate::federation::{feedlog, keys, protocol};
use crate::render::{Fp, Html};
use crate::site::Site;
use crate::store::Store;
use anyhow::anyhow;
use std::collections::{HashMap, HashSet};

/// The replies each own post relays, by its log id.
pub(super) type Relay = HashMap<String, Vec<protocol::ThreadReply>>;

/// What the log compares against what it last published.
fn current(
    site: &Site,
    fps: &Fingerprints,
    keys: &keys::Keys,
    sealer: Option<&Sealer>,
) -> Vec<feedlog::Published> {
    let mut current: Vec<feedlog::Published> = site
        .posts
        .iter()
        .map(|&i| feedlog::Published {
            id: site.entry_url(&site.entries[i]),
            hash: format!("{:032x}", fps.entry[i]),
            private: false,
        })
        .collect();
    if let Some(sealer) = sealer {
        for &i in &site.private_posts {
            current.push(feedlog::Published {
                id: format!(
                    "{}{}",
                    site.base_url(),
                    sealer.blob_path(keys, &site.entries[i])
                ),
                hash: format!("{:032x}", fps.entry[i]),
                private: true,
            });
        }
    }
    current
}

/// Plans the feed head and change pages; the returned log is stored only
/// once the output that publishes it is live.
pub(super) fn plan(
    loaded: &mut Loaded,
    store: &Store,
    (keys, relay): (&keys::Keys, &Relay),
    sealer: Option<&Sealer>,
    fps: &Fingerprints,
    items: &mut Vec<Planned>,
) -> anyhow::Result<feedlog::Pending> {
    let site = &loaded.site;
    let current = current(site, fps, keys, sealer);
    let published = store.published()?;
    let first_sync = published.is_empty() && store.last_seq()? == 0;
    let diff = feedlog::diff(&current, &published, first_sync);
    if !diff.upserts.is_empty() {
        let need: HashSet<usize> = diff
            .upserts
            .iter()
            .filter(|&&k| !current[k].private)
            .map(|&k| site.posts[k])
            .collect();
        ensure_html(site, &loaded.sources, &mut loaded.htmls, &need)?;
    }
    let htmls = &loaded.htmls;
    let change_log = feedlog::pending(store, &current, &diff, &|k| {
        feed_item(site, htmls, site.posts[k], relay.get(&current[k].id))
    })?;
    let last_seq = change_log.last_seq();
    // The log id too: a restarted log can reach the same last_seq.
    items.push((
        protocol::FEED_PATH.into(),
        Fp::new(fps.globals)
            .num(last_seq as u128)
            .str(&store.log_id()?)
            .done(),
        Item::FeedHead,
    ));
    for n in 1..=if last_seq == 0 {
        0
    } else {
        protocol::page_of(last_seq)
    } {
        let version = feedlog::page_version(n, last_seq);
        items.push((
            protocol::page_path(n),
            Fp::new(fps.globals)
                .num(n as u128)
                .num(version as u128)
                .done(),
            Item::FeedPage(n),
        ));
    }
    Ok(change_log)
}

/// The store is not shared across threads: feed documents are made up front.
pub(super) fn documents(
    store: &Store,
    change_log: &feedlog::Pending,
    site: &Site,
    items: &[Planned],
    dirty: &[usize],
) -> anyhow::Result<HashMap<usize, Vec<u8>>> {
    let site_url = protocol::normalize_url(site.base_url()).unwrap_or_default();
    let mut feed_docs: HashMap<usize, Vec<u8>> = HashMap::new();
    for &k in dirty {
        match items[k].2 {
            Item::FeedHead => {
                feed_docs.insert(k, feedlog::head_bytes(store, change_log, &site_url)?);
            }
            Item::FeedPage(n) => {
                feed_docs.insert(k, feedlog::page_bytes(store, change_log, &site_url, n)?);
            }
            _ => {}
        }
    }
    Ok(feed_docs)
}

/// One post as the federation feed carries it.
pub(super) fn feed_item(
    site: &Site,
    htmls: &[Option<Html>],
    i: usize,
    replies: Option<&Vec<protocol::ThreadReply>>,
) -> anyhow::Result<protocol::Item> {
    let e = &site.entries[i];
    let html = htmls[i]
        .as_ref()
        .ok_or_else(|| anyhow!("internal: {} was not rendered", e.source))?;
    Ok(protocol::Item {
        url: site.entry_url(e),
        title: e.title.clone(),
        content_html: html.content.clone(),
        published: e.date.to_rfc3339(),
        updated: e.updated.map(|d| d.to_rfc3339()),
        tags: e.tags.clone(),
        in_reply_to: e.in_reply_to.clone(),
        replies: replies.cloned().unwrap_or_default(),
    })
}
