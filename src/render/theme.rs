//! Themes: the default theme is embedded in the binary; a site's
//! `themes/<name>/` overrides any single template or static file of it.

use anyhow::{bail, Context as _};
use std::path::{Path, PathBuf};

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../themes/default/templates/", $name)))),*]
    };
}

pub const DEFAULT_TEMPLATES: &[(&str, &str)] = embed!(
    "base.html",
    "macros.html",
    "index.html",
    "tag.html",
    "tags.html",
    "post.html",
    "page.html",
    "404.html",
    "timeline.html",
    "friends.html",
    "home.html",
    "thread.html",
    "partials/thread.html",
    "partials/reactions.html",
    "partials/card.html",
    "atom.xml",
    "robots.txt",
);

pub const DEFAULT_STATIC: &[(&str, &[u8])] = &[
    (
        "style.css",
        include_bytes!("../../themes/default/static/style.css"),
    ),
    (
        "favicon.svg",
        include_bytes!("../../themes/default/static/favicon.svg"),
    ),
];

/// Where a static file's bytes come from.
#[derive(Debug, Clone)]
pub enum Asset {
    Embedded(&'static [u8]),
    File {
        path: PathBuf,
        mtime_ns: u64,
        size: u64,
    },
}

pub struct Theme {
    pub templates: Vec<(String, String)>,
    /// Output-relative path and source.
    pub statics: Vec<(String, Asset)>,
}

impl Theme {
    pub fn load(root: &Path, name: &str) -> anyhow::Result<Theme> {
        let mut templates: Vec<(String, String)> = DEFAULT_TEMPLATES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        let mut statics: Vec<(String, Asset)> = DEFAULT_STATIC
            .iter()
            .map(|(n, b)| (n.to_string(), Asset::Embedded(b)))
            .collect();
        let dir = root.join("themes").join(name);
        if !dir.is_dir() && name != "default" {
            bail!(
                "theme `{name}` not found: expected a folder {}",
                dir.display()
            );
        }
        for (rel, path) in files_under(&dir.join("templates"))? {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read template {}", path.display()))?;
            match templates.iter_mut().find(|(n, _)| *n == rel) {
                Some(slot) => slot.1 = text,
                None => templates.push((rel, text)),
            }
        }
        // Site-wide static files come last so they win over the theme's.
        for folder in [dir.join("static"), root.join("static")] {
            for (rel, path) in files_under(&folder)? {
                let meta = std::fs::metadata(&path)
                    .with_context(|| format!("cannot stat {}", path.display()))?;
                let asset = Asset::File {
                    path,
                    mtime_ns: crate::content::mtime_ns(&meta),
                    size: meta.len(),
                };
                match statics.iter_mut().find(|(n, _)| *n == rel) {
                    Some(slot) => slot.1 = asset,
                    None => statics.push((rel, asset)),
                }
            }
        }
        Ok(Theme { templates, statics })
    }

    pub fn fingerprint(&self) -> u128 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for (n, t) in &self.templates {
            h.update(n.as_bytes());
            h.update(&[0]);
            h.update(t.as_bytes());
            h.update(&[0]);
        }
        h.digest128()
    }
}

/// Files below `dir` as (`/`-separated relative path, absolute path); none if absent.
fn files_under(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for e in walkdir::WalkDir::new(dir)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !crate::content::is_hidden(e.file_name()))
    {
        let e = e.with_context(|| format!("cannot read {}", dir.display()))?;
        if e.file_type().is_file() {
            out.push((
                crate::content::rel_string(dir, e.path()),
                e.path().to_path_buf(),
            ));
        }
    }
    Ok(out)
}
