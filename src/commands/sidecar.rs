//! `microsocial sidecar`

use crate::cli::SidecarArgs;
use crate::federation::friends::Node;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, args: &SidecarArgs) -> anyhow::Result<ExitCode> {
    let node = Node::open(root)?;
    // A damaged database would fail later, message by message: refuse now.
    let found = crate::federation::outbox::lock(&node.store)
        .quick_check()
        .unwrap_or_else(|e| vec![format!("{e:#}")]);
    if !found.is_empty() {
        anyhow::bail!(
            "{} is damaged, so the sidecar does not start: {}. To restore: {}",
            root.join(".social/state.db").display(),
            found.join("; "),
            crate::store::RESTORE_ADVICE
        );
    }
    let bind = args
        .bind
        .clone()
        .unwrap_or_else(|| node.config.sidecar.bind.clone());
    if let Some(warning) = node.config.unreachable_inbox(&bind) {
        eprintln!("warning: {warning}");
    }
    stop_cleanly_on_signals(root)?;
    checkpoint_every_minute(root)?;
    crate::sidecar::Sidecar::new(node)?.run(&bind)?;
    Ok(ExitCode::SUCCESS)
}

/// SIGTERM (what systemd sends) and SIGINT (Ctrl-C) end the sidecar after
/// the write-ahead log is folded into `state.db`, so that a plain copy of
/// the file holds every message received. Committed data is safe in the
/// log either way; this keeps a careless backup whole.
fn stop_cleanly_on_signals(root: &Path) -> anyhow::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT])?;
    let root = root.to_path_buf();
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            let saved = crate::store::Store::open(&root).and_then(|s| s.checkpoint());
            match saved {
                Ok(true) => tracing::info!("stopping (signal {sig}): state database checkpointed"),
                Ok(false) => tracing::warn!(
                    "stopping (signal {sig}): the checkpoint was cut short; the state is safe in state.db-wal"
                ),
                Err(e) => tracing::warn!("stopping (signal {sig}): {e:#}"),
            }
            std::process::exit(0);
        }
    });
    Ok(())
}

/// With `synchronous = NORMAL`, commits since the last checkpoint are in
/// the log but not yet synced: a power cut may lose them. A checkpoint a
/// minute bounds that to about a minute, at the cost of one sync.
fn checkpoint_every_minute(root: &Path) -> anyhow::Result<()> {
    let store = crate::store::Store::open(root)?;
    std::thread::spawn(move || loop {
        std::thread::sleep(std::time::Duration::from_secs(60));
        if let Err(e) = store.checkpoint_passive() {
            tracing::warn!("periodic checkpoint: {e:#}");
        }
    });
    Ok(())
}
