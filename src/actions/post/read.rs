//! Reading posts back for the owner: the list, one post for its edit form,
//! and a preview of markdown that writes nothing.

use super::{Draft, PostId};
use crate::content::markdown::{self, LinkResolver};
use crate::content::{frontmatter, CONTENT_DIR, POSTS_DIR};
use anyhow::{anyhow, Context as _};
use std::path::Path;

/// A post as its edit form shows it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: PostId,
    /// Title, body (markdown), tags, visibility, draft; no new images.
    pub draft: Draft,
    /// Files beside a folder post (its images).
    pub files: Vec<String>,
}

/// One line of the owner's post list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: PostId,
    /// The title, or the start of the text.
    pub label: String,
    pub date: Option<String>,
    pub draft: bool,
    pub friends_only: bool,
}

/// The post `id`, read from disk.
pub fn load(root: &Path, id: &PostId) -> anyhow::Result<Stored> {
    let path = id.path(root);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let split = frontmatter::split(&text, &path).map_err(|p| anyhow!("{p}"))?;
    let fm = split.front;
    let mut files = Vec::new();
    if let Some(folder) = id.folder(root) {
        for e in std::fs::read_dir(&folder)
            .with_context(|| format!("cannot read {}", folder.display()))?
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if name != "index.md" && !crate::content::is_hidden(&e.file_name()) {
                files.push(name);
            }
        }
        files.sort();
    }
    Ok(Stored {
        id: id.clone(),
        draft: Draft {
            title: fm.title,
            body: split.body.trim().to_string(),
            tags: fm.tags,
            friends_only: fm.visibility.as_deref() == Some("friends"),
            draft: fm.draft,
            reply_to: None,
            images: Vec::new(),
        },
        files,
    })
}

/// Every post, newest first.
/// A post whose front matter does not parse is still listed, by name.
pub fn list(root: &Path) -> anyhow::Result<Vec<Listed>> {
    let mut out = Vec::new();
    for s in crate::content::scan(&root.join(CONTENT_DIR))? {
        if s.kind != crate::content::Kind::Post {
            continue;
        }
        let id = PostId::parse(&s.rel)?;
        let name = s
            .rel
            .trim_start_matches("posts/")
            .trim_end_matches("/index.md");
        let mut item = Listed {
            label: name.trim_end_matches(".md").to_string(),
            date: None,
            draft: false,
            friends_only: false,
            id,
        };
        if let Ok(text) = std::fs::read_to_string(&s.abs) {
            if let Ok(split) = frontmatter::split(&text, &s.abs) {
                let f = split.front;
                item.draft = f.draft;
                item.friends_only = f.visibility.as_deref() == Some("friends");
                item.date = f
                    .date
                    .and_then(|d| d.to_datetime().ok())
                    .map(|d| d.with_timezone(&chrono::Utc).to_rfc3339());
                let first = split.body.lines().find(|l| !l.trim().is_empty());
                if let Some(label) = f
                    .title
                    .or(first.map(|l| l.trim().chars().take(80).collect()))
                {
                    item.label = label;
                }
            }
        }
        out.push(item);
    }
    // Newest first by the date the post says (UTC text sorts as time does);
    // file names break ties.
    out.sort_by(|a, b| {
        b.date
            .cmp(&a.date)
            .then_with(|| b.id.as_str().cmp(a.id.as_str()))
    });
    Ok(out)
}

/// Markdown → HTML safe to show (scripts, handlers and `javascript:` URLs
/// removed); nothing is written. Relative image names resolve against
/// `asset_base`.
pub fn preview(body: &str, asset_base: &str) -> String {
    struct Links<'a>(&'a str);
    impl LinkResolver for Links<'_> {
        fn source_url(&self, _: &str) -> Option<String> {
            None
        }
        fn asset_base(&self) -> &str {
            self.0
        }
        fn source_dir(&self) -> &str {
            POSTS_DIR
        }
    }
    let html = markdown::render(body, &Links(asset_base)).html;
    crate::federation::sanitize::clean(&html, asset_base)
}
