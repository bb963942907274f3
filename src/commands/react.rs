//! `microsocial react URL EMOJI [--remove]`

use crate::cli::ReactArgs;
use crate::federation::friends::Node;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, args: &ReactArgs) -> anyhow::Result<ExitCode> {
    let node = Node::open(root)?;
    let out = crate::actions::react::react(&node, &args.url, &args.emoji, args.remove, args.force)?;
    Ok(super::outcome::print(&out))
}
