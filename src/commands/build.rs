//! `microsocial build`

use crate::cli::BuildArgs;
use crate::pipeline::{self, Options};
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, args: &BuildArgs) -> anyhow::Result<ExitCode> {
    let output = match &args.output {
        Some(o) => std::env::current_dir()?.join(o),
        None => root.join("public"),
    };
    let report = pipeline::build(&Options {
        root: root.to_path_buf(),
        output: output.clone(),
        drafts: args.drafts,
        force: args.force,
        base_url: None,
        publish_log: !args.drafts,
        private_output: Some(root.join(".social").join("private")),
        exiting: true,
        verify: args.verify,
    })?;
    println!("built {}: {report}", output.display());
    Ok(ExitCode::SUCCESS)
}
