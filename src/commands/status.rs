//! `microsocial status`

use crate::federation::friends::Node;
use crate::federation::outbox::lock;
use std::path::Path;
use std::process::ExitCode;

fn when(ms: Option<i64>) -> String {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map_or("never".into(), |d| {
            d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
}

pub fn run(root: &Path) -> anyhow::Result<ExitCode> {
    let node = Node::open(root)?;
    let st = lock(&node.store);
    println!("site {} (change log at #{})", node.me.url, st.last_seq()?);
    let friends = st.friends()?;
    println!("\nfriends ({}):", friends.len());
    for f in &friends {
        println!("  {:<24} {:<40} {}", f.name, f.url, f.state);
        if f.state == "friend" {
            println!(
                "      last pull {} (at #{}){}",
                when(f.last_pull),
                f.last_seq,
                f.last_pull_error
                    .as_deref()
                    .map_or(String::new(), |e| format!(", last error: {e}"))
            );
            let (skipped, why) = st.skipped(&f.url)?;
            if skipped > 0 {
                println!(
                    "      {skipped} change(s) skipped as malformed or unopenable{}",
                    why.map_or(String::new(), |w| format!(", last: {w}"))
                );
            }
        }
    }
    let outbox = st.outbox()?;
    let pending = outbox.iter().filter(|m| m.state == "pending").count();
    println!(
        "\noutbox: {pending} pending, {} failed",
        outbox.len() - pending
    );
    for m in &outbox {
        println!(
            "  {} {} to {}: {} attempt(s), {}{}",
            m.kind,
            m.id,
            m.recipient,
            m.attempts,
            if m.state == "pending" {
                format!("next {}", when(Some(m.next_attempt)))
            } else {
                "gave up".into()
            },
            m.last_error
                .as_deref()
                .map_or(String::new(), |e| format!(", last error: {e}"))
        );
    }
    Ok(ExitCode::SUCCESS)
}
