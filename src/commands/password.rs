//! `microsocial password`: the optional password of the web interface.

use crate::actions::sessions;
use crate::cli::PasswordArgs;
use crate::store::Store;
use anyhow::Context as _;
use std::io::{BufRead as _, IsTerminal as _};
use std::path::Path;
use std::process::ExitCode;

/// Asked twice without echo on a terminal; else the first line of stdin.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password: ")
            .context("cannot read the password from the terminal")?;
        let again = rpassword::prompt_password("Again: ")
            .context("cannot read the password from the terminal")?;
        if first != again {
            anyhow::bail!("the two passwords differ; nothing changed");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub fn run(root: &Path, args: &PasswordArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open(root)?;
    if args.remove {
        sessions::set_password(&store, None)?;
        println!("password removed: sign in with `microsocial login` links");
        return Ok(ExitCode::SUCCESS);
    }
    sessions::set_password(&store, Some(&read_password()?))?;
    println!("password set: the sign-in form at /home/login accepts it");
    Ok(ExitCode::SUCCESS)
}
