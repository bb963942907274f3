//! `microsocial delete PATH --yes` (the `post::delete` action).

use crate::actions::post::{self, PostId};
use crate::cli::DeleteArgs;
use crate::content::CONTENT_DIR;
use anyhow::{anyhow, Context as _};
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, args: &DeleteArgs) -> anyhow::Result<ExitCode> {
    let id = post_id(root, &args.path)?;
    let path = id.path(root);
    if !path.is_file() {
        return Err(anyhow!("{} does not exist", path.display()));
    }
    let what = id.rel_tree();
    if !args.yes {
        eprintln!("would delete {} (add --yes to delete it)", what.display());
        return Ok(ExitCode::FAILURE);
    }
    let w = post::delete(root, &id)?;
    println!("{}", w.summary);
    println!("run `microsocial publish` to update the site and tell friends");
    Ok(ExitCode::SUCCESS)
}

/// The post a path names: relative to the working folder, or to the root.
fn post_id(root: &Path, given: &Path) -> anyhow::Result<PostId> {
    let content = root
        .join(CONTENT_DIR)
        .canonicalize()
        .with_context(|| format!("cannot open {}", root.join(CONTENT_DIR).display()))?;
    let full = [given.to_path_buf(), root.join(given)]
        .into_iter()
        .find_map(|p| p.canonicalize().ok())
        .ok_or_else(|| anyhow!("{} does not exist", given.display()))?;
    let rel = full
        .strip_prefix(&content)
        .map_err(|_| anyhow!("{} is not under {}", given.display(), content.display()))?;
    PostId::parse(&crate::content::rel_string(Path::new(""), rel))
}
