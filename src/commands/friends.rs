//! `microsocial friends …`

use crate::cli::{FriendsAction, FriendsArgs};
use crate::federation::friends::Node;
use crate::federation::ingest;
use crate::federation::outbox::lock;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, args: &FriendsArgs) -> anyhow::Result<ExitCode> {
    let node = Node::open(root)?;
    let message = match args.action.as_ref().unwrap_or(&FriendsAction::List) {
        FriendsAction::List => return list(&node, args.json),
        FriendsAction::Add { url } => node.add(url)?,
        FriendsAction::Accept { who } => node.accept(who)?,
        FriendsAction::Reject { who } => node.remove(who, true)?,
        FriendsAction::Remove { who } => node.remove(who, false)?,
    };
    println!("{message}");
    for line in node.deliver()? {
        println!("  {line}");
    }
    if let FriendsAction::Accept { who } = args.action.as_ref().unwrap_or(&FriendsAction::List) {
        // Show the new friend's recent posts right away.
        let f = node.find(who)?;
        match ingest::pull(
            &node.store,
            &node.client,
            &f.url,
            &node.config.federation,
            &node.me.keys.identities(),
        ) {
            Ok(r) => println!("  pulled {} recent change(s) from {}", r.applied, f.url),
            Err(e) => println!("  could not pull {} yet ({e:#}); the sidecar will", f.url),
        }
    }
    // Keep the public timeline and friends page in step with the change.
    if root.join("public").is_dir() {
        super::build::rebuild_quietly(root)?;
    }
    Ok(ExitCode::SUCCESS)
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
