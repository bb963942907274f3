//! `microsocial publish` (build, deploy, notify) and `microsocial notify`.

use crate::federation::friends::Node;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, build: bool) -> anyhow::Result<ExitCode> {
    if build {
        let report = super::build::rebuild_quietly(root)?;
        println!("built: {report}");
    }
    let node = Node::open(root)?;
    if build {
        if let Some(cmd) = &node.config.sidecar.deploy_command {
            crate::deploy::run(root, cmd)
                .map_err(|e| anyhow::anyhow!("{e:#}; friends were not notified"))?;
            println!("deployed");
        }
    }
    let n = node.notify_all()?;
    let lines = node.deliver()?;
    let delivered = lines.iter().filter(|l| l.starts_with("delivered")).count();
    println!("notified {delivered} of {n} friend(s)");
    for l in lines.iter().filter(|l| !l.starts_with("delivered")) {
        println!("  {l}");
    }
    Ok(ExitCode::SUCCESS)
}
