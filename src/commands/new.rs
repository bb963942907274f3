//! `microsocial new`: one markdown file per post, never overwriting another
//! (the `post::create` action).

use crate::actions::post::{self, Draft};
use crate::cli::NewArgs;
use anyhow::Context as _;
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
    // A reply to a friends-only post is friends-only too.
    let reply = crate::actions::replies::reply_to(root, args.reply_to.as_deref(), args.force)?;
    let draft = Draft {
        title: args.title.clone(),
        body: body.trim().to_string(),
        tags: args.tags.clone(),
        friends_only: args.friends_only || reply.as_ref().is_some_and(|r| r.private),
        draft: args.draft,
        reply_to: reply.map(|r| r.url),
        ..Draft::default()
    };
    if draft.body.is_empty() && draft.title().is_none() {
        anyhow::bail!("nothing to post: give the text as arguments, pipe it on standard input, or pass --title");
    }
    let w = post::create(root, &draft)?;
    if let Some(id) = &w.id {
        println!("{}", id.rel_path().display());
    }
    Ok(ExitCode::SUCCESS)
}
