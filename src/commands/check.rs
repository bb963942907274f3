//! `microsocial check`: lists every problem as `file:line: message`.

use crate::cli::CheckArgs;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let mut problems = crate::check::config_problems(root);
    // The pipeline stops at the first config problem: run it on a sound config.
    if problems.is_empty() {
        problems = crate::pipeline::check(root, args.drafts)?;
    }
    for p in crate::check::missing_files(root, args.drafts)? {
        if !problems.contains(&p) {
            problems.push(p);
        }
    }
    problems.sort();
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
