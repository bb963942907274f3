//! `check`: the build's loading and planning without writing anything.

use super::cache::Cache;
use super::friends::clean_public;
use super::load::{display_path, load};
use crate::problem::{Problem, Problems};
use crate::render::{self, Renderer};
use crate::site::entry_dir;
use std::collections::HashSet;
use std::path::Path;

/// `check`: every problem in config, front matter, templates and internal links.
pub fn check(root: &Path, drafts: bool) -> anyhow::Result<Vec<Problem>> {
    let loaded = match load(root, drafts, None, &Cache::default(), true) {
        Ok(l) => l,
        Err(e) => {
            return match e.downcast::<Problems>() {
                Ok(p) => Ok(p.0),
                Err(e) => Err(e),
            }
        }
    };
    let site = &loaded.site;
    Renderer::new(site, &loaded.theme, &loaded.htmls, &clean_public)?;
    let mut outputs: Vec<String> = render::plan(site, 0, &vec![0; site.entries.len()])
        .into_iter()
        .map(|p| p.path)
        .collect();
    outputs.extend(loaded.theme.statics.iter().map(|s| s.0.clone()));
    for &i in site.posts.iter().chain(&site.pages) {
        let e = &site.entries[i];
        let prefix = format!("{}/", e.source_dir());
        for a in &e.assets {
            outputs.push(format!(
                "{}{}",
                entry_dir(e),
                a.strip_prefix(&prefix).unwrap_or(a)
            ));
        }
    }
    let mut problems = loaded.link_problems.clone();
    if let Some(message) = super::plan::collisions(outputs.iter().map(String::as_str)) {
        problems.push(Problem::new(Path::new("public"), 1, message));
    }
    let targets: HashSet<String> = outputs.into_iter().collect();
    let base_url = site.base_url();
    let base_path = site.config.site.base_path();
    for &i in site.posts.iter().chain(&site.pages) {
        let Some(html) = &loaded.htmls[i] else {
            continue;
        };
        for (target, line) in &html.links {
            let internal = target.strip_prefix(base_url).or_else(|| {
                target
                    .starts_with('/')
                    .then(|| target.strip_prefix(base_path))
                    .flatten()
            });
            let Some(rel) = internal else { continue };
            let rel = rel.split(['#', '?']).next().unwrap_or("");
            let file = if rel.is_empty() || rel.ends_with('/') {
                format!("{rel}index.html")
            } else {
                rel.to_string()
            };
            if !targets.contains(&file) && !targets.contains(&format!("{file}/index.html")) {
                problems.push(Problem::new(
                    &display_path(&site.entries[i].source),
                    *line,
                    format!("link to `{target}`: nothing is built at that address"),
                ));
            }
        }
    }
    problems.sort();
    Ok(problems)
}
