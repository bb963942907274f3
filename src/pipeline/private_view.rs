//! The owner's private view: every post, friends-only ones included, and
//! the message threads, rendered outside the public output.

use super::friends::{chat_lines, clean_private, PrivateData};
use super::load::ensure_html;
use crate::content::Source;
use crate::output::Output;
use crate::render::theme::Theme;
use crate::render::{self, Fp, Html, Renderer};
use crate::site::Site;
use crate::store::Message;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Newest entries the private view's timeline shows.
const PRIVATE_VIEW_ENTRIES: usize = 50;

/// Renders the owner's private view (all posts, friends-only ones included,
/// and message threads) into `dir`, replacing it whole.
pub(super) struct PrivateView<'a> {
    pub theme: &'a Theme,
    pub sources: &'a [Source],
    pub globals: u128,
    pub entry_fp: &'a [u128],
    /// Replies and reactions the view shows.
    pub conversations: &'a render::Conversations,
}

/// The fingerprint of everything the view shows.
fn stamp(
    view: &PrivateView<'_>,
    site: &Site,
    threads: &[(String, String, Vec<Message>)],
    unread: &HashMap<String, i64>,
) -> String {
    let mut fp = Fp::new(view.globals)
        .str("private")
        .num(super::conversations::view_fingerprint(view.conversations));
    for r in site.timeline.iter().take(PRIVATE_VIEW_ENTRIES) {
        fp = match *r {
            crate::site::TimelineRef::Own(i) => fp.num(view.entry_fp[i]),
            crate::site::TimelineRef::Friend(j) => fp.num(site.friend_posts[j].fingerprint),
        };
    }
    for (peer, name, messages) in threads {
        fp = fp
            .str(peer)
            .str(name)
            .num(unread.get(peer).copied().unwrap_or(0) as u128);
        for m in messages {
            fp = fp.str(&m.id).str(&m.state);
        }
    }
    format!("{:032x}", fp.done())
}

pub(super) fn write_private_view(
    view: &PrivateView<'_>,
    site: &mut Site,
    htmls: &mut [Option<Html>],
    data: PrivateData,
    dir: &Path,
) -> anyhow::Result<()> {
    let (theme, sources) = (view.theme, view.sources);
    let own: Vec<usize> = site
        .posts
        .iter()
        .chain(&site.private_posts)
        .copied()
        .collect();
    site.set_timeline(own, data.friends, data.posts);
    // Skip the render when nothing the view shows has changed.
    let stamp = stamp(view, site, &data.threads, &data.unread);
    let stamp_file = dir.with_extension("fingerprint");
    if dir.is_dir() && std::fs::read_to_string(&stamp_file).is_ok_and(|s| s == stamp) {
        return Ok(());
    }
    let need: HashSet<usize> = site
        .timeline
        .iter()
        .take(PRIVATE_VIEW_ENTRIES)
        .filter_map(|r| match r {
            crate::site::TimelineRef::Own(i) => Some(*i),
            _ => None,
        })
        .collect();
    ensure_html(site, sources, htmls, &need)?;
    // Friends' images: links, not loads, unless the owner chose otherwise.
    let clean = clean_private(site.config.federation.remote_images);
    let renderer =
        Renderer::new(site, theme, htmls, &clean)?.with_conversations(view.conversations);
    let threads: Vec<render::Thread> = data
        .threads
        .iter()
        .map(|(peer, name, messages)| render::Thread {
            slug: format!(
                "{}-{:08x}",
                slug::slugify(name),
                xxhash_rust::xxh3::xxh3_64(peer.as_bytes()) as u32
            ),
            name,
            url: peer,
            unread: data.unread.get(peer).copied().unwrap_or(0),
            messages: chat_lines(messages),
        })
        .collect();
    let mut files = vec![(
        "index.html".to_string(),
        renderer.render_home(PRIVATE_VIEW_ENTRIES, &threads)?,
    )];
    for t in &threads {
        files.push((
            format!("messages/{}/index.html", t.slug),
            renderer.render_thread(t)?,
        ));
    }
    crate::federation::keys::create_private_dir(dir.parent().unwrap_or(dir))?;
    let out = Output::new_private(dir, dir.parent().unwrap_or(dir))?;
    let _lock = out.lock()?;
    out.recover()?;
    let txn = out.begin()?;
    for (path, bytes) in &files {
        txn.write(path, bytes)?;
    }
    txn.commit(&|rel| files.iter().any(|(p, _)| p == rel), &[], None)?;
    crate::fsutil::write_private(&stamp_file, stamp.as_bytes())
}
