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
    // The words `build` refuses with when the keys are gone but the
    // identity is not.
    if let Some(message) = crate::federation::keys::missing_keys_problem(root) {
        problems.push(crate::problem::Problem::new(
            std::path::Path::new(".social/keys"),
            1,
            message,
        ));
    }
    // The sidecar and every federation command refuse to start without it.
    if let Ok((config, _)) = crate::config::Config::load(root) {
        if let Some(file) = &config.federation.extra_ca_file {
            if let Err(e) = crate::federation::tls::with_extra_ca(&root.join(file)) {
                problems.push(crate::problem::Problem::new(
                    &root.join(crate::config::CONFIG_FILE),
                    1,
                    format!("{e:#}"),
                ));
            }
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
