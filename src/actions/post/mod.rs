//! Writing, editing and deleting posts. `create`, `edit` and `delete` only
//! change files under `content/posts/`; `publish` then records the change
//! (git, when the front end asks) and runs the `publish` path.

mod edit;
pub mod file;
pub mod read;

pub use edit::{delete, edit};
pub use file::slug_from;
pub use read::{list, load, preview, Listed, Stored};

use super::publish::Deploy;
use super::Outcome;
use crate::content::{CONTENT_DIR, POSTS_DIR};
use crate::upload::Image;
use anyhow::bail;
use std::path::{Path, PathBuf};

/// What a post says: the compose form, or `microsocial new`'s arguments.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub title: Option<String>,
    /// Markdown.
    pub body: String,
    pub tags: Vec<String>,
    /// `visibility = "friends"`: published only encrypted.
    pub friends_only: bool,
    /// Kept out of the site until published.
    pub draft: bool,
    /// The URL of the post this one answers (front matter `in_reply_to`).
    pub reply_to: Option<String>,
    /// Checked images (`upload::Image::check`), stored beside the post.
    pub images: Vec<Image>,
}

impl Draft {
    pub fn title(&self) -> Option<&str> {
        self.title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }

    /// Trimmed, without empty ones or repeats.
    pub fn tags(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in self.tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            if !out.iter().any(|o| o == t) {
                out.push(t.to_string());
            }
        }
        out
    }

    fn check(&self) -> anyhow::Result<()> {
        if self.body.trim().is_empty() && self.title().is_none() && self.images.is_empty() {
            bail!("nothing to post: write some text, give a title or add an image");
        }
        Ok(())
    }
}

/// A post's source, relative to `content/`: `posts/<name>.md` or
/// `posts/<name>/index.md`. Made only by `parse`, so it never leaves
/// `content/posts/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PostId(String);

impl PostId {
    pub fn parse(rel: &str) -> anyhow::Result<PostId> {
        let parts: Vec<&str> = rel.split('/').collect();
        let safe = |p: &str| {
            !p.is_empty() && !p.starts_with('.') && !p.contains(['\\', '\0']) && p != ".."
        };
        let ok = parts.iter().all(|p| safe(p))
            && parts.first() == Some(&POSTS_DIR)
            && match parts.len() {
                2 => parts[1].ends_with(".md"),
                3 => parts[2] == "index.md",
                _ => false,
            };
        if !ok {
            bail!("`{rel}` is not a post (posts/NAME.md or posts/NAME/index.md)");
        }
        Ok(PostId(rel.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The markdown file.
    pub fn path(&self, root: &Path) -> PathBuf {
        root.join(CONTENT_DIR).join(&self.0)
    }

    /// The post's folder (with its images), for a folder post.
    pub fn folder(&self, root: &Path) -> Option<PathBuf> {
        let p = self.path(root);
        self.0
            .ends_with("/index.md")
            .then(|| p.parent().map(Path::to_path_buf))
            .flatten()
    }

    /// What git and the user see: `content/posts/...`, relative to the root.
    pub fn rel_path(&self) -> PathBuf {
        Path::new(CONTENT_DIR).join(&self.0)
    }

    /// The file, or the whole folder of a folder post, relative to the root.
    pub fn rel_tree(&self) -> PathBuf {
        match self.0.strip_suffix("/index.md") {
            Some(folder) => Path::new(CONTENT_DIR).join(folder),
            None => self.rel_path(),
        }
    }
}

/// What `create`, `edit` or `delete` changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The post as it is now (`None` once deleted).
    pub id: Option<PostId>,
    /// Every path changed, relative to the site root (for git).
    pub paths: Vec<PathBuf>,
    /// `new post content/posts/…`: one line, also the commit message.
    pub summary: String,
    /// Whether the public site may have changed (a new draft does not).
    pub visible: bool,
}

/// Records a change in version control: (site root, changed paths,
/// message) → whether a commit was made. The front end supplies it (the web
/// interface commits; the CLI leaves git to its user).
pub type Record = dyn Fn(&Path, &[PathBuf], &str) -> anyhow::Result<bool>;

/// What `publish` runs besides the build.
pub struct Hooks<'a> {
    pub deploy: &'a Deploy,
    pub record: Option<&'a Record>,
}

/// Writes a new post: `content/posts/<date>-<slug>.md`, or a folder
/// `<date>-<slug>/index.md` beside its images.
pub fn create(root: &Path, draft: &Draft) -> anyhow::Result<Written> {
    draft.check()?;
    let mut images = draft.images.clone();
    file::unique_names(None, &mut images);
    let body = file::body_with_images(&draft.body, &images);
    let now = chrono::Local::now().fixed_offset();
    let text = file::front_matter(draft, &now) + &body + "\n";
    let base = slug_from(draft.title().unwrap_or(if body.trim().is_empty() {
        "note"
    } else {
        &body
    }));
    let id = file::write_new(root, &base, &now, &text, &images)?;
    Ok(Written {
        summary: format!(
            "{} {}",
            if draft.draft { "new draft" } else { "new post" },
            id.rel_path().display()
        ),
        paths: vec![id.rel_tree()],
        id: Some(id),
        visible: !draft.draft,
    })
}

/// Records the change (when `hooks.record` is set), then builds, deploys and
/// notifies friends when the site may have changed.
pub fn publish(root: &Path, w: &Written, hooks: &Hooks) -> anyhow::Result<Outcome> {
    let mut out = Outcome::said(w.summary.clone());
    if let Some(record) = hooks.record {
        if record(root, &w.paths, &w.summary)? {
            out.done.push("committed to git".into());
        }
    }
    if w.visible {
        let published = super::publish::publish(root, hooks.deploy)?;
        out.done.extend(published.done);
        out.enqueued = published.enqueued;
        out.sent = published.sent;
    }
    Ok(out)
}

/// The Post button: `create`, then `publish`.
pub fn post(root: &Path, draft: &Draft, hooks: &Hooks) -> anyhow::Result<(Written, Outcome)> {
    let w = create(root, draft)?;
    let out = publish(root, &w, hooks)?;
    Ok((w, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_stay_inside_posts() {
        for ok in ["posts/a.md", "posts/2026-01-01-a/index.md"] {
            assert_eq!(PostId::parse(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "posts/../social.toml",
            "../x.md",
            "about.md",
            "posts/a/b.md",
            "posts/.hidden.md",
            "posts/a/../../x/index.md",
            "posts/",
        ] {
            assert!(PostId::parse(bad).is_err(), "{bad}");
        }
    }
}
