//! `microsocial chat`: private messages, end-to-end encrypted.

use crate::actions;
use crate::cli::ChatArgs;
use crate::federation::friends::Node;
use crate::words::count;
use anyhow::Context as _;
use std::io::{IsTerminal as _, Read as _};
use std::path::Path;
use std::process::ExitCode;

fn when(node: &Node, ms: i64) -> String {
    super::when::human(node.config.site.timezone, Some(ms))
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
    say_who(&node, who)?;
    if text.is_empty() {
        return show(&node, who);
    }
    Ok(super::outcome::print(&actions::chat::send(
        &node, who, text,
    )?))
}

/// Says which friend `who` found when it was not their current name or
/// their URL (a former name, or their host).
fn say_who(node: &Node, who: &str) -> anyhow::Result<()> {
    let f = node.find(who)?;
    let by_url = crate::siteurl::normalize(who).is_some_and(|u| u == f.url);
    if !by_url && !f.name.eq_ignore_ascii_case(who.trim()) {
        println!("(`{}` is {} at {})", who.trim(), f.name, f.url);
    }
    Ok(())
}

fn list(node: &Node) -> anyhow::Result<ExitCode> {
    let convs = actions::chat::conversations(node)?;
    if convs.is_empty() {
        println!("no conversations yet: `microsocial chat FRIEND \"hello\"`");
    }
    for c in convs {
        let unread = if c.unread > 0 {
            format!(", {} unread", c.unread)
        } else {
            String::new()
        };
        println!(
            "{:<24} {}{unread}, last {}",
            c.name,
            count(c.total, "message"),
            when(node, c.last_at)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn show(node: &Node, who: &str) -> anyhow::Result<ExitCode> {
    let thread = actions::chat::open(node, who)?;
    if thread.lines.is_empty() {
        println!("no messages with {} yet", thread.name);
    }
    for m in &thread.lines {
        let (from, state) = if m.from_me {
            ("you", format!("  ({})", m.delivery.label()))
        } else {
            (thread.name.as_str(), String::new())
        };
        println!("[{}] {from}: {}{state}", when(node, m.at), m.body);
    }
    Ok(ExitCode::SUCCESS)
}
