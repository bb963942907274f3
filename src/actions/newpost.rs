//! Writing a new post file under `content/posts/`: `microsocial new` and
//! the web interface's Reply form. Never overwrites another post.
//! (The compose work's `actions::post::create` supersedes this at merge.)

use super::replies::ReplyTarget;
use crate::content::{split_dated_name, CONTENT_DIR, POSTS_DIR};
use anyhow::{bail, Context as _};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Longest slug taken from a post's text.
const SLUG_MAX: usize = 48;

/// What `write` puts in a new post file.
pub struct Post<'a> {
    pub title: Option<&'a str>,
    pub body: &'a str,
    pub tags: &'a [String],
    pub draft: bool,
    pub friends_only: bool,
    /// What it answers; a reply to a friends-only post is friends-only.
    pub reply: Option<&'a ReplyTarget>,
}

/// Writes a new post under `content/posts/` and returns its path; the web
/// interface's Reply form writes through this too.
pub fn write(root: &Path, p: &Post<'_>) -> anyhow::Result<PathBuf> {
    let dir = root.join(CONTENT_DIR).join(POSTS_DIR);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let base = slug_from(p.title.unwrap_or(p.body));
    let now = chrono::Local::now().fixed_offset();
    let friends_only = p.friends_only || p.reply.is_some_and(|r| r.private);
    let fm = front_matter(p.title, &now, p.tags, p.draft, friends_only);
    let text = with_reply(fm, p.reply.map(|r| r.url.as_str())) + p.body + "\n";
    let taken = existing_slugs(&dir)?;
    // create_new makes a concurrent `new` with the same slug move on, not overwrite.
    for n in 1..1000 {
        let slug = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        if taken.contains(&slug) {
            continue;
        }
        let path = dir.join(format!("{}-{slug}.md", now.format("%Y-%m-%d")));
        match crate::fsutil::create_new(&path, text.as_bytes()) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot write {}", path.display())),
        }
    }
    bail!("could not find a free file name for slug `{base}`")
}

fn front_matter(
    title: Option<&str>,
    now: &chrono::DateTime<chrono::FixedOffset>,
    tags: &[String],
    draft: bool,
    friends_only: bool,
) -> String {
    let mut fm = String::from("+++\n");
    if let Some(t) = title {
        fm += &format!("title = {}\n", toml::Value::String(t.into()));
    }
    fm += &format!("date = {}\n", now.format("%Y-%m-%dT%H:%M:%S%:z"));
    if !tags.is_empty() {
        let tags: Vec<toml::Value> = tags
            .iter()
            .map(|t| toml::Value::String(t.trim().into()))
            .collect();
        fm += &format!("tags = {}\n", toml::Value::Array(tags));
    }
    if draft {
        fm += "draft = true\n";
    }
    if friends_only {
        fm += "visibility = \"friends\"\n";
    }
    fm + "+++\n\n"
}

/// Adds `in_reply_to` to finished front matter.
fn with_reply(fm: String, url: Option<&str>) -> String {
    match (url, fm.strip_suffix("+++\n\n")) {
        (Some(u), Some(head)) => format!(
            "{head}in_reply_to = {}\n+++\n\n",
            toml::Value::String(u.into())
        ),
        _ => fm,
    }
}

/// A short slug from the first words of `text`.
pub fn slug_from(text: &str) -> String {
    let full = slug::slugify(text);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_short_and_never_empty() {
        assert_eq!(slug_from("Hello, World!"), "hello-world");
        assert_eq!(slug_from("!!!"), "note");
        let long = slug_from(&"word ".repeat(40));
        assert!(long.len() <= SLUG_MAX && !long.ends_with('-'), "{long}");
    }
}
