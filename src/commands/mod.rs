//! One module per command; `run` picks the site root and dispatches.

mod backup;
mod build;
mod chat;
mod check;
mod delete;
mod friends;
mod init;
mod keys;
mod login;
mod new;
mod notifications;
mod outbox;
mod outcome;
mod password;
mod publish;
mod react;
mod replies;
mod serve;
mod sidecar;
mod status;
mod webmentions;
mod when;

use crate::cli::{Cli, Command};
use crate::problem::Problems;
use anyhow::anyhow;
use std::path::PathBuf;
use std::process::ExitCode;

/// The exit code of a build whose new site went live but that failed after
/// (docs/reference/commands.md, "Exit codes").
pub const LIVE_BUT_UNFINISHED: u8 = 3;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let result = match &cli.command {
        Command::Init(args) => init::run(args, cli.root.as_deref()),
        command => {
            let root = site_root(cli.root)?;
            match command {
                Command::New(args) => new::run(&root, args),
                Command::Delete(args) => delete::run(&root, args),
                Command::Build(args) => build::run(&root, args),
                Command::Serve(args) => serve::run(&root, args),
                Command::Check(args) => check::run(&root, args),
                Command::Friends(args) => friends::run(&root, args),
                Command::Sidecar(args) => sidecar::run(&root, args),
                Command::Publish => publish::run(&root, true),
                Command::Notify => publish::run(&root, false),
                Command::Status(args) => status::run(&root, args.deep),
                Command::Chat(args) => chat::run(&root, args),
                Command::Keys(args) => keys::run(&root, args),
                Command::Outbox(args) => outbox::run(&root, args),
                Command::Notifications(args) => notifications::run(&root, args),
                Command::React(args) => react::run(&root, args),
                Command::Replies(args) => replies::run(&root, args),
                Command::Login(args) => login::run(&root, args),
                Command::Password(args) => password::run(&root, args),
                Command::Webmentions(args) => webmentions::run(&root, args),
                Command::Backup { file } => backup::run(&root, file),
                Command::Init(_) => unreachable!("handled above"),
            }
        }
    };
    match result {
        // Content problems are listed one per line, without an error prefix,
        // so editors can jump to `file:line`.
        Err(e) if e.downcast_ref::<Problems>().is_some() => {
            eprintln!("{e}");
            Ok(ExitCode::FAILURE)
        }
        // Not like any other failure: the public site changed.
        Err(e) if e.to_string() == crate::pipeline::LIVE_BUT => {
            eprintln!("error: {e:#}");
            Ok(ExitCode::from(LIVE_BUT_UNFINISHED))
        }
        other => other,
    }
}

fn site_root(root: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match root {
        Some(r) => {
            if !r.is_dir() {
                return Err(anyhow!("--root {}: the folder is missing", r.display()));
            }
            if !r.join(crate::config::CONFIG_FILE).is_file() {
                return Err(anyhow!(
                    "{} has no social.toml (create a site with `microsocial init`)",
                    r.display()
                ));
            }
            Ok(r)
        }
        None => {
            let cwd = std::env::current_dir()?;
            crate::config::find_root(&cwd).ok_or_else(|| {
                anyhow!(
                    "no social.toml in {} or any parent folder: run `microsocial init` or pass --root",
                    cwd.display()
                )
            })
        }
    }
}
