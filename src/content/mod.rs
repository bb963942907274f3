//! The content layer: finding source files under `content/` and turning each
//! into an [`Entry`] (everything derived from that one file, so it can be cached).

pub mod fields;
pub mod frontmatter;
pub mod markdown;
pub mod mentions;

use crate::problem::Problem;
use chrono::{DateTime, FixedOffset};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

pub const CONTENT_DIR: &str = "content";
pub const POSTS_DIR: &str = "posts";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Kind {
    Post,
    Page,
}

/// A source file found under `content/`, before it is read.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path relative to `content/`, `/`-separated: the cache key.
    pub rel: String,
    pub abs: PathBuf,
    pub kind: Kind,
    pub mtime_ns: u64,
    pub size: u64,
    /// Files beside a folder post's `index.md`, relative to `content/`.
    pub assets: Vec<String>,
}

/// Everything the site model needs from one source file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub source: String,
    pub kind: Kind,
    pub mtime_ns: u64,
    pub size: u64,
    pub hash: u128,
    pub slug: String,
    pub title: Option<String>,
    pub date: DateTime<FixedOffset>,
    /// `date` names a day without a time (from the file name, or a bare
    /// date): the post sorts by its file's time within that day.
    pub day_only: bool,
    pub updated: Option<DateTime<FixedOffset>>,
    pub tags: Vec<String>,
    pub draft: bool,
    /// `visibility = "friends"`: never published in plain text.
    pub friends_only: bool,
    /// `in_reply_to`: the post this one answers, as a canonical URL.
    pub in_reply_to: Option<String>,
    pub summary: Option<String>,
    pub has_more: bool,
    pub assets: Vec<String>,
    /// Filled from the markdown: the title, or the first words of the text.
    pub label: String,
    pub description: String,
    pub source_links: Vec<String>,
}

impl Entry {
    /// Where the entry sorts among posts: its date, or for a day-only date
    /// its file's modification time when that falls on the same day (two
    /// undated posts of one day keep the order they were written in, and
    /// follow that day's earlier timed posts). A file touched on another
    /// day (a copy, a checkout) sorts at the day's start.
    pub fn sort_time(&self) -> DateTime<FixedOffset> {
        if !self.day_only {
            return self.date;
        }
        let modified =
            DateTime::from_timestamp_nanos(self.mtime_ns as i64).with_timezone(self.date.offset());
        let day = self.date..self.date + chrono::Duration::days(1);
        if day.contains(&modified) {
            modified
        } else {
            self.date
        }
    }

    /// Folder of the source relative to `content/` (for relative links).
    pub fn source_dir(&self) -> &str {
        let rel = self.source.as_str();
        rel.rfind('/').map_or("", |i| &rel[..i])
    }
}

/// Lists posts and pages under `content_dir`, in a stable order. Uses plain
/// `read_dir` so each stat is relative to its folder (this runs on every
/// rebuild, over every post).
pub fn scan(content_dir: &Path) -> anyhow::Result<Vec<Source>> {
    let mut sources = Vec::new();
    if !content_dir.is_dir() {
        return Ok(sources);
    }
    for (name, entry) in sorted_dir(content_dir)? {
        let ft = file_type(&entry)?;
        if ft.is_file() && name.ends_with(".md") {
            sources.push(source_of(content_dir, &entry, Kind::Page, Vec::new())?);
        }
    }
    let posts_dir = content_dir.join(POSTS_DIR);
    if !posts_dir.is_dir() {
        return Ok(sources);
    }
    // Stats dominate a rebuild's scan; spread them over the cores.
    let found: Vec<anyhow::Result<Option<Source>>> = sorted_dir(&posts_dir)?
        .into_par_iter()
        .map(|(name, entry)| {
            let ft = file_type(&entry)?;
            if ft.is_file() && name.ends_with(".md") {
                return source_of(content_dir, &entry, Kind::Post, Vec::new()).map(Some);
            }
            if !ft.is_dir() {
                return Ok(None);
            }
            let index = entry.path().join("index.md");
            let Ok(meta) = std::fs::metadata(&index) else {
                return Ok(None); // a folder without index.md is not a post
            };
            let assets = list_assets(content_dir, &entry.path())?;
            Ok(Some(Source {
                rel: rel_string(content_dir, &index),
                abs: index,
                kind: Kind::Post,
                mtime_ns: mtime_ns(&meta),
                size: meta.len(),
                assets,
            }))
        })
        .collect();
    for f in found {
        sources.extend(f?);
    }
    Ok(sources)
}

fn sorted_dir(dir: &Path) -> anyhow::Result<Vec<(String, std::fs::DirEntry)>> {
    let mut out = Vec::new();
    for e in
        std::fs::read_dir(dir).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?
    {
        let e = e.map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?;
        if is_hidden(&e.file_name()) {
            continue;
        }
        out.push((e.file_name().to_string_lossy().into_owned(), e));
    }
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn file_type(e: &std::fs::DirEntry) -> anyhow::Result<std::fs::FileType> {
    let ft = e
        .file_type()
        .map_err(|err| anyhow::anyhow!("cannot stat {}: {err}", e.path().display()))?;
    if ft.is_symlink() {
        // Follow links so a post may live elsewhere (a synced folder).
        return std::fs::metadata(e.path())
            .map(|m| m.file_type())
            .map_err(|err| anyhow::anyhow!("cannot stat {}: {err}", e.path().display()));
    }
    Ok(ft)
}

fn source_of(
    content_dir: &Path,
    e: &std::fs::DirEntry,
    kind: Kind,
    assets: Vec<String>,
) -> anyhow::Result<Source> {
    let path = e.path();
    let meta = match e.metadata() {
        Ok(m) if !m.file_type().is_symlink() => Ok(m),
        _ => std::fs::metadata(&path),
    }
    .map_err(|err| anyhow::anyhow!("cannot stat {}: {err}", path.display()))?;
    Ok(Source {
        rel: rel_string(content_dir, &path),
        abs: path,
        kind,
        mtime_ns: mtime_ns(&meta),
        size: meta.len(),
        assets,
    })
}

fn list_assets(content_dir: &Path, folder: &Path) -> anyhow::Result<Vec<String>> {
    let mut assets = Vec::new();
    for e in walkdir::WalkDir::new(folder)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !is_hidden(e.file_name()))
    {
        let e = e.map_err(|e| anyhow::anyhow!("cannot read {}: {e}", folder.display()))?;
        if e.file_type().is_file() && e.file_name() != "index.md" {
            assets.push(rel_string(content_dir, e.path()));
        }
    }
    Ok(assets)
}

pub fn is_hidden(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.') || name.ends_with('~') || name.starts_with('#')
}

pub fn rel_string(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

pub fn mtime_ns(meta: &std::fs::Metadata) -> u64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as u64)
}

/// `2026-11-24-hello` → (Some(date), "hello").
pub fn split_dated_name(stem: &str) -> (Option<DateTime<FixedOffset>>, &str) {
    if stem.len() >= 10 && stem.is_char_boundary(10) {
        if let Ok(date) = frontmatter::parse_date(&stem[..10]) {
            let rest = stem[10..].trim_start_matches(['-', '_']);
            return (Some(date), rest);
        }
    }
    (None, stem)
}

/// A source read and parsed, with its body kept for markdown rendering.
pub struct Parsed {
    pub entry: Entry,
    pub text: String,
    pub body_start: usize,
    pub body_line: usize,
}

/// Reads and parses one source's front matter. The markdown-derived fields of
/// the entry are filled later, once every permalink is known.
pub fn parse(source: &Source, display: &Path) -> Result<Parsed, Problem> {
    let bytes = std::fs::read(&source.abs)
        .map_err(|e| Problem::new(display, 1, format!("cannot read: {e}")))?;
    let hash = xxhash_rust::xxh3::xxh3_128(&bytes);
    let text = String::from_utf8(bytes)
        .map_err(|e| Problem::new(display, 1, format!("not valid UTF-8: {e}")))?;
    let split = frontmatter::split(&text, display)?;
    let body_start = text.len() - split.body.len();
    let body_line = split.body_line;
    let fm = split.front;

    let path = Path::new(&source.rel);
    let stem = if path.file_name().is_some_and(|n| n == "index.md") {
        path.parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        path.file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let (name_date, name_slug) = split_dated_name(&stem);

    let at = |key| fields::At {
        file: display,
        text: &text,
        key,
    };
    let date = fields::date(&fm, name_date, source.kind, at("date"))?;
    let day_only = fm
        .date
        .as_ref()
        .map_or(name_date.is_some(), frontmatter::DateValue::is_day_only);
    let updated = fields::updated(&fm, at("updated"))?;
    let slug = fields::slug(&fm, name_slug, &stem, at("slug"))?;
    let tags = fields::tags(&fm.tags, at("tags"))?;
    let friends_only = fields::friends_only(&fm, source.kind, at("visibility"))?;
    let in_reply_to = fields::in_reply_to(&fm, at("in_reply_to"))?;
    let has_more = text[body_start..].contains(markdown::MORE_MARKER);
    Ok(Parsed {
        entry: Entry {
            source: source.rel.clone(),
            kind: source.kind,
            mtime_ns: source.mtime_ns,
            size: source.size,
            hash,
            slug,
            title: fm
                .title
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
            date,
            day_only,
            updated,
            tags,
            draft: fm.draft,
            friends_only,
            in_reply_to,
            summary: fm.summary,
            has_more,
            assets: source.assets.clone(),
            label: String::new(),
            description: String::new(),
            source_links: Vec::new(),
        },
        text,
        body_start,
        body_line,
    })
}

/// "24 Nov 2026".
pub fn display_date(d: &DateTime<FixedOffset>) -> String {
    d.format("%-d %b %Y").to_string()
}

/// First `max` characters of `text` on a word boundary, with an ellipsis when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    // The words joined by single spaces, read only as far as `max + 1`
    // characters: a post's whole text is not copied to cut 160 of it.
    let mut joined = String::with_capacity(max + 8);
    let mut count = 0;
    'words: for word in text.split_whitespace() {
        let space = (!joined.is_empty()).then_some(' ');
        for c in space.into_iter().chain(word.chars()) {
            joined.push(c);
            count += 1;
            if count > max {
                break 'words;
            }
        }
    }
    if count <= max {
        return joined;
    }
    joined.pop();
    let cut = match joined.rfind(' ') {
        Some(i) if i > max / 2 => &joined[..i],
        _ => joined.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_names() {
        let (d, s) = split_dated_name("2026-11-24-hello-world");
        assert_eq!(d.unwrap().to_rfc3339(), "2026-11-24T00:00:00+00:00");
        assert_eq!(s, "hello-world");
        assert_eq!(split_dated_name("about"), (None, "about"));
    }

    #[test]
    fn excerpts_cut_on_words() {
        assert_eq!(excerpt("short text", 20), "short text");
        assert_eq!(excerpt("one two three four five", 12), "one two…");
    }

    /// The excerpt as it was written before it stopped reading early.
    fn joined_then_cut(text: &str, max: usize) -> String {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() <= max {
            return text;
        }
        let cut: String = text.chars().take(max).collect();
        let cut = match cut.rfind(' ') {
            Some(i) if i > max / 2 => &cut[..i],
            _ => cut.as_str(),
        };
        format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
    }

    #[test]
    fn excerpts_read_early_match_the_whole_text_cut() {
        let texts = [
            "",
            "   ",
            "word",
            "  two  words ",
            "one two three four five",
            "ends with a comma, then more words follow here",
            "ünïcödé wörds ärë lönger ïn bytës thän ïn chärs, ä löt",
            "averyveryverylongwordwithoutanyspacesatallthatgoesonandon",
            "a\tb\nc  d\r\ne",
        ];
        for text in texts {
            for max in 0..40 {
                assert_eq!(
                    excerpt(text, max),
                    joined_then_cut(text, max),
                    "{text:?} {max}"
                );
            }
        }
    }
}
