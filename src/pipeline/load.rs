//! Stage one: scan and parse the content, build the site model, and render
//! the markdown of every entry that was parsed afresh.

use super::cache::Cache;
use crate::config::Config;
use crate::content::markdown::{self, LinkResolver};
use crate::content::{self, Entry, Parsed, Source};
use crate::problem::{line_of, Problem, Problems};
use crate::render::theme::Theme;
use crate::render::Html;
use crate::site::{entry_dir, Site};
use anyhow::anyhow;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Resolves links for one entry against the whole site.
struct Links<'a> {
    site: &'a Site,
    asset_base: String,
    dir: &'a str,
}

impl LinkResolver for Links<'_> {
    fn source_url(&self, target: &str) -> Option<String> {
        self.site.url_of_source(target).map(str::to_string)
    }
    fn asset_base(&self) -> &str {
        &self.asset_base
    }
    fn source_dir(&self) -> &str {
        self.dir
    }
}

pub(super) fn display_path(source: &str) -> PathBuf {
    Path::new(content::CONTENT_DIR).join(source)
}

/// Renders an entry's markdown; fills its text-derived fields.
fn render_entry(site: &Site, entry: &mut Entry, parsed: &Parsed) -> (Html, Vec<Problem>) {
    let links = Links {
        site,
        asset_base: format!("{}{}", site.base_url(), entry_dir(entry)),
        dir: entry.source_dir(),
    };
    let body = &parsed.text[parsed.body_start..];
    let r = markdown::render(body, &links);
    let summary = match (&entry.summary, entry.has_more) {
        (Some(s), _) => Some(markdown::render(s, &links).html),
        (None, true) => body
            .find(markdown::MORE_MARKER)
            .map(|at| markdown::render(&body[..at], &links).html),
        _ => None,
    };
    let file = display_path(&entry.source);
    let problems = r
        .broken
        .iter()
        .map(|(target, at)| {
            Problem::new(
                &file,
                parsed.body_line + line_of(body, *at) - 1,
                format!("link to `{target}`: no such post or page"),
            )
        })
        .collect();
    entry.label = entry
        .title
        .clone()
        .unwrap_or_else(|| content::excerpt(&r.text, 60));
    if entry.label.is_empty() {
        entry.label = content::display_date(&entry.date);
    }
    entry.description = match &entry.summary {
        Some(s) => content::excerpt(s, 160),
        None => content::excerpt(&r.text, 160),
    };
    entry.source_links = r.source_links;
    let links = r
        .links
        .into_iter()
        .map(|(target, at)| (target, parsed.body_line + line_of(body, at) - 1))
        .collect();
    (
        Html {
            content: r.html,
            summary,
            links,
        },
        problems,
    )
}

/// Parses every source; fresh ones are returned with their text.
fn load_entries(
    sources: &[Source],
    cache: &Cache,
    force: bool,
) -> (Vec<Entry>, Vec<Option<Parsed>>, Vec<Problem>) {
    let cached: HashMap<&str, &Entry> = cache
        .entries
        .iter()
        .map(|e| (e.source.as_str(), e))
        .collect();
    let results: Vec<Result<(Entry, Option<Parsed>), Problem>> = sources
        .par_iter()
        .map(|s| {
            if let Some(e) = cached.get(s.rel.as_str()) {
                if !force && e.mtime_ns == s.mtime_ns && e.size == s.size && e.assets == s.assets {
                    return Ok(((*e).clone(), None));
                }
            }
            let parsed = content::parse(s, &display_path(&s.rel))?;
            Ok((parsed.entry.clone(), Some(parsed)))
        })
        .collect();
    let mut entries = Vec::with_capacity(results.len());
    let mut parsed = Vec::with_capacity(results.len());
    let mut problems = Vec::new();
    for r in results {
        match r {
            Ok((e, p)) => {
                entries.push(e);
                parsed.push(p);
            }
            Err(p) => problems.push(p),
        }
    }
    (entries, parsed, problems)
}

/// Everything `check` and `build` share: the site model with every entry's
/// markdown state known. `need_all` renders all markdown (check, full builds).
pub(super) struct Loaded {
    pub site: Site,
    pub htmls: Vec<Option<Html>>,
    pub theme: Theme,
    pub config_bytes: Vec<u8>,
    pub sources: Vec<Source>,
    /// Broken links to other sources: fatal for `build`, listed by `check`.
    pub link_problems: Vec<Problem>,
}

pub(super) fn load(
    root: &Path,
    drafts: bool,
    base_url: Option<&str>,
    cache_entries: &Cache,
    force: bool,
) -> anyhow::Result<Loaded> {
    let (mut config, config_bytes) = Config::load(root)?;
    if let Some(url) = base_url {
        config.site.base_url = crate::config::normalize_base_url(url).map_err(|m| anyhow!(m))?;
    }
    let theme = Theme::load(root, &config.site.theme)?;
    let sources = content::scan(&root.join(content::CONTENT_DIR))?;
    let (entries, mut parsed, mut problems) = load_entries(&sources, cache_entries, force);
    if !problems.is_empty() {
        problems.sort();
        return Err(Problems(problems).into());
    }
    let mut site = Site::new(config, entries, drafts).map_err(Problems)?;
    let mut htmls: Vec<Option<Html>> = vec![None; site.entries.len()];
    // Markdown needs every permalink, so it runs once the model exists.
    let mut entries = std::mem::take(&mut site.entries);
    let rendered: Vec<Option<(Html, Vec<Problem>)>> = entries
        .par_iter_mut()
        .zip(parsed.par_iter_mut())
        .map(|(e, p)| p.as_ref().map(|p| render_entry(&site, e, p)))
        .collect();
    site.entries = entries;
    for (i, r) in rendered.into_iter().enumerate() {
        if let Some((html, probs)) = r {
            let published = !site.entries[i].draft || drafts;
            if published {
                problems.extend(probs);
            }
            htmls[i] = Some(html);
        }
    }
    problems.sort();
    Ok(Loaded {
        site,
        htmls,
        theme,
        config_bytes,
        sources,
        link_problems: problems,
    })
}

/// Renders the markdown of entries that were loaded from the cache.
pub(super) fn ensure_html(
    site: &Site,
    sources: &[Source],
    htmls: &mut [Option<Html>],
    need: &HashSet<usize>,
) -> anyhow::Result<()> {
    let missing: Vec<usize> = need
        .iter()
        .copied()
        .filter(|&i| htmls[i].is_none())
        .collect();
    let done: Vec<(usize, Html)> = missing
        .par_iter()
        .map(|&i| {
            let mut entry = site.entries[i].clone();
            let parsed = content::parse(&sources[i], &display_path(&entry.source))
                .map_err(|p| anyhow!("{p}"))?;
            let (html, _) = render_entry(site, &mut entry, &parsed);
            Ok((i, html))
        })
        .collect::<anyhow::Result<_>>()?;
    for (i, h) in done {
        htmls[i] = Some(h);
    }
    Ok(())
}
