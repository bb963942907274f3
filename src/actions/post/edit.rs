//! Editing and deleting an existing post. An edit changes only the front
//! matter keys the form holds (with `toml_edit`, so other keys, comments and
//! order stay) and the body.

use super::{file, Draft, PostId, Written};
use crate::content::frontmatter;
use anyhow::{anyhow, bail, Context as _};
use std::path::Path;

/// Replaces the post's text and form fields, adds `updated`, and stores new
/// images beside it (a single-file post becomes a folder post).
pub fn edit(root: &Path, id: &PostId, draft: &Draft) -> anyhow::Result<Written> {
    draft.check()?;
    let path = id.path(root);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut fm = front_matter_of(&text, &path)?;
    set_fields(&mut fm, draft)?;
    let mut images = draft.images.clone();
    let mut paths = vec![id.rel_tree()];
    let new_id = match id.folder(root) {
        Some(folder) => {
            file::unique_names(Some(&folder), &mut images);
            file::write_images(&folder, &images)?;
            id.clone()
        }
        None if images.is_empty() => id.clone(),
        None => {
            // posts/<stem>.md → posts/<stem>/index.md keeps the slug, so the URL.
            let stem = id.as_str().trim_end_matches(".md");
            let folder = root.join(crate::content::CONTENT_DIR).join(stem);
            std::fs::create_dir(&folder)
                .with_context(|| format!("cannot create {}", folder.display()))?;
            file::unique_names(Some(&folder), &mut images);
            file::write_images(&folder, &images)?;
            PostId::parse(&format!("{stem}/index.md"))?
        }
    };
    let body = file::body_with_images(&draft.body, &images);
    let text = format!("+++\n{fm}+++\n\n{body}\n");
    crate::fsutil::write_atomic(&new_id.path(root), text.as_bytes())?;
    if new_id != *id {
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        paths.push(new_id.rel_tree());
    }
    Ok(Written {
        summary: format!("edited post {}", new_id.rel_path().display()),
        id: Some(new_id),
        paths,
        visible: true,
    })
}

/// Removes the post (a folder post with its images).
pub fn delete(root: &Path, id: &PostId) -> anyhow::Result<Written> {
    let path = id.path(root);
    if !path.is_file() {
        bail!("{} does not exist", path.display());
    }
    match id.folder(root) {
        Some(folder) => crate::fsutil::remove_tree(&folder)
            .with_context(|| format!("cannot remove {}", folder.display()))?,
        None => std::fs::remove_file(&path)
            .with_context(|| format!("cannot remove {}", path.display()))?,
    }
    Ok(Written {
        id: None,
        paths: vec![id.rel_tree()],
        summary: format!("deleted post {}", id.rel_path().display()),
        visible: true,
    })
}

/// The front matter of `text` as an editable document (empty if it has none).
fn front_matter_of(text: &str, path: &Path) -> anyhow::Result<toml_edit::DocumentMut> {
    let split = frontmatter::split(text, path).map_err(|p| anyhow!("{p}"))?;
    // The body is a suffix of the text; the front matter sits between the
    // opening line and the closing `+++` line before it.
    let body_start = text.len() - split.body.len();
    let head = &text[..body_start];
    let raw = match (head.find('\n'), head.trim_end().rfind("+++")) {
        (Some(open), Some(close)) if close > open => &head[open + 1..close],
        _ => "",
    };
    raw.parse()
        .with_context(|| format!("cannot edit the front matter of {}", path.display()))
}

fn set_fields(fm: &mut toml_edit::DocumentMut, d: &Draft) -> anyhow::Result<()> {
    set(fm, "title", d.title().map(toml_edit::value));
    let tags = d.tags();
    set(
        fm,
        "tags",
        (!tags.is_empty())
            .then(|| toml_edit::value(tags.into_iter().collect::<toml_edit::Array>())),
    );
    set(fm, "draft", d.draft.then(|| toml_edit::value(true)));
    set(
        fm,
        "visibility",
        d.friends_only.then(|| toml_edit::value("friends")),
    );
    if let Some(r) = d
        .reply_to
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        fm["in_reply_to"] = toml_edit::value(r);
    }
    let now = chrono::Local::now()
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string();
    let now: toml_edit::Datetime = now.parse().map_err(|e| anyhow!("clock: {e}"))?;
    fm["updated"] = toml_edit::value(now);
    Ok(())
}

/// Sets `key`, or removes it for `None`; an existing key keeps its place.
fn set(fm: &mut toml_edit::DocumentMut, key: &str, item: Option<toml_edit::Item>) {
    match item {
        Some(v) => fm[key] = v,
        None => {
            fm.remove(key);
        }
    }
}
