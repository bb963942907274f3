//! `microsocial replies [list|hide URL|show URL] [--json]`

use crate::actions::replies;
use crate::cli::{RepliesAction, RepliesArgs};
use crate::federation::friends::Node;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, args: &RepliesArgs) -> anyhow::Result<ExitCode> {
    let node = Node::open(root)?;
    let out = match args.action.as_ref().unwrap_or(&RepliesAction::List) {
        RepliesAction::List => return list(&node, args.json),
        RepliesAction::Hide { url } => replies::hide(&node, url, true)?,
        RepliesAction::Show { url } => replies::hide(&node, url, false)?,
    };
    Ok(super::outcome::print(&out))
}

fn list(node: &Node, json: bool) -> anyhow::Result<ExitCode> {
    let list = replies::list(node)?;
    if json {
        let rows: Vec<_> = list
            .iter()
            .map(|r| {
                serde_json::json!({"url": r.url, "root": r.root, "parent": r.parent,
                    "author": r.author, "author_name": r.author_name, "published": r.published,
                    "private": r.private, "hidden": r.hidden})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        println!("no replies to your posts yet");
    }
    for r in &list {
        let hidden = if r.hidden { " (hidden)" } else { "" };
        println!(
            "{} {} ({}) on {}{hidden}: {}",
            r.url,
            r.author_name,
            r.author,
            r.root,
            crate::federation::reply::excerpt(&r.content_html)
        );
    }
    Ok(ExitCode::SUCCESS)
}
