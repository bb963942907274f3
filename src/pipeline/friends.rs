//! The adapter from the state store's rows to the site's own types, and the
//! sanitisers render runs on friends' HTML.

use crate::config::RemoteImages;
use crate::federation::sanitize;
use crate::render::{ChatLine, Fp};
use crate::site::{FriendInfo, FriendPost};
use crate::store::{Message, Store};
use chrono::DateTime;
use std::collections::HashMap;

/// The public site's sanitiser.
pub(super) fn clean_public(html: &str, base: &str) -> String {
    sanitize::clean(html, base)
}

/// The private view's: friends' images become links unless the owner chose
/// otherwise, then a final clean.
pub(super) fn clean_private(images: RemoteImages) -> impl Fn(&str, &str) -> String + Sync {
    move |html: &str, base: &str| {
        let clean = sanitize::clean(&sanitize::clean_for_private_view(html, base, images), base);
        crate::federation::media::localize(&clean)
    }
}

/// A conversation's messages as the private view shows them.
pub(super) fn chat_lines(messages: &[Message]) -> Vec<ChatLine> {
    messages
        .iter()
        .map(|m| ChatLine {
            mine: m.direction == "out",
            body: m.body.clone(),
            at: m.at,
            state: m.state.clone(),
        })
        .collect()
}

/// What the private view shows besides the site itself.
pub(super) struct PrivateData {
    pub friends: Vec<FriendInfo>,
    pub posts: Vec<FriendPost>,
    /// (friend url, name, messages) for every conversation.
    pub threads: Vec<(String, String, Vec<Message>)>,
    pub unread: HashMap<String, i64>,
}

pub(super) fn private_data(store: &Store) -> anyhow::Result<PrivateData> {
    let (friends, posts) = friends_from_store(store, true)?;
    let names: HashMap<String, String> = store
        .friends()?
        .into_iter()
        .map(|f| (f.url, f.name))
        .collect();
    let mut threads = Vec::new();
    let mut unread = HashMap::new();
    // The store names the table for its other queries; these are named here.
    for (peer, _, n, _) in store.at("messages", || store.conversations())? {
        let name = names.get(&peer).cloned().unwrap_or_else(|| peer.clone());
        unread.insert(peer.clone(), n);
        let messages = store.at("messages", || store.messages(&peer))?;
        threads.push((peer.clone(), name, messages));
    }
    Ok(PrivateData {
        friends,
        posts,
        threads,
        unread,
    })
}

/// Friends and their cached posts from the state store, for the timeline.
pub(super) fn friends_from_store(
    store: &Store,
    private: bool,
) -> anyhow::Result<(Vec<FriendInfo>, Vec<FriendPost>)> {
    let mut bios = store.friend_bios()?;
    let friends: Vec<FriendInfo> = store
        .friends()?
        .into_iter()
        .filter(|f| f.state == "friend")
        .map(|f| FriendInfo {
            since: DateTime::from_timestamp_millis(f.created),
            bio: bios.remove(&f.url),
            url: f.url,
            name: f.name,
            avatar: f.avatar,
        })
        .collect();
    let index: HashMap<&str, usize> = friends
        .iter()
        .enumerate()
        .map(|(i, f)| (f.url.as_str(), i))
        .collect();
    let mut posts = Vec::new();
    for it in store.friend_items(private)? {
        let (Some(&friend), Ok(date)) = (
            index.get(it.friend.as_str()),
            DateTime::parse_from_rfc3339(&it.published),
        ) else {
            continue; // damaged row: leave it out rather than fail the build
        };
        let f = &friends[friend];
        let mut fp = Fp::new(0)
            .str(&it.id)
            .str(&it.content_html)
            .str(it.title.as_deref().unwrap_or(""))
            .str(&it.published)
            .str(it.updated.as_deref().unwrap_or(""))
            .str(&f.name)
            .str(f.avatar.as_deref().unwrap_or(""));
        for t in &it.tags {
            fp = fp.str(t);
        }
        posts.push(FriendPost {
            friend,
            url: it.id,
            title: it.title,
            content_html: it.content_html,
            date,
            updated: it
                .updated
                .as_deref()
                .and_then(|u| DateTime::parse_from_rfc3339(u).ok()),
            tags: it.tags,
            fingerprint: fp.done(),
            private: it.private,
        });
    }
    Ok((friends, posts))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: &str = "<p>hi<script>alert(1)</script> <a href=\"x\" onclick=\"y()\">a</a> \
        <img src=\"https://cdn.example/a.png\" alt=\"a\"></p>";
    const BASE: &str = "https://bob.example/posts/1/";

    #[test]
    fn the_public_sanitiser_drops_scripts_and_resolves_links() {
        let html = clean_public(RAW, BASE);
        assert!(
            !html.contains("<script") && !html.contains("onclick"),
            "{html}"
        );
        assert!(
            html.contains("href=\"https://bob.example/posts/1/x\""),
            "{html}"
        );
        assert!(html.contains("<img"), "{html}");
    }

    #[test]
    fn the_private_sanitiser_turns_images_into_links_unless_told_to_load() {
        let link = clean_private(RemoteImages::Link)(RAW, BASE);
        assert!(
            !link.contains("<script") && !link.contains("onclick"),
            "{link}"
        );
        assert!(!link.contains("<img"), "{link}");
        assert!(link.contains("https://cdn.example/a.png"), "{link}");
        let load = clean_private(RemoteImages::Load)(RAW, BASE);
        assert!(load.contains("<img"), "{load}");
        assert!(!load.contains("<script"), "{load}");
    }
}
