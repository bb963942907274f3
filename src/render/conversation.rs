//! Replies and reactions under a post, as the pipeline's adapter hands them
//! over (render knows nothing of the store): one `Conversations` per view.

use super::Renderer;
use serde::Serialize;
use std::collections::HashMap;

/// Replies nest this deep; deeper ones show at this depth.
pub const MAX_DEPTH: usize = 3;

/// One reply, as stored (its HTML is sanitised again when shown).
#[derive(Debug, Clone)]
pub struct ReplyLine {
    pub url: String,
    pub parent: String,
    pub author_name: String,
    pub author_url: String,
    pub published: chrono::DateTime<chrono::FixedOffset>,
    pub content_html: String,
}

/// Who reacted how to one post.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReactionCount {
    pub emoji: String,
    pub count: usize,
    /// Names of who reacted; empty on public pages.
    pub who: Vec<String>,
}

/// What a post that answers another shows about it.
#[derive(Debug, Clone, Serialize)]
pub struct ParentRef {
    pub url: String,
    pub author_name: Option<String>,
    pub excerpt: Option<String>,
}

/// Everything a view shows of conversations, by post key (a permalink, or a
/// friends-only post's blob URL).
#[derive(Debug, Clone, Default)]
pub struct Conversations {
    /// Replies by the post that starts their thread, oldest first.
    pub threads: HashMap<String, Vec<ReplyLine>>,
    pub reactions: HashMap<String, Vec<ReactionCount>>,
    /// What each `in_reply_to` target is, when known.
    pub parents: HashMap<String, ParentRef>,
    /// Friends a post may mention: (site URL, name).
    pub people: Vec<(String, String)>,
}

/// A friend a post mentions, linked as an h-card.
#[derive(Serialize)]
pub(super) struct MentionCtx<'a> {
    pub name: &'a str,
    pub url: &'a str,
}

#[derive(Serialize)]
pub(super) struct ReplyCtx {
    pub url: String,
    pub author_name: String,
    pub author_url: String,
    pub date: String,
    pub date_display: String,
    pub content: String,
    pub depth: usize,
}

impl Conversations {
    /// The thread under `key`, in reading order: each reply after its
    /// parent, siblings by time, depth capped at [`MAX_DEPTH`].
    pub fn ordered(&self, key: &str) -> Vec<(&ReplyLine, usize)> {
        let Some(all) = self.threads.get(key) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(all.len());
        let mut stack: Vec<(&str, usize)> = vec![(key, 0)];
        let mut placed = std::collections::HashSet::new();
        while let Some((parent, depth)) = stack.pop() {
            if parent != key {
                if let Some(r) = all.iter().find(|r| r.url == parent) {
                    out.push((r, depth.min(MAX_DEPTH)));
                }
            }
            let mut children: Vec<&ReplyLine> = all
                .iter()
                .filter(|r| r.parent == parent && placed.insert(r.url.as_str()))
                .collect();
            children.sort_by(|a, b| b.published.cmp(&a.published).then(b.url.cmp(&a.url)));
            stack.extend(children.into_iter().map(|r| (r.url.as_str(), depth + 1)));
        }
        // Replies whose parent is not in the thread (hidden, or not yet
        // read) still show, at the top level.
        let mut orphans: Vec<&ReplyLine> = all
            .iter()
            .filter(|r| !placed.contains(r.url.as_str()))
            .collect();
        orphans.sort_by_key(|a| a.published);
        out.extend(orphans.into_iter().map(|r| (r, 1)));
        out
    }
}

impl Renderer<'_> {
    /// The thread and reaction counts under `key`, for a template.
    pub(super) fn conversation_ctx(&self, key: &str) -> (Vec<ReplyCtx>, Vec<ReactionCount>) {
        let Some(c) = self.conversations else {
            return (Vec::new(), Vec::new());
        };
        let thread = c
            .ordered(key)
            .into_iter()
            .map(|(r, depth)| ReplyCtx {
                url: r.url.clone(),
                author_name: r.author_name.clone(),
                author_url: r.author_url.clone(),
                date: r.published.to_rfc3339(),
                date_display: crate::content::display_date(&r.published),
                content: (self.sanitise)(&r.content_html, &r.url),
                depth,
            })
            .collect();
        let reactions = c.reactions.get(key).cloned().unwrap_or_default();
        (thread, reactions)
    }

    /// The friends a post's HTML mentions.
    pub(super) fn mentions_ctx(&self, html: &str) -> Vec<MentionCtx<'_>> {
        // Most sites' posts name nobody: then their text is not scanned.
        let Some(c) = self.conversations.filter(|c| !c.people.is_empty()) else {
            return Vec::new();
        };
        let text = super::text::strip_tags(html);
        crate::content::mentions::mentioned(html, &text, &c.people)
            .into_iter()
            .filter_map(|url| c.people.iter().find(|(u, _)| u == url))
            .map(|(url, name)| MentionCtx { name, url })
            .collect()
    }

    /// What the post `url` answers, for its page.
    pub(super) fn parent_ctx(&self, url: &str) -> ParentRef {
        self.conversations
            .and_then(|c| c.parents.get(url).cloned())
            .unwrap_or_else(|| ParentRef {
                url: url.to_string(),
                author_name: None,
                excerpt: None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(url: &str, parent: &str, minute: u32) -> ReplyLine {
        ReplyLine {
            url: url.into(),
            parent: parent.into(),
            author_name: "Bo".into(),
            author_url: "https://b.example/".into(),
            published: chrono::DateTime::parse_from_rfc3339(&format!(
                "2026-11-25T10:{minute:02}:00Z"
            ))
            .unwrap(),
            content_html: String::new(),
        }
    }

    #[test]
    fn threads_nest_by_parent_in_time_order_and_flatten_deep() {
        let root = "https://a.example/p/";
        let mut c = Conversations::default();
        c.threads.insert(
            root.into(),
            vec![
                line("r2", root, 2),
                line("r1", root, 1),
                line("r1a", "r1", 3),
                line("d2", "r1a", 4),
                line("d3", "d2", 5),
                line("lost", "hidden", 6),
            ],
        );
        let got: Vec<(&str, usize)> = c
            .ordered(root)
            .into_iter()
            .map(|(r, d)| (r.url.as_str(), d))
            .collect();
        assert_eq!(
            got,
            [
                ("r1", 1),
                ("r1a", 2),
                ("d2", 3),
                ("d3", 3),
                ("r2", 1),
                ("lost", 1)
            ]
        );
    }
}
