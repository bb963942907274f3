//! Git, through the `git` command: when the site root is a repository, a
//! change made from the web interface becomes a commit, so a laptop checkout
//! can pull it.

use anyhow::{anyhow, bail, Context as _};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Who a commit is by.
#[derive(Debug, Clone)]
pub struct Author {
    pub name: String,
    pub email: String,
}

/// Whether `root` is the top of a git work tree (a site inside someone
/// else's repository is left alone).
pub fn is_repo(root: &Path) -> bool {
    let top = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--show-toplevel"])
        .output();
    match (top, root.canonicalize()) {
        (Ok(o), Ok(root)) if o.status.success() => {
            let top = String::from_utf8_lossy(&o.stdout).trim().to_string();
            Path::new(&top).canonicalize().is_ok_and(|t| t == root)
        }
        _ => false,
    }
}

/// Commits the current state of `paths` (relative to `root`, deleted ones
/// included) and nothing else. `Ok(false)`: not a repository, or nothing
/// changed.
pub fn commit(root: &Path, paths: &[PathBuf], message: &str, by: &Author) -> anyhow::Result<bool> {
    if paths.is_empty() || !is_repo(root) {
        return Ok(false);
    }
    git(root, by, &["add", "-A", "--"], paths)?;
    let staged = git_cmd(root, by)
        .args(["diff", "--cached", "--quiet", "--"])
        .args(paths)
        .status()
        .with_context(|| format!("cannot run git in {}", root.display()))?;
    if staged.success() {
        return Ok(false); // nothing to commit
    }
    git(root, by, &["commit", "--quiet", "-m", message, "--"], paths)?;
    Ok(true)
}

fn git_cmd(root: &Path, by: &Author) -> Command {
    let mut c = Command::new("git");
    // The site's author is author and committer, so no git identity needs
    // to be configured on the server.
    c.arg("-C")
        .arg(root)
        .env("GIT_AUTHOR_NAME", &by.name)
        .env("GIT_AUTHOR_EMAIL", &by.email)
        .env("GIT_COMMITTER_NAME", &by.name)
        .env("GIT_COMMITTER_EMAIL", &by.email);
    c
}

fn git(root: &Path, by: &Author, args: &[&str], paths: &[PathBuf]) -> anyhow::Result<()> {
    let out = git_cmd(root, by)
        .args(args)
        .args(paths)
        .output()
        .with_context(|| format!("cannot run git in {}", root.display()))?;
    if !out.status.success() {
        bail!(
            "git {} in {} failed: {}",
            args.first().unwrap_or(&""),
            root.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// The author of a site: its `author` name (or title), and an address at
/// its own host, since a site has no e-mail address.
pub fn author_of(name: &str, base_url: &str) -> anyhow::Result<Author> {
    let host = base_url
        .split("://")
        .nth(1)
        .and_then(|r| r.split(['/', ':']).next())
        .filter(|h| !h.is_empty())
        .ok_or_else(|| anyhow!("base_url `{base_url}` has no host"))?;
    Ok(Author {
        name: name.to_string(),
        email: format!("microsocial@{host}"),
    })
}
