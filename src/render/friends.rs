//! The friends page: one card per friend with their avatar, name, bio,
//! address, how long you have been friends and their latest post.

use super::context::Author;
use super::text::strip_tags;
use super::Renderer;
use crate::site::Site;
use serde::Serialize;

/// Avatar size on the friends page, in CSS pixels.
const AVATAR: u32 = 48;

#[derive(Serialize)]
struct Latest {
    label: String,
    url: String,
    date: String,
    date_display: String,
}

#[derive(Serialize)]
pub(super) struct FriendCard<'a> {
    #[serde(flatten)]
    author: Author<'a>,
    bio: Option<&'a str>,
    /// RFC 3339, UTC.
    since: Option<String>,
    since_display: Option<String>,
    latest: Option<Latest>,
}

/// Each friend's newest post (index into `Site::friend_posts`).
pub(super) fn latest_by_friend(site: &Site) -> Vec<Option<usize>> {
    let mut latest: Vec<Option<usize>> = vec![None; site.friends.len()];
    for (j, p) in site.friend_posts.iter().enumerate() {
        let Some(slot) = latest.get_mut(p.friend) else {
            continue;
        };
        if slot.is_none_or(|k| site.friend_posts[k].date < p.date) {
            *slot = Some(j);
        }
    }
    latest
}

pub(super) fn friend_cards<'a>(r: &'a Renderer<'_>) -> Vec<FriendCard<'a>> {
    let site = r.site;
    let latest = latest_by_friend(site);
    site.friends
        .iter()
        .zip(latest)
        .map(|(f, latest)| FriendCard {
            author: r.friend_author(f, AVATAR),
            bio: f.bio.as_deref(),
            since: f.since.map(|d| d.to_rfc3339()),
            since_display: f.since.map(|d| r.site.config.site.timezone.show(d).date),
            latest: latest.map(|j| {
                let p = &site.friend_posts[j];
                let label = p.title.clone().unwrap_or_else(|| {
                    let text = strip_tags(&(r.sanitise)(&p.content_html, &p.url));
                    crate::content::excerpt(&text, 60)
                });
                Latest {
                    label,
                    url: p.url.clone(),
                    date: p.date.to_rfc3339(),
                    date_display: r.when(&p.date),
                }
            }),
        })
        .collect()
}
