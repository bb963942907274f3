//! `microsocial init`: a ready-to-build site, non-interactively.

use crate::cli::InitArgs;
use anyhow::{bail, Context as _};
use std::path::Path;
use std::process::ExitCode;

const GITIGNORE: &str = "# Build output and private state (keys, caches) never belong in git.\npublic/\n.social/\n.public.microsocial-*\n";

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
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
    let url =
        crate::config::normalize_base_url(args.url.as_deref().unwrap_or("https://example.org/"))
            .map_err(|m| anyhow::anyhow!(m))?;
    let title = args.title.as_deref().unwrap_or("My Microsocial");
    let author = args.author.as_deref().unwrap_or("Me");
    let config = format!(
        "[site]\ntitle = {}\n# The public address of the site; links, feeds and federation use it.\nbase_url = {}\nauthor = {}\nbio = \"Writing on my own corner of the web.\"\n# avatar = \"avatar.png\"  # a file in static/, or a full URL\nlanguage = \"en\"\nposts_per_page = 10\ntheme = \"default\"\n",
        toml_str(title),
        toml_str(&url),
        toml_str(author)
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
    println!("next: cd {} && microsocial serve", dir.display());
    Ok(ExitCode::SUCCESS)
}
