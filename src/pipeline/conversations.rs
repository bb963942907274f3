//! The adapter from stored replies and reactions to what render shows and
//! what the change log relays (PROTOCOL.md §13.2), with their part of each
//! post's fingerprint so pages and log items change when a thread does.

use crate::federation::{keys, protocol};
use crate::render::{Conversations, Fp, ParentRef, ReactionCount, ReplyLine};
use crate::site::Site;
use crate::store::{Reply, Store};
use chrono::DateTime;
use std::collections::{BTreeMap, HashMap};

/// Conversations as each audience sees them.
pub(super) struct Conv {
    /// Public post pages: public replies to public posts, counts only.
    pub public: Conversations,
    /// The owner's private view: everything not hidden, with who reacted.
    pub private: Conversations,
    /// Per own post (by its log id: permalink or blob URL), the replies of
    /// others its log item relays.
    pub relay: HashMap<String, Vec<protocol::ThreadReply>>,
}

/// Own post `i`'s id in the change log: its permalink, or its blob's URL.
pub(super) fn log_id(site: &Site, keys: &keys::Keys, i: usize) -> String {
    let e = &site.entries[i];
    if e.friends_only {
        format!("{}{}", site.base_url(), super::seal::blob_path(keys, e))
    } else {
        site.entry_url(e)
    }
}

pub(super) fn load(store: &Store, site: &Site, keys: &keys::Keys) -> anyhow::Result<Conv> {
    let me = protocol::normalize_url(site.base_url()).unwrap_or_default();
    // A friends-only post is named by its blob URL on the wire, by its
    // permalink in our own views.
    let own: HashMap<String, (String, bool)> = site
        .posts
        .iter()
        .chain(&site.private_posts)
        .map(|&i| {
            let e = &site.entries[i];
            (log_id(site, keys, i), (site.entry_url(e), e.friends_only))
        })
        .collect();
    let view_key = |k: &str| own.get(k).map_or_else(|| k.to_string(), |(p, _)| p.clone());
    let rows = unique_replies(store.replies()?);
    let mut conv = Conv {
        public: Conversations::default(),
        private: Conversations::default(),
        relay: HashMap::new(),
    };
    for r in rows.iter().filter(|r| !r.hidden) {
        let Some(line) = line_of(r) else { continue };
        conv.private
            .threads
            .entry(view_key(&r.root))
            .or_default()
            .push(ReplyLine {
                parent: view_key(&r.parent),
                ..line.clone()
            });
        let Some((permalink, own_private)) = own.get(&r.root) else {
            continue;
        };
        if r.author != me && (*own_private || !r.private) {
            conv.relay
                .entry(r.root.clone())
                .or_default()
                .push(relayed(r));
        }
        if !own_private && !r.private && site.config.site.public_replies {
            conv.public
                .threads
                .entry(permalink.clone())
                .or_default()
                .push(line);
        }
    }
    let people: Vec<(String, String)> = site
        .friends
        .iter()
        .map(|f| (f.url.clone(), f.name.clone()))
        .collect();
    conv.public.people = people.clone();
    conv.private.people = people;
    own_replies(site, &mut conv, &rows, &view_key);
    reactions(store, &own, &mut conv)?;
    parents(store, site, &mut conv)?;
    Ok(conv)
}

/// One row per reply: the author's own copy over a relayed one.
fn unique_replies(rows: Vec<Reply>) -> Vec<Reply> {
    let mut by_url: BTreeMap<String, Reply> = BTreeMap::new();
    for r in rows {
        let direct = r.via == r.author;
        match by_url.get(&r.url) {
            Some(old) if old.via == old.author || !direct => {}
            _ => {
                by_url.insert(r.url.clone(), r);
            }
        }
    }
    by_url.into_values().collect()
}

fn line_of(r: &Reply) -> Option<ReplyLine> {
    Some(ReplyLine {
        url: r.url.clone(),
        parent: r.parent.clone(),
        author_name: r.author_name.clone(),
        author_url: r.author.clone(),
        published: DateTime::parse_from_rfc3339(&r.published).ok()?,
        content_html: r.content_html.clone(),
    })
}

fn relayed(r: &Reply) -> protocol::ThreadReply {
    protocol::ThreadReply {
        url: r.url.clone(),
        author: r.author.clone(),
        author_name: r.author_name.clone(),
        in_reply_to: r.parent.clone(),
        published: r.published.clone(),
        content_html: r.content_html.clone(),
    }
}

/// The owner's own replies join the threads they answer, in the private
/// view, and on public pages when they and the thread's post are public.
fn own_replies(site: &Site, conv: &mut Conv, rows: &[Reply], view_key: &dyn Fn(&str) -> String) {
    let cfg = &site.config.site;
    for &i in site.posts.iter().chain(&site.private_posts) {
        let e = &site.entries[i];
        let Some(parent) = &e.in_reply_to else {
            continue;
        };
        let parent = view_key(parent);
        let root = rows
            .iter()
            .find(|r| view_key(&r.url) == parent)
            .map_or_else(|| parent.clone(), |r| view_key(&r.root));
        let line = ReplyLine {
            url: site.entry_url(e),
            parent,
            author_name: cfg.author.clone(),
            author_url: site.base_url().to_string(),
            published: e.date,
            content_html: format!("<p>{}</p>", crate::render::escape(&e.description)),
        };
        conv.private
            .threads
            .entry(root.clone())
            .or_default()
            .push(line.clone());
        let public_root = site
            .posts
            .iter()
            .any(|&j| site.entry_url(&site.entries[j]) == root);
        if !e.friends_only && public_root && cfg.public_replies {
            conv.public.threads.entry(root).or_default().push(line);
        }
    }
}

/// Counts per emoji on our posts; names only in the private view.
fn reactions(
    store: &Store,
    own: &HashMap<String, (String, bool)>,
    conv: &mut Conv,
) -> anyhow::Result<()> {
    let names: HashMap<String, String> = store
        .friends()?
        .into_iter()
        .map(|f| (f.url, f.name))
        .collect();
    let mut by_post: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (post, reactor, emoji) in store.reactions()? {
        let who = names.get(&reactor).cloned().unwrap_or(reactor);
        by_post
            .entry(post)
            .or_default()
            .entry(emoji)
            .or_default()
            .push(who);
    }
    for (post, emojis) in by_post {
        let Some((permalink, private)) = own.get(&post) else {
            continue;
        };
        let counts: Vec<ReactionCount> = emojis
            .into_iter()
            .map(|(emoji, who)| ReactionCount {
                emoji,
                count: who.len(),
                who,
            })
            .collect();
        if !private {
            let public = counts
                .iter()
                .map(|c| ReactionCount {
                    who: Vec::new(),
                    ..c.clone()
                })
                .collect();
            conv.public.reactions.insert(permalink.clone(), public);
        }
        conv.private.reactions.insert(permalink.clone(), counts);
    }
    Ok(())
}

/// What each of our replies answers: a friend's post we hold, by name and
/// first words (a friends-only one only in the private view).
fn parents(store: &Store, site: &Site, conv: &mut Conv) -> anyhow::Result<()> {
    let wanted: Vec<&String> = site
        .entries
        .iter()
        .filter_map(|e| e.in_reply_to.as_ref())
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let names: HashMap<String, String> = store
        .friends()?
        .into_iter()
        .map(|f| (f.url, f.name))
        .collect();
    for private in [false, true] {
        for it in store.friend_items(private)? {
            if !wanted.contains(&&it.id) || (it.private && !private) {
                continue;
            }
            let parent = ParentRef {
                url: it.id.clone(),
                author_name: names.get(&it.friend).cloned(),
                excerpt: Some(crate::federation::reply::excerpt(&it.content_html)),
            };
            if !it.private {
                conv.public.parents.insert(it.id.clone(), parent.clone());
            }
            conv.private.parents.insert(it.id, parent);
        }
    }
    Ok(())
}

/// The part of own post `i`'s fingerprint its thread and reactions make.
pub(super) fn fingerprint(conv: &Conv, site: &Site, keys: &keys::Keys, i: usize) -> u128 {
    let e = &site.entries[i];
    let view = site.entry_url(e);
    let mut fp = Fp::new(0);
    let c = if e.friends_only {
        &conv.private
    } else {
        &conv.public
    };
    for (r, depth) in c.ordered(&view) {
        fp = reply_fp(fp, r).num(depth as u128);
    }
    for x in c.reactions.get(&view).into_iter().flatten() {
        fp = fp.str(&x.emoji).num(x.count as u128);
    }
    for t in conv.relay.get(&log_id(site, keys, i)).into_iter().flatten() {
        fp = fp.str(&t.url).str(&t.content_html);
    }
    if let Some(p) = e.in_reply_to.as_ref().and_then(|u| c.parents.get(u)) {
        fp = fp
            .str(&p.url)
            .str(p.author_name.as_deref().unwrap_or(""))
            .str(p.excerpt.as_deref().unwrap_or(""));
    }
    fp.done()
}

/// Everything a reply shows: a reply moved to another date changes the
/// page it is shown on.
fn reply_fp(fp: Fp, r: &ReplyLine) -> Fp {
    fp.str(&r.url)
        .str(&r.content_html)
        .str(&r.author_name)
        .str(&r.author_url)
        .str(&r.published.to_rfc3339())
}

/// The fingerprint of everything a `Conversations` shows (the private
/// view's stamp).
pub(super) fn view_fingerprint(c: &Conversations) -> u128 {
    let mut fp = Fp::new(0);
    let mut keys: Vec<&String> = c.threads.keys().chain(c.reactions.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        fp = fp.str(k);
        for (r, depth) in c.ordered(k) {
            fp = reply_fp(fp, r).num(depth as u128);
        }
        for x in c.reactions.get(k).into_iter().flatten() {
            fp = fp.str(&x.emoji).str(&x.who.join("\n"));
        }
    }
    fp.done()
}

/// Mixes each own post's conversation into its fingerprint, leaving posts
/// without one as they were.
pub(super) fn mix(conv: &Conv, site: &Site, keys: &keys::Keys, entry_fps: &mut [u128]) {
    let none = Fp::new(0).done();
    for &i in site.posts.iter().chain(&site.private_posts) {
        let f = fingerprint(conv, site, keys, i);
        if f != none {
            entry_fps[i] = Fp::new(entry_fps[i]).num(f).done();
        }
    }
}
