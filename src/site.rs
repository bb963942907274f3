//! The site model: entries ordered, grouped by tag and paginated. Pure data,
//! no I/O, so every page's inputs are known before anything is rendered.

use crate::config::Config;
use crate::content::{Entry, Kind};
use crate::problem::Problem;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

/// Output folders a page slug may not take.
const RESERVED: &[&str] = &[
    "posts",
    "tags",
    "page",
    "timeline",
    "friends",
    "home",
    "federation",
    "inbox",
    "health",
];

pub struct Tag {
    pub name: String,
    pub slug: String,
    /// Indices into `Site::entries`, newest first.
    pub posts: Vec<usize>,
}

/// A friend as the public site shows them.
#[derive(Debug, Clone)]
pub struct FriendInfo {
    pub url: String,
    pub name: String,
    pub avatar: Option<String>,
    /// A line about them, from their discovery document.
    pub bio: Option<String>,
    /// When the friendship began (first contact).
    pub since: Option<chrono::DateTime<chrono::Utc>>,
}

/// A friend's post cached by the sidecar (already sanitised once); render
/// sanitises `content_html` again with the pipeline's `render::Sanitise`.
#[derive(Debug, Clone)]
pub struct FriendPost {
    /// Index into `Site::friends`.
    pub friend: usize,
    pub url: String,
    pub title: Option<String>,
    pub content_html: String,
    pub date: chrono::DateTime<chrono::FixedOffset>,
    pub updated: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub tags: Vec<String>,
    pub fingerprint: u128,
    /// A friends-only post (private view only).
    pub private: bool,
}

/// One entry of the merged timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineRef {
    Own(usize),
    Friend(usize),
}

pub struct Site {
    pub config: Config,
    pub friends: Vec<FriendInfo>,
    pub friend_posts: Vec<FriendPost>,
    /// Own posts and friends' posts, newest first.
    pub timeline: Vec<TimelineRef>,
    pub entries: Vec<Entry>,
    /// Published public posts, indices into `entries`, newest first.
    pub posts: Vec<usize>,
    /// Friends-only posts (published only encrypted), newest first.
    pub private_posts: Vec<usize>,
    pub pages: Vec<usize>,
    pub tags: Vec<Tag>,
    /// Permalink of every published source, by content-relative path. Kept
    /// apart from `entries` so links resolve while entries are being updated.
    url_by_source: HashMap<String, String>,
    /// Position of each entry in `posts`, so neighbours are found in O(1).
    post_pos: Vec<Option<usize>>,
}

impl Site {
    /// Orders and groups entries. Drafts are dropped unless `drafts`.
    pub fn new(config: Config, entries: Vec<Entry>, drafts: bool) -> Result<Site, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut posts: Vec<usize> = Vec::new();
        let mut private_posts: Vec<usize> = Vec::new();
        let mut pages: Vec<usize> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            if e.draft && !drafts {
                continue;
            }
            match e.kind {
                Kind::Post if e.friends_only => private_posts.push(i),
                Kind::Post => posts.push(i),
                Kind::Page => pages.push(i),
            }
        }
        let newest_first = |a: &usize, b: &usize| {
            let (a, b) = (&entries[*a], &entries[*b]);
            b.sort_time()
                .cmp(&a.sort_time())
                .then_with(|| b.source.cmp(&a.source))
        };
        posts.sort_by(newest_first);
        private_posts.sort_by(newest_first);
        pages.sort_by(|&a, &b| entries[a].source.cmp(&entries[b].source));

        check_slugs(
            &entries,
            posts.iter().chain(&private_posts).chain(&pages),
            &mut problems,
        );
        let tags = group_tags(&entries, &posts);

        if !problems.is_empty() {
            return Err(problems);
        }
        let base_url = &config.site.base_url;
        // Friends-only posts have no public address to link to.
        let url_by_source = entries
            .iter()
            .filter(|e| (!e.draft || drafts) && !e.friends_only)
            .map(|e| (e.source.clone(), format!("{base_url}{}", entry_dir(e))))
            .collect();
        let mut post_pos = vec![None; entries.len()];
        for (pos, &i) in posts.iter().enumerate() {
            post_pos[i] = Some(pos);
        }
        Ok(Site {
            config,
            friends: Vec::new(),
            friend_posts: Vec::new(),
            timeline: posts.iter().map(|&i| TimelineRef::Own(i)).collect(),
            entries,
            posts,
            private_posts,
            pages,
            tags,
            url_by_source,
            post_pos,
        })
    }

    /// Adds friends and their posts, and merges the timeline with `own`
    /// (the public posts, or for the private view all posts).
    pub fn set_friends(&mut self, friends: Vec<FriendInfo>, posts: Vec<FriendPost>) {
        let own = self.posts.clone();
        self.set_timeline(own, friends, posts);
    }

    pub fn set_timeline(
        &mut self,
        mut own: Vec<usize>,
        friends: Vec<FriendInfo>,
        mut posts: Vec<FriendPost>,
    ) {
        own.sort_by(|&a, &b| {
            let (a, b) = (&self.entries[a], &self.entries[b]);
            b.sort_time()
                .cmp(&a.sort_time())
                .then_with(|| b.source.cmp(&a.source))
        });
        posts.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| b.url.cmp(&a.url)));
        let mut timeline = Vec::with_capacity(own.len() + posts.len());
        let (mut i, mut j) = (0, 0);
        while i < own.len() || j < posts.len() {
            let own_first = match (own.get(i), posts.get(j)) {
                (Some(&o), Some(f)) => self.entries[o].sort_time() >= f.date,
                (Some(_), None) => true,
                _ => false,
            };
            if own_first {
                timeline.push(TimelineRef::Own(own[i]));
                i += 1;
            } else {
                timeline.push(TimelineRef::Friend(j));
                j += 1;
            }
        }
        self.friends = friends;
        self.friend_posts = posts;
        self.timeline = timeline;
    }

    /// Position of entry `i` in the newest-first post list.
    pub fn post_position(&self, i: usize) -> Option<usize> {
        self.post_pos.get(i).copied().flatten()
    }

    pub fn base_url(&self) -> &str {
        &self.config.site.base_url
    }

    /// Output-relative folder of an entry, e.g. `posts/hello/`.
    pub fn entry_dir(&self, e: &Entry) -> String {
        entry_dir(e)
    }

    pub fn entry_url(&self, e: &Entry) -> String {
        format!("{}{}", self.base_url(), entry_dir(e))
    }

    /// Permalink for a content-relative source path, if it is published.
    pub fn url_of_source(&self, source: &str) -> Option<&str> {
        self.url_by_source.get(source).map(String::as_str)
    }
}

pub fn entry_dir(e: &Entry) -> String {
    match e.kind {
        Kind::Post => format!("posts/{}/", e.slug),
        Kind::Page => format!("{}/", e.slug),
    }
}

/// Pagination numbered from the oldest post: archive page N always holds the
/// same posts, so a new post rewrites the home page and at most one archive
/// page instead of every page.
#[derive(Debug, PartialEq, Eq)]
pub struct Paging {
    /// Positions in the newest-first list shown on the first page (`per`..`2*per-1` posts).
    pub home: Range<usize>,
    /// `archives[k]` is page `k+1`, positions in the newest-first list.
    pub archives: Vec<Range<usize>>,
}

pub fn paginate(n: usize, per: usize) -> Paging {
    let per = per.max(1);
    let full = n / per;
    // Positions counted from the oldest: chunk c (0-based) is [c*per, (c+1)*per).
    let to_newest = |oldest: Range<usize>| (n - oldest.end)..(n - oldest.start);
    if full <= 1 {
        return Paging {
            home: 0..n,
            archives: Vec::new(),
        };
    }
    let home = to_newest((full - 1) * per..n);
    let archives = (0..full - 1)
        .map(|c| to_newest(c * per..(c + 1) * per))
        .collect();
    Paging { home, archives }
}

/// Two entries of one kind may not share a slug; pages may not take the
/// generated pages' names.
fn check_slugs<'a>(
    entries: &'a [Entry],
    order: impl Iterator<Item = &'a usize>,
    problems: &mut Vec<Problem>,
) {
    let mut seen: HashMap<(Kind, &str), &str> = HashMap::new();
    for &i in order {
        let e = &entries[i];
        if let Some(other) = seen.insert((e.kind, &e.slug), &e.source) {
            problems.push(Problem::new(
                &Path::new("content").join(&e.source),
                1,
                format!(
                    "slug `{}` is already used by content/{other}: set a different `slug`",
                    e.slug
                ),
            ));
        }
        if e.kind == Kind::Page && RESERVED.contains(&e.slug.as_str()) {
            problems.push(Problem::new(
                &Path::new("content").join(&e.source),
                1,
                format!("page slug `{}` is reserved for generated pages", e.slug),
            ));
        }
    }
}

/// Tags of public posts, grouped by slug (first spelling wins), by slug.
fn group_tags(entries: &[Entry], posts: &[usize]) -> Vec<Tag> {
    let mut tag_index: HashMap<String, usize> = HashMap::new();
    let mut tags: Vec<Tag> = Vec::new();
    for &i in posts {
        for name in &entries[i].tags {
            let slug = slug::slugify(name);
            let t = *tag_index.entry(slug.clone()).or_insert_with(|| {
                tags.push(Tag {
                    name: name.clone(),
                    slug,
                    posts: Vec::new(),
                });
                tags.len() - 1
            });
            tags[t].posts.push(i);
        }
    }
    tags.sort_by(|a, b| a.slug.cmp(&b.slug));
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_lists_have_only_a_home_page() {
        assert_eq!(
            paginate(0, 10),
            Paging {
                home: 0..0,
                archives: vec![]
            }
        );
        assert_eq!(
            paginate(19, 10),
            Paging {
                home: 0..19,
                archives: vec![]
            }
        );
    }

    #[test]
    fn archive_pages_are_numbered_from_the_oldest() {
        let p = paginate(35, 10);
        assert_eq!(p.home, 0..15);
        assert_eq!(p.archives, vec![25..35, 15..25]);
        // One more post: archive pages keep their posts (positions shift by one).
        let q = paginate(36, 10);
        assert_eq!(q.home, 0..16);
        assert_eq!(q.archives, vec![26..36, 16..26]);
        // Every post appears exactly once.
        for n in 0..60 {
            let p = paginate(n, 7);
            let mut seen: Vec<usize> = p.home.clone().collect();
            for a in &p.archives {
                assert_eq!(a.len(), 7);
                seen.extend(a.clone());
            }
            seen.sort();
            assert_eq!(seen, (0..n).collect::<Vec<_>>());
            assert!(p.home.len() < 14);
            assert!(n < 7 || p.home.len() >= 7);
        }
    }
}
