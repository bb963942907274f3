//! The adapter from the state store's rows to the site's own types. Friends'
//! HTML is sanitised here, before it reaches render.

use crate::config::RemoteImages;
use crate::federation::sanitize;
use crate::render::{ChatLine, Fp};
use crate::site::{FriendInfo, FriendPost};
use crate::store::{Message, Store};
use chrono::DateTime;
use rayon::prelude::*;
use std::collections::HashMap;

/// Sanitises one friend's HTML against the post's URL.
pub(super) type Clean = dyn Fn(&str, &str) -> String + Sync;

/// The public site's sanitiser.
pub(super) fn clean_public(html: &str, base: &str) -> String {
    sanitize::clean(html, base)
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

pub(super) fn private_data(store: &Store, images: RemoteImages) -> anyhow::Result<PrivateData> {
    // Friends' images become links here unless the owner chose otherwise.
    let clean = move |html: &str, base: &str| {
        sanitize::clean(&sanitize::clean_for_private_view(html, base, images), base)
    };
    let (friends, posts) = friends_from_store(store, true, &clean)?;
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
/// Their HTML is sanitised here: render trusts what it is given.
pub(super) fn friends_from_store(
    store: &Store,
    private: bool,
    clean: &Clean,
) -> anyhow::Result<(Vec<FriendInfo>, Vec<FriendPost>)> {
    let friends: Vec<FriendInfo> = store
        .friends()?
        .into_iter()
        .filter(|f| f.state == "friend")
        .map(|f| FriendInfo {
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
    let items = store.friend_items(private)?;
    // Sanitising is the costly part: done for all posts at once, in parallel.
    let cleaned: Vec<String> = items
        .par_iter()
        .map(|it| clean(&it.content_html, &it.id))
        .collect();
    for (it, content_html) in items.into_iter().zip(cleaned) {
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
            content_html,
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
    use crate::store::{Friend, FriendItem};

    fn store_with(html: &str) -> Store {
        let store = Store::in_memory().unwrap();
        store
            .upsert_friend(&Friend {
                url: "https://bob.example/".into(),
                name: "Bob".into(),
                state: "friend".into(),
                signing_key: String::new(),
                encryption_key: String::new(),
                inbox: String::new(),
                feed: String::new(),
                avatar: None,
                created: 0,
                last_seq: 0,
                feed_etag: None,
                last_pull: None,
                last_pull_error: None,
                last_heard: None,
            })
            .unwrap();
        store
            .upsert_item(&FriendItem {
                friend: "https://bob.example/".into(),
                id: "https://bob.example/posts/1/".into(),
                title: None,
                content_html: html.into(),
                published: "2026-11-01T10:00:00+00:00".into(),
                updated: None,
                tags: vec![],
                private: false,
            })
            .unwrap();
        store
    }

    #[test]
    fn friends_html_reaches_the_site_sanitised_against_the_post_url() {
        let raw = "<p>hi<script>alert(1)</script> <a href=\"pic.png\" onclick=\"x()\">a</a></p>";
        let store = store_with(raw);
        let (friends, posts) = friends_from_store(&store, false, &clean_public).unwrap();
        assert_eq!(friends.len(), 1);
        assert_eq!(posts.len(), 1);
        let html = &posts[0].content_html;
        assert_eq!(html, &sanitize::clean(raw, "https://bob.example/posts/1/"));
        assert!(
            !html.contains("<script") && !html.contains("onclick"),
            "{html}"
        );
        assert!(
            html.contains("https://bob.example/posts/1/pic.png"),
            "{html}"
        );
    }

    #[test]
    fn the_private_view_gets_its_image_choice_and_a_final_clean() {
        let raw = "<p><img src=\"https://cdn.example/a.png\" alt=\"a\"></p>";
        let store = store_with(raw);
        let data = private_data(&store, RemoteImages::Link).unwrap();
        let base = "https://bob.example/posts/1/";
        let want = sanitize::clean(
            &sanitize::clean_for_private_view(raw, base, RemoteImages::Link),
            base,
        );
        assert_eq!(data.posts[0].content_html, want);
        assert!(!want.contains("<img"), "{want}");
    }
}
