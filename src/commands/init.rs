//! `microsocial init`: a ready-to-build site, non-interactively.

use crate::cli::InitArgs;
use anyhow::{bail, Context as _};
use std::path::Path;
use std::process::ExitCode;

const GITIGNORE: &str = "# Build output and private state (keys, caches) never belong in git.\npublic/\n.social/\n.public.microsocial-*\n";

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `social.toml` for a new site. Every `[sidecar]` and `[federation]` key a
/// newcomer may want is there, commented, with one line on what it does;
/// `local` (a loopback port) sets the ones that make a local trial work.
fn config_text(title: &str, url: &str, author: &str, local: Option<u16>) -> String {
    let (on, bind) = match local {
        Some(port) => ("", format!("127.0.0.1:{port}")),
        None => ("# ", "127.0.0.1:8008".to_string()),
    };
    let serve_public = local.is_some();
    format!(
        "[site]
title = {title}
# The public address of the site; links, feeds and federation use it.
base_url = {url}
author = {author}
bio = \"Writing on my own corner of the web.\"
# avatar = \"avatar.png\"  # a file in static/, or a full URL
language = \"en\"
posts_per_page = 10
theme = \"default\"
# timezone = \"Europe/Berlin\"  # where you live: dates without a zone, times shown

# The federation server, `microsocial sidecar` (docs/reference/config.md).
[sidecar]
# Address it listens on; a local trial's must match the port in base_url.
{on}bind = \"{bind}\"
# Serve the built site too, so that one process hosts everything.
{on}serve_public = {serve_public}
# Shell command run after each rebuild a friend's post causes (e.g. rsync).
# deploy_command = \"rsync -a public/ me@host:/var/www/site/\"
# How much it logs: error, warn, info or debug.
# log_level = \"info\"

# How this site talks to others.
[federation]
# Public URL of the inbox when the sidecar is not at base_url (static host).
# inbox_url = \"https://inbox.example.org/inbox\"
# Reach friends on loopback and private networks: for local trials only.
{on}allow_private_addresses = {serve_public}
# Friends' images in your timeline: \"link\" (never loaded) or \"load\".
# remote_images = \"link\"
# One more CA certificate (PEM) to trust, besides the system's and the built-in ones.
# extra_ca_file = \"/etc/ssl/my-ca.pem\"
",
        title = toml_str(title),
        url = toml_str(url),
        author = toml_str(author),
    )
}

pub fn run(args: &InitArgs, root: Option<&Path>) -> anyhow::Result<ExitCode> {
    let dir = match (&args.dir, root) {
        (Some(d), _) => d.clone(),
        (None, Some(r)) => r.to_path_buf(),
        (None, None) => std::env::current_dir()?,
    };
    if dir.exists() {
        let busy = std::fs::read_dir(&dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .filter_map(Result::ok)
            .any(|e| e.file_name() != ".git");
        if busy && !args.force {
            bail!(
                "{} is not empty: pick an empty folder or pass --force",
                dir.display()
            );
        }
    }
    let url = match (args.local, args.url.as_deref()) {
        (Some(port), _) => format!("http://127.0.0.1:{port}/"),
        (None, url) => crate::config::normalize_base_url(url.unwrap_or("https://example.org/"))
            .map_err(|m| anyhow::anyhow!(m))?,
    };
    let config = config_text(
        args.title.as_deref().unwrap_or("My Microsocial"),
        &url,
        args.author.as_deref().unwrap_or("Me"),
        args.local,
    );
    let now = chrono::Local::now().fixed_offset();
    let posts = dir.join("content").join("posts");
    std::fs::create_dir_all(&posts)
        .with_context(|| format!("cannot create {}", posts.display()))?;
    let welcome = format!(
        "+++\ntitle = \"Hello, world\"\ndate = {}\ntags = [\"meta\"]\n# A draft: `microsocial serve` shows it, `build` leaves it out and no\n# friend ever receives it. Delete this line to publish it, or delete the file.\ndraft = true\n+++\n\nThis site is mine: the posts are markdown files in `content/posts/`, and `microsocial build` turns them into plain HTML that any static host can serve.\n\nWrite the next post with `microsocial new \"text\"` and watch it appear with `microsocial serve`.\n",
        now.format("%Y-%m-%dT%H:%M:%S%:z")
    );
    let files = [
        (dir.join(crate::config::CONFIG_FILE), config),
        (dir.join(".gitignore"), GITIGNORE.to_string()),
        (
            posts.join(format!("{}-hello-world.md", now.format("%Y-%m-%d"))),
            welcome,
        ),
    ];
    for (path, text) in &files {
        crate::fsutil::write_atomic(path, text.as_bytes())?;
    }
    let keys = crate::federation::keys::ensure(&dir)?;
    println!("created a new site in {}", dir.display());
    println!(
        "identity key {} (private keys in .social/keys/, never commit them)",
        keys.signing_public()
    );
    match args.local {
        Some(port) => println!(
            "a local trial site: `microsocial --root {} sidecar` serves it and its inbox \
             at http://127.0.0.1:{port}/",
            dir.display()
        ),
        None => println!("next: cd {} && microsocial serve", dir.display()),
    }
    Ok(ExitCode::SUCCESS)
}
