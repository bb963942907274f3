//! `microsocial backup FILE`: a consistent copy of the state database.

use crate::store::Store;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, file: &Path) -> anyhow::Result<ExitCode> {
    Store::open(root)?.backup_to(file)?;
    println!(
        "wrote a copy of the state database to {} (the keys are not in it: `microsocial keys export`)",
        file.display()
    );
    Ok(ExitCode::SUCCESS)
}
