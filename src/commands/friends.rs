//! `microsocial friends …`

use crate::actions::friends;
use crate::cli::{FriendsAction, FriendsArgs};
use crate::federation::friends::Node;
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
    let friends = friends::list(node)?;
    if json {
        let list: Vec<_> = friends
            .iter()
            .map(|v| serde_json::json!({"url": v.friend.url, "name": v.friend.name, "state": v.friend.state}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(ExitCode::SUCCESS);
    }
    if friends.is_empty() {
        println!("no friends yet: `microsocial friends add https://their.site/`");
    }
    let now = crate::store::now_ms();
    for v in &friends {
        println!(
            "{:<24} {:<40} {}",
            v.friend.name,
            v.friend.url,
            v.state_label()
        );
        if let Some(w) = v.waiting(&node.me.url, now) {
            println!("    {w}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
