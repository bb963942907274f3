//! `microsocial outbox`: list, retry or drop queued messages.

use super::when::human;
use crate::cli::{OutboxAction, OutboxArgs};
use crate::federation::friends::Node;
use crate::store::{rfc3339, OutMsg};
use crate::timezone::Zone;
use crate::words::count;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, args: &OutboxArgs) -> anyhow::Result<ExitCode> {
    let node = Node::open(root)?;
    let out = match args.action.as_ref().unwrap_or(&OutboxAction::List) {
        OutboxAction::List => return list(&node, args.json),
        OutboxAction::Retry { id } => crate::actions::outbox::retry(&node, id)?,
        OutboxAction::Drop { id } => crate::actions::outbox::drop(&node, id)?,
    };
    if args.json {
        let sent: Vec<_> = out.sent.iter().map(sent_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"done": out.done, "sent": sent}))?
        );
        return Ok(if out.ok() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    Ok(super::outcome::print(&out))
}

fn sent_json(s: &crate::actions::Sent) -> serde_json::Value {
    use crate::actions::Attempt;
    let (state, reason) = match &s.attempt {
        Attempt::Delivered => ("delivered", None),
        Attempt::Queued { reason } => ("queued", Some(reason)),
        Attempt::Refused { reason } => ("refused", Some(reason)),
    };
    serde_json::json!({"id": s.id, "type": s.kind, "to": s.to, "state": state, "reason": reason})
}

fn list(node: &Node, json: bool) -> anyhow::Result<ExitCode> {
    let entries = crate::actions::outbox::list(node)?;
    if json {
        let list: Vec<_> = entries.iter().map(entry_json).collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(ExitCode::SUCCESS);
    }
    if entries.is_empty() {
        println!("the outbox is empty");
    }
    for m in &entries {
        println!("{}", outbox_line(m, node.config.site.timezone));
    }
    Ok(ExitCode::SUCCESS)
}

fn entry_json(m: &OutMsg) -> serde_json::Value {
    serde_json::json!({
        "id": m.id, "type": m.kind, "to": m.recipient, "state": m.state,
        "attempts": m.attempts, "created": rfc3339(m.created), "next_attempt": rfc3339(m.next_attempt),
        "last_error": m.last_error,
    })
}

/// "3 pending, 1 failed" for the outbox.
pub fn summary(entries: &[OutMsg]) -> String {
    let pending = entries.iter().filter(|m| m.state == "pending").count();
    format!("{pending} pending, {} failed", entries.len() - pending)
}

/// One outbox entry, for `status` and `outbox`.
pub fn outbox_line(m: &OutMsg, zone: Zone) -> String {
    format!(
        "  {} {} to {}: {}, {}{}",
        m.kind,
        m.id,
        m.recipient,
        count(m.attempts, "attempt"),
        if m.state == "pending" {
            format!("next {}", human(zone, Some(m.next_attempt)))
        } else {
            "gave up".into()
        },
        m.last_error
            .as_deref()
            .map_or(String::new(), |e| format!(", last error: {e}"))
    )
}
