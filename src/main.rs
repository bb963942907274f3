//! `microsocial`: thin dispatch to one module per command.

mod cli;
mod commands;
mod config;
mod content;
mod fsutil;
mod output;
mod pipeline;
mod problem;
mod render;
mod site;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
