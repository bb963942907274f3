//! `microsocial keys`: show, rotate, export or import.

mod passphrase;

use crate::cli::{KeysAction, KeysArgs};
use crate::federation::{keyfile, keys};
use crate::words::count;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, args: &KeysArgs) -> anyhow::Result<ExitCode> {
    match args.action.as_ref().unwrap_or(&KeysAction::Show) {
        KeysAction::Show => {
            let k = keys::ensure(root)?;
            println!("signing    {}", k.signing_public());
            println!("encryption {}", k.encryption_public());
            if !k.retired.is_empty() {
                println!(
                    "({} kept for reading old messages)",
                    count(k.retired.len(), "retired encryption key")
                );
            }
        }
        KeysAction::Export { file } => {
            let pass = passphrase::read(true)?;
            let n = keyfile::export(root, file, pass)?;
            println!(
                "wrote {} to {} (keep it and the passphrase apart)",
                count(n, "key"),
                file.display()
            );
        }
        KeysAction::Import { file } => {
            let k = keyfile::import(root, file, passphrase::read(false)?)?;
            println!(
                "restored this site's identity: signing {}",
                k.signing_public()
            );
        }
        KeysAction::Rotate => {
            return Ok(super::outcome::print(&crate::actions::keys::rotate(root)?));
        }
    }
    Ok(ExitCode::SUCCESS)
}
