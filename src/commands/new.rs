//! `microsocial new`: one markdown file per post, never overwriting another.

use crate::actions::newpost::{write, Post};
use crate::cli::NewArgs;
use anyhow::{bail, Context as _};
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, args: &NewArgs) -> anyhow::Result<ExitCode> {
    let mut body = args.text.join(" ");
    if body.is_empty() && !std::io::stdin().is_terminal() {
        std::io::stdin()
            .read_to_string(&mut body)
            .context("cannot read the post from standard input")?;
    }
    let body = body.trim().to_string();
    let title = args
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if body.is_empty() && title.is_none() {
        bail!("nothing to post: give the text as arguments, pipe it on standard input, or pass --title");
    }
    let reply = crate::actions::replies::reply_to(root, args.reply_to.as_deref())?;
    let post = Post {
        title,
        body: &body,
        tags: &args.tags,
        draft: args.draft,
        friends_only: args.friends_only,
        reply: reply.as_ref(),
    };
    let path = write(root, &post)?;
    println!("{}", path.strip_prefix(root).unwrap_or(&path).display());
    Ok(ExitCode::SUCCESS)
}
