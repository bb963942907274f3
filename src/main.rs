//! `microsocial`: thin dispatch to one module per command.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = microsocial::cli::Cli::parse();
    match microsocial::commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
