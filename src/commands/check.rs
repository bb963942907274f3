//! `microsocial check`: lists every problem as `file:line: message`.

use crate::cli::CheckArgs;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let problems = crate::pipeline::check(root, args.drafts)?;
    if problems.is_empty() {
        println!("no problems found");
        return Ok(ExitCode::SUCCESS);
    }
    for p in &problems {
        eprintln!("{p}");
    }
    eprintln!("{} found", crate::words::count(problems.len(), "problem"));
    Ok(ExitCode::FAILURE)
}
