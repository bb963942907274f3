//! `[sidecar] deploy_command`: run after a build, by `publish` and by the
//! sidecar's rebuilds.

use anyhow::{anyhow, bail};
use std::path::Path;

/// Runs `cmd` with `sh -c` in the site root; an error names the exit status.
pub fn run(root: &Path, cmd: &str) -> anyhow::Result<()> {
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(root)
        .status()
        .map_err(|e| anyhow!("cannot run deploy_command `{cmd}`: {e}"))?;
    if !status.success() {
        bail!("deploy_command `{cmd}` failed ({status})");
    }
    Ok(())
}
