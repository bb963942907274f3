//! `microsocial notifications [--unread] [--json]` and
//! `microsocial notifications read [ID…|--all]`.

use crate::actions::notifications::{self, Which};
use crate::cli::{NotificationsAction, NotificationsArgs};
use crate::store::Store;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;

pub fn run(root: &Path, args: &NotificationsArgs) -> anyhow::Result<ExitCode> {
    let store = Mutex::new(Store::open(root)?);
    match &args.action {
        None => list(root, &store, args),
        Some(NotificationsAction::Read { ids, all }) => {
            let which = if *all { Which::All } else { Which::Ids(ids) };
            let out = notifications::mark_read(&store, which)?;
            Ok(super::outcome::print(&out))
        }
    }
}

fn list(root: &Path, store: &Mutex<Store>, args: &NotificationsArgs) -> anyhow::Result<ExitCode> {
    let list = notifications::list(store, args.unread)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        println!(
            "no {}notifications",
            if args.unread { "unread " } else { "" }
        );
    }
    let tz = super::when::zone(root);
    for n in &list {
        let time = super::when::human(tz, Some(n.time));
        let mark = if n.read { ' ' } else { '*' };
        let url = n
            .url
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        println!(
            "{mark}{:>4} {time} {} {}: {}{url}",
            n.id, n.kind, n.from, n.text
        );
    }
    Ok(ExitCode::SUCCESS)
}
