//! `microsocial`: thin dispatch to one module per command.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = microsocial::cli::Cli::parse();
    if !cli.command.is_server() {
        // `microsocial notifications | head`: a closed pipe ends a command
        // quietly, as it ends any Unix tool, instead of a panic in println!.
        // The servers keep Rust's default (ignored), where a peer that
        // hangs up must not end the process.
        // SAFETY: set once, before any thread exists; SIG_DFL is async-signal-safe.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    match microsocial::commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
