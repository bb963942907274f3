//! `microsocial webmentions [list|approve ID|reject ID] [--json]`.

use crate::cli::{WebmentionsAction, WebmentionsArgs};
use crate::federation::friends::Node;
use crate::store::Webmention;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, args: &WebmentionsArgs) -> anyhow::Result<ExitCode> {
    let node = Node::open(root)?;
    let out = match args.action.as_ref().unwrap_or(&WebmentionsAction::List) {
        WebmentionsAction::List => return list(&node, args.json),
        WebmentionsAction::Approve { id } => crate::actions::webmentions::approve(&node, id)?,
        WebmentionsAction::Reject { id } => crate::actions::webmentions::reject(&node, id)?,
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"done": out.done}))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    Ok(super::outcome::print(&out))
}

fn list(node: &Node, json: bool) -> anyhow::Result<ExitCode> {
    let all = crate::actions::webmentions::list(node)?;
    if json {
        let list: Vec<_> = all.iter().map(to_json).collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(ExitCode::SUCCESS);
    }
    if all.is_empty() {
        println!("no Webmentions");
    }
    for w in &all {
        println!("{} {} {} {}", w.id, w.status(), w.source, w.target);
    }
    Ok(ExitCode::SUCCESS)
}

fn to_json(w: &Webmention) -> serde_json::Value {
    serde_json::json!({
        "id": w.id, "state": w.status(), "source": w.source, "target": w.target,
        "kind": w.kind, "author_name": w.author_name, "author_url": w.author_url,
        "content": w.content, "published": w.published, "reason": w.reason,
        "received": w.received,
    })
}
