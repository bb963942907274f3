//! Post files on disk: names that never clobber, atomic writes, front matter.

use super::{Draft, PostId};
use crate::content::{split_dated_name, CONTENT_DIR, POSTS_DIR};
use crate::upload::Image;
use anyhow::{bail, Context as _};
use chrono::{DateTime, FixedOffset};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Longest slug taken from a post's text.
pub const SLUG_MAX: usize = 48;

/// The words a reader sees in markdown `text`: no image alt text or file
/// names, no link targets, no markup.
fn reader_words(text: &str) -> String {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut words = String::new();
    let mut in_image = 0usize;
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::Image { .. }) => in_image += 1,
            Event::End(TagEnd::Image) => in_image = in_image.saturating_sub(1),
            Event::Text(t) | Event::Code(t) if in_image == 0 => {
                words.push_str(&t);
                words.push(' ');
            }
            Event::SoftBreak | Event::HardBreak => words.push(' '),
            _ => {}
        }
    }
    words
}

/// A short slug from the first words a reader sees in `text` (markdown).
pub fn slug_from(text: &str) -> String {
    let full = slug::slugify(reader_words(text));
    let mut slug = String::new();
    for word in full.split('-') {
        if !slug.is_empty() && slug.len() + word.len() + 1 > SLUG_MAX {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(word);
    }
    slug.truncate(SLUG_MAX);
    if slug.is_empty() {
        "note".into()
    } else {
        slug
    }
}

/// `content/posts`, created if missing.
pub(super) fn posts_dir(root: &Path) -> anyhow::Result<PathBuf> {
    let dir = root.join(CONTENT_DIR).join(POSTS_DIR);
    crate::fsutil::create_dir(&dir, false)?;
    Ok(dir)
}

/// Slugs already used by a post file or folder (any date).
fn existing_slugs(dir: &Path) -> anyhow::Result<HashSet<String>> {
    let mut slugs = HashSet::new();
    for e in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let e = e.with_context(|| format!("cannot read {}", dir.display()))?;
        let name = e.file_name().to_string_lossy().into_owned();
        let stem = name.strip_suffix(".md").unwrap_or(&name);
        let (_, slug) = split_dated_name(stem);
        slugs.insert(slug::slugify(slug));
    }
    Ok(slugs)
}

/// Writes a new post under a free name: `<date>-<slug>.md`, or the folder
/// `<date>-<slug>/` with `index.md` and the images. A taken slug moves on
/// to `-2`, `-3`…, also against a concurrent writer.
pub(super) fn write_new(
    root: &Path,
    base: &str,
    date: &DateTime<FixedOffset>,
    text: &str,
    images: &[Image],
) -> anyhow::Result<PostId> {
    let dir = posts_dir(root)?;
    let taken = existing_slugs(&dir)?;
    for n in 1..1000 {
        let slug = if n == 1 {
            base.to_string()
        } else {
            format!("{base}-{n}")
        };
        if taken.contains(&slug) {
            continue;
        }
        let stem = format!("{}-{slug}", date.format("%Y-%m-%d"));
        let claimed = if images.is_empty() {
            link_new(&dir.join(format!("{stem}.md")), text.as_bytes())?
        } else {
            folder_new(&dir.join(&stem), text, images)?
        };
        if claimed {
            let rel = if images.is_empty() {
                format!("{POSTS_DIR}/{stem}.md")
            } else {
                format!("{POSTS_DIR}/{stem}/index.md")
            };
            return PostId::parse(&rel);
        }
    }
    bail!(
        "could not find a free file name for slug `{base}` in {}",
        dir.display()
    )
}

/// Atomic and never clobbering: the bytes go to a temporary file, which is
/// then hard-linked to `path` (fails if `path` exists). `Ok(false)`: taken.
pub(super) fn link_new(path: &Path, bytes: &[u8]) -> anyhow::Result<bool> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    // A random name: two writers never share a temporary file.
    let tmp = dir.join(format!(".{name}.{}.new", crate::federation::new_id()?));
    crate::fsutil::create_new(&tmp, bytes)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e).with_context(|| format!("cannot write {}", path.display())),
    }
}

/// Claims the folder (fails if it exists), then writes the images and,
/// last, `index.md`: a folder without `index.md` is not a post, so a
/// build never sees half of it.
fn folder_new(folder: &Path, text: &str, images: &[Image]) -> anyhow::Result<bool> {
    match std::fs::create_dir(folder) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", folder.display())),
    }
    write_images(folder, images)?;
    crate::fsutil::write_atomic(&folder.join("index.md"), text.as_bytes())?;
    Ok(true)
}

/// Stores images in a post folder, never replacing a file already there.
pub(super) fn write_images(folder: &Path, images: &[Image]) -> anyhow::Result<()> {
    for img in images {
        if !link_new(&folder.join(&img.name), &img.bytes)? {
            bail!("{} already exists", folder.join(&img.name).display());
        }
    }
    Ok(())
}

/// Gives every image a name not yet used in `folder` (or by another image
/// of the same upload): `a.png`, `a-2.png`…
pub(super) fn unique_names(folder: Option<&Path>, images: &mut [Image]) {
    let mut used: HashSet<String> = HashSet::new();
    if let Some(entries) = folder.and_then(|f| std::fs::read_dir(f).ok()) {
        used.extend(
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned()),
        );
    }
    for img in images.iter_mut() {
        let (stem, ext) = img.name.rsplit_once('.').unwrap_or((&img.name, ""));
        let (stem, ext) = (stem.to_string(), ext.to_string());
        let mut n = 1;
        while used.contains(&img.name) || img.name == "index.md" {
            n += 1;
            img.name = format!("{stem}-{n}.{ext}");
        }
        used.insert(img.name.clone());
    }
}

/// The body with a markdown image line for every image it does not
/// already mention.
pub(super) fn body_with_images(body: &str, images: &[Image]) -> String {
    let mut out = body.trim().to_string();
    for img in images.iter().filter(|i| !body.contains(&i.name)) {
        let alt = img
            .name
            .rsplit_once('.')
            .map_or(img.name.as_str(), |(s, _)| s)
            .replace('-', " ");
        if !out.is_empty() {
            out += "\n\n";
        }
        out += &format!("![{alt}]({})", img.name);
    }
    out
}

/// The front matter `microsocial new` writes.
pub(super) fn front_matter(d: &Draft, now: &DateTime<FixedOffset>) -> String {
    let mut fm = String::from("+++\n");
    if let Some(t) = d.title() {
        fm += &format!("title = {}\n", toml::Value::String(t.into()));
    }
    fm += &format!("date = {}\n", now.format("%Y-%m-%dT%H:%M:%S%:z"));
    let tags = d.tags();
    if !tags.is_empty() {
        let tags: Vec<toml::Value> = tags.into_iter().map(toml::Value::String).collect();
        fm += &format!("tags = {}\n", toml::Value::Array(tags));
    }
    if d.draft {
        fm += "draft = true\n";
    }
    if d.friends_only {
        fm += "visibility = \"friends\"\n";
    }
    if let Some(r) = d
        .reply_to
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        fm += &format!("in_reply_to = {}\n", toml::Value::String(r.into()));
    }
    fm + "+++\n\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_short_and_never_empty() {
        assert_eq!(slug_from("Hello, World!"), "hello-world");
        assert_eq!(slug_from("!!!"), "note");
        // An image's alt text and file name are no words of the post.
        assert_eq!(slug_from("Cake time\n\n![mid](mid.png)"), "cake-time");
        assert_eq!(slug_from("![mid](mid.png)"), "note");
        assert_eq!(
            slug_from("See [the **docs**](https://x.example/a-b)"),
            "see-the-docs"
        );
        let long = slug_from(&"word ".repeat(40));
        assert!(long.len() <= SLUG_MAX && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn a_taken_name_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.md");
        assert!(link_new(&p, b"first").unwrap());
        assert!(!link_new(&p, b"second").unwrap());
        assert_eq!(std::fs::read(&p).unwrap(), b"first");
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
