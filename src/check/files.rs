//! Relative images and files in posts and pages that are not there. Only a
//! post folder (`posts/<name>/index.md`) has files copied beside its page.

use crate::content::markdown::{self, LinkResolver};
use crate::content::{frontmatter, CONTENT_DIR};
use crate::problem::{line_of, Problem};
use std::path::Path;

/// Resolves nothing: only the raw link targets and their offsets matter.
struct Raw;

impl LinkResolver for Raw {
    fn source_url(&self, _: &str) -> Option<String> {
        None
    }
    fn asset_base(&self) -> &str {
        ""
    }
    fn source_dir(&self) -> &str {
        ""
    }
}

/// A relative link to a file (`photo.jpg`, `./notes.pdf`), not to a page.
fn is_relative_file(target: &str) -> bool {
    let last = target.rsplit('/').next().unwrap_or("");
    !(target.starts_with(['#', '/', '?'])
        || target.contains(':')
        || target.ends_with(".md")
        || !last.contains('.'))
}

/// Pages (`x.md`), flat posts (`posts/x.md`) and post folders
/// (`posts/<name>/index.md`); other `.md` files are a post's attachments.
fn is_source(rel: &Path) -> bool {
    let parts: Vec<_> = rel.iter().filter_map(|p| p.to_str()).collect();
    match parts.as_slice() {
        [f] => f.ends_with(".md"),
        ["posts", f] => f.ends_with(".md"),
        ["posts", _, "index.md"] => true,
        _ => false,
    }
}

/// Every relative link or image in content/ whose file is missing.
pub fn missing_files(root: &Path, drafts: bool) -> anyhow::Result<Vec<Problem>> {
    let content = root.join(CONTENT_DIR);
    let mut problems = Vec::new();
    for e in walkdir::WalkDir::new(&content)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !crate::content::is_hidden(e.file_name()))
    {
        let e = e.map_err(|err| anyhow::anyhow!("cannot read {}: {err}", content.display()))?;
        let path = e.path();
        let rel = path.strip_prefix(&content).unwrap_or(path);
        if !e.file_type().is_file() || !is_source(rel) {
            continue;
        }
        let text = std::fs::read_to_string(path)
            .map_err(|err| anyhow::anyhow!("cannot read {}: {err}", path.display()))?;
        let shown = Path::new(CONTENT_DIR).join(rel);
        let Ok(split) = frontmatter::split(&text, &shown) else {
            continue; // the pipeline's check reports broken front matter
        };
        if split.front.draft && !drafts {
            continue;
        }
        let folder_post = path.file_name().is_some_and(|n| n == "index.md");
        let dir = path.parent().unwrap_or(&content);
        for (target, offset) in markdown::render(split.body, &Raw).links {
            let file = target.split(['#', '?']).next().unwrap_or("");
            if !is_relative_file(file) {
                continue;
            }
            let line = split.body_line + line_of(split.body, offset) - 1;
            let decoded = percent_encoding::percent_decode_str(file).decode_utf8_lossy();
            let message = if !folder_post {
                format!("`{target}`: only a post folder (posts/<name>/index.md) has files beside its page; move the post into one, or put the file in static/ and link /{file}")
            } else if !dir.join(decoded.as_ref()).is_file() {
                format!("`{target}`: no such file beside this post")
            } else {
                continue;
            };
            problems.push(Problem::new(&shown, line, message));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_sources_are_told_apart() {
        assert!(is_relative_file("photo.jpg"));
        assert!(is_relative_file("./img/a.png"));
        assert!(!is_relative_file("../other/"));
        assert!(!is_relative_file("/img/a.png"));
        assert!(!is_relative_file("https://x.example/a.png"));
        assert!(!is_relative_file("other.md"));
        assert!(is_source(Path::new("posts/a/index.md")));
        assert!(!is_source(Path::new("posts/a/notes.md")));
        assert!(is_source(Path::new("about.md")));
    }
}
