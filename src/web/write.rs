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
pub fn with_hooks<T>(
    root: &Path,
    f: impl FnOnce(&Hooks) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
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

/// The `Content-Type` of a multipart request, if it is one.
pub fn multipart_type(req: &tiny_http::Request) -> Option<String> {
    req.headers()
        .iter()
        .find(|h| h.field.equiv("Content-Type"))
        .map(|h| h.value.as_str().to_string())
        .filter(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// Reads and parses a multipart body (the front has capped its size).
pub fn read_multipart(
    req: &mut tiny_http::Request,
    kind: &str,
) -> anyhow::Result<crate::upload::form::Form> {
    use std::io::Read as _;
    let mut raw = Vec::new();
    req.as_reader()
        .take(MAX_UPLOAD + 1)
        .read_to_end(&mut raw)
        .map_err(|e| anyhow::anyhow!("cannot read the form: {e}"))?;
    if raw.len() as u64 > MAX_UPLOAD {
        anyhow::bail!("the form is larger than {MAX_UPLOAD} bytes");
    }
    crate::upload::form::parse(kind, raw)
}

/// A friend's sealed image this site opened (`.social/media/`), at
/// `/home/media/<file>`.
pub fn media(ctx: &super::Ctx, file: &str) -> super::Reply {
    let dir = crate::federation::keys::private_dir(ctx.root()).join(crate::federation::media::DIR);
    match crate::http::files::resolve(&dir, file) {
        Some(p) => match std::fs::read(&p) {
            Ok(bytes) => super::reply::file(bytes, &crate::http::files::content_type(&p)),
            Err(e) => ctx.failed(&anyhow::anyhow!("cannot read {}: {e}", p.display())),
        },
        None => super::reply::text(404, "No such image."),
    }
}
