//! `microsocial friends …`

use crate::actions::friends;
use crate::cli::{FriendsAction, FriendsArgs};
use crate::federation::friends::Node;
use crate::federation::outbox::lock;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, args: &FriendsArgs) -> anyhow::Result<ExitCode> {
    let node = Node::open(root)?;
    let out = match args.action.as_ref().unwrap_or(&FriendsAction::List) {
        FriendsAction::List => return list(&node, args.json),
        FriendsAction::Add { url } => friends::add(&node, url)?,
        FriendsAction::Accept { who } => friends::accept(&node, who)?,
        FriendsAction::Reject { who } => friends::reject(&node, who)?,
        FriendsAction::Remove { who } => friends::remove(&node, who)?,
    };
    Ok(super::outcome::print(&out))
}

fn list(node: &Node, json: bool) -> anyhow::Result<ExitCode> {
    let friends = lock(&node.store).friends()?;
    if json {
        let list: Vec<_> = friends
            .iter()
            .map(|f| serde_json::json!({"url": f.url, "name": f.name, "state": f.state}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(ExitCode::SUCCESS);
    }
    if friends.is_empty() {
        println!("no friends yet: `microsocial friends add https://their.site/`");
    }
    for f in &friends {
        let state = match f.state.as_str() {
            "friend" => "friend",
            "outgoing" => "asked by you",
            _ => "asks you (accept or reject)",
        };
        println!("{:<24} {:<40} {state}", f.name, f.url);
    }
    Ok(ExitCode::SUCCESS)
}
