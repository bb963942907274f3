//! `microsocial chat`: private messages, end-to-end encrypted.

use crate::actions;
use crate::cli::ChatArgs;
use crate::federation::friends::Node;
use crate::federation::outbox::lock;
use crate::words::count;
use anyhow::Context as _;
use std::io::{IsTerminal as _, Read as _};
use std::path::Path;
use std::process::ExitCode;

fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| {
            d.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

pub fn run(root: &Path, args: &ChatArgs) -> anyhow::Result<ExitCode> {
    let node = Node::open(root)?;
    let Some(who) = &args.who else {
        return list(&node);
    };
    if args.clear {
        return Ok(super::outcome::print(&actions::chat::clear(&node, who)?));
    }
    let mut text = args.text.join(" ");
    if text.is_empty() && !std::io::stdin().is_terminal() {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the message from standard input")?;
    }
    let text = text.trim();
    if text.is_empty() {
        return show(&node, who);
    }
    Ok(super::outcome::print(&actions::chat::send(
        &node, who, text,
    )?))
}

fn list(node: &Node) -> anyhow::Result<ExitCode> {
    let st = lock(&node.store);
    let convs = st.conversations()?;
    if convs.is_empty() {
        println!("no conversations yet: `microsocial chat FRIEND \"hello\"`");
    }
    for (peer, total, unread, last) in convs {
        let name = st.friend(&peer)?.map_or(peer.clone(), |f| f.name);
        let unread = if unread > 0 {
            format!(", {unread} unread")
        } else {
            String::new()
        };
        println!(
            "{name:<24} {}{unread}, last {}",
            count(total, "message"),
            when(last)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn show(node: &Node, who: &str) -> anyhow::Result<ExitCode> {
    let f = node.find(who)?;
    let st = lock(&node.store);
    let messages = st.messages(&f.url)?;
    if messages.is_empty() {
        println!("no messages with {} yet", f.name);
    }
    for m in &messages {
        let (from, state) = if m.direction == "out" {
            let state = match m.state.as_str() {
                "pending" => match st.outbox_entry(&m.id)? {
                    Some(o) if o.attempts > 0 => "pending retry".to_string(),
                    _ => "sent".to_string(),
                },
                s => s.to_string(),
            };
            ("you".to_string(), format!("  ({state})"))
        } else {
            (f.name.clone(), String::new())
        };
        println!("[{}] {from}: {}{state}", when(m.at), m.body);
    }
    st.mark_read(&f.url)?;
    Ok(ExitCode::SUCCESS)
}
