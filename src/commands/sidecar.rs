//! `microsocial sidecar`

use crate::cli::SidecarArgs;
use crate::federation::friends::Node;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, args: &SidecarArgs) -> anyhow::Result<ExitCode> {
    let node = Node::open(root)?;
    let bind = args
        .bind
        .clone()
        .unwrap_or_else(|| node.config.sidecar.bind.clone());
    if let Some(warning) = node.config.unreachable_inbox(&bind) {
        eprintln!("warning: {warning}");
    }
    crate::sidecar::Sidecar::new(node)?.run(&bind)?;
    Ok(ExitCode::SUCCESS)
}
