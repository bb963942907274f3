//! `microsocial keys`: show or rotate.

use crate::cli::{KeysAction, KeysArgs};
use crate::federation::friends::Node;
use crate::federation::keys;
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
                    "({} retired encryption key(s) kept for reading old messages)",
                    k.retired.len()
                );
            }
        }
        KeysAction::Rotate => {
            let k = keys::rotate_encryption(root)?;
            println!("new encryption key {}", k.encryption_public());
            let node = Node::open(root)?;
            let n = node.announce_keys()?;
            println!("telling {n} friend(s)");
            for line in node.deliver()? {
                println!("  {line}");
            }
            if root.join("public").is_dir() {
                super::build::rebuild_quietly(root)?;
                println!("rebuilt public/ (discovery document)");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
