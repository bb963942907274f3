//! What the templates see: one small context type per thing a page shows.

use serde::Serialize;
use std::borrow::Cow;

#[derive(Serialize)]
pub(super) struct Link<'a> {
    pub name: &'a str,
    pub url: String,
}

#[derive(Serialize)]
pub struct PostCtx<'a> {
    pub title: Option<&'a str>,
    pub label: Cow<'a, str>,
    pub url: String,
    pub path: String,
    pub date: String,
    pub date_display: String,
    pub updated: Option<String>,
    pub updated_display: Option<String>,
    pub(super) tags: Vec<Link<'a>>,
    pub content: Cow<'a, str>,
    pub summary: Option<&'a str>,
    pub description: Cow<'a, str>,
    /// A draft, shown only by `serve`'s preview.
    pub draft: bool,
}

impl PostCtx<'_> {
    pub fn tag_names(&self) -> Vec<&str> {
        self.tags.iter().map(|t| t.name).collect()
    }
}

#[derive(Serialize)]
pub(super) struct Author<'a> {
    pub name: &'a str,
    /// Their site's address.
    pub url: String,
    /// The site's host, e.g. `ann.example`.
    pub host: String,
    /// An image to load, or None: then `monogram` is shown.
    pub avatar: Option<String>,
    /// Inline SVG of the initial, made at build time.
    pub monogram: String,
}

#[derive(Serialize)]
pub(super) struct Neighbour<'a> {
    pub label: &'a str,
    pub url: String,
}

#[derive(Serialize)]
pub(super) struct Pagination {
    pub number: Option<usize>,
    pub last: usize,
    pub older: Option<String>,
    pub newer: Option<String>,
}

impl Pagination {
    /// Links for page `archive` (None: the first page) of a list with `last`
    /// archive pages numbered from the oldest; `at` gives a page's URL.
    pub fn new(
        archive: Option<usize>,
        last: usize,
        at: impl Fn(Option<usize>) -> String,
    ) -> Pagination {
        let (older, newer) = match archive {
            None => ((last > 0).then(|| at(Some(last))), None),
            Some(n) => (
                (n > 1).then(|| at(Some(n - 1))),
                Some(if n < last { at(Some(n + 1)) } else { at(None) }),
            ),
        };
        Pagination {
            number: archive,
            last,
            older,
            newer,
        }
    }
}

/// What a post's own page shows besides the site's chrome.
pub(super) struct PostPage<'a> {
    pub post: PostCtx<'a>,
    pub author: Author<'a>,
    pub thread: Vec<super::conversation::ReplyCtx>,
    pub reactions: Vec<super::conversation::ReactionCount>,
    pub mentions: Vec<super::conversation::MentionCtx<'a>>,
    pub in_reply_to: Option<super::conversation::ParentRef>,
    pub newer: Option<Neighbour<'a>>,
    pub older: Option<Neighbour<'a>>,
}
