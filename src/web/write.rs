//! What the screens that change the site share: the uploaded images of a
//! multipart form, and the hooks a web change runs with (deploy, and a git
//! commit by the site's author when the root is a repository).

use crate::actions::post::Hooks;
use crate::config::Config;
use crate::upload::{form::File, Image};
use std::path::{Path, PathBuf};

/// Largest multipart body (Compose, Edit, Profile): a few images.
pub const MAX_UPLOAD: u64 = 4 * crate::upload::MAX_IMAGE_BYTES as u64 + 64 * 1024;

/// The paths that take multipart uploads (their POST body cap is
/// [`MAX_UPLOAD`]).
pub const UPLOAD_PATHS: &[&str] = &["/home/compose", "/home/posts/edit", "/home/profile"];

/// Checks every file sent in `field`; the first bad one fails all.
pub fn images(files: &[File], field: &str) -> anyhow::Result<Vec<Image>> {
    files
        .iter()
        .filter(|f| f.field == field)
        .map(|f| Image::check(&f.name, &f.bytes))
        .collect()
}

/// Runs `f` with the web's hooks: `deploy_command` as `publish` runs it,
/// and every change committed to git by the site's author.
pub fn with_hooks<T>(root: &Path, f: impl FnOnce(&Hooks) -> anyhow::Result<T>) -> anyhow::Result<T> {
    let (config, _) = Config::load(root)?;
    let name = match config.site.author.trim() {
        "" => config.site.title.clone(),
        a => a.to_string(),
    };
    let author = crate::vcs::author_of(&name, &config.site.base_url)?;
    let record = move |root: &Path, paths: &[PathBuf], message: &str| {
        crate::vcs::commit(root, paths, message, &author)
    };
    f(&Hooks {
        deploy: &crate::deploy::run,
        record: Some(&record),
    })
}
