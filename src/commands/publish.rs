//! `microsocial publish` (build, deploy, notify) and `microsocial notify`.

use crate::federation::friends::Node;
use anyhow::bail;
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
            let status = std::process::Command::new("sh")
                .arg("-c")
                .arg(cmd)
                .current_dir(root)
                .status()?;
            if !status.success() {
                bail!("deploy_command `{cmd}` failed ({status}); friends were not notified");
            }
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
