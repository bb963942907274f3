//! `microsocial status`

use super::when::human;
use crate::federation::friends::Node;
use crate::federation::outbox::lock;
use crate::words::count;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, deep: bool) -> anyhow::Result<ExitCode> {
    let node = Node::open(root)?;
    let tz = node.config.site.timezone;
    let st = lock(&node.store);
    let db = root.join(".social").join("state.db");
    let (check, what) = if deep {
        (st.integrity_check(), "integrity_check")
    } else {
        (st.quick_check(), "quick_check")
    };
    let problems = match check {
        Ok(p) => p,
        Err(e) => vec![format!("{e:#}")],
    };
    if !problems.is_empty() {
        eprintln!("error: {} is damaged ({what}):", db.display());
        for p in &problems {
            eprintln!("  {p}");
        }
        eprintln!("{}", crate::store::RESTORE_ADVICE);
        return Ok(ExitCode::FAILURE);
    }
    println!("state database {}: ok ({what})", db.display());
    println!("site {} (change log at #{})", node.me.url, st.last_seq()?);
    drop(st);
    let friends = crate::actions::friends::list(&node)?;
    println!("\nfriends ({}):", friends.len());
    for v in &friends {
        let f = &v.friend;
        println!("  {:<24} {:<40} {}", f.name, f.url, f.state);
        if let Some(w) = v.waiting(&node.me.url, crate::store::now_ms()) {
            println!("      {w}");
        }
        if f.state == "friend" {
            println!(
                "      last pull {} (at #{}){}",
                human(tz, f.last_pull),
                f.last_seq,
                f.last_pull_error
                    .as_deref()
                    .map_or(String::new(), |e| format!(", last error: {e}"))
            );
            let cap = node.config.federation.max_items_per_friend;
            println!(
                "      {} kept{}",
                count(v.items, "post"),
                if v.dropped > 0 {
                    format!(" (only the newest {cap}: {} older dropped)", v.dropped)
                } else {
                    String::new()
                }
            );
            if v.skipped > 0 {
                println!(
                    "      {} skipped as malformed or unopenable{}",
                    count(v.skipped, "change"),
                    v.skipped_why
                        .as_deref()
                        .map_or(String::new(), |w| format!(", last: {w}"))
                );
            }
        }
    }
    let outbox = lock(&node.store).outbox()?;
    println!("\noutbox: {}", super::outbox::summary(&outbox));
    for m in &outbox {
        println!("{}", super::outbox::outbox_line(m, tz));
    }
    Ok(ExitCode::SUCCESS)
}
