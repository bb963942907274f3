//! Printing an action's outcome, and the exit code it earns: non-zero when
//! a friend refused for good; queued is not a failure.

use crate::actions::{Attempt, Outcome, Sent};
use std::process::ExitCode;

/// One line for one delivery attempt.
pub fn line(s: &Sent) -> String {
    match &s.attempt {
        Attempt::Delivered => format!("delivered {} to {}", s.kind, s.who()),
        Attempt::Queued { reason } => {
            format!("{} to {} is queued for retry: {reason}", s.kind, s.who())
        }
        Attempt::Refused { reason } => {
            format!("{} to {} was refused: {reason}", s.kind, s.who())
        }
    }
}

/// Prints what happened, then every delivery; refusals also to stderr.
pub fn print(out: &Outcome) -> ExitCode {
    for l in &out.done {
        println!("{l}");
    }
    print_sent(out, |_| true)
}

/// Prints the deliveries `keep` selects and sets the exit code.
pub fn print_sent(out: &Outcome, keep: impl Fn(&Sent) -> bool) -> ExitCode {
    for s in out.sent.iter().filter(|s| keep(s)) {
        println!("  {}", line(s));
    }
    if out.ok() {
        return ExitCode::SUCCESS;
    }
    for s in out.refused() {
        if let Attempt::Refused { reason } = &s.attempt {
            eprintln!("error: {} refused {} for good: {reason}", s.who(), s.kind);
        }
    }
    ExitCode::FAILURE
}
