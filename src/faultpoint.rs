//! Test-only fault injection, for the kill -9 and failure tests
//! (`tests/faults.rs`, `tests/killtests.rs`). With
//! `MICROSOCIAL_TEST_FAULT=pause:STEP` a process announces on stderr and
//! stalls at the named step, so a test can kill it there; `fail:STEP` makes
//! that step fail, as a full disk would. Unset, it does nothing.

use std::time::Duration;

pub const ENV: &str = "MICROSOCIAL_TEST_FAULT";
/// Longest stall: a paused process that nobody kills still goes on by itself.
const MAX_PAUSE: Duration = Duration::from_secs(60);

/// Marks a step that can fail.
pub fn at(step: &str) -> anyhow::Result<()> {
    let Some(fault) = std::env::var_os(ENV) else {
        return Ok(());
    };
    let fault = fault.to_string_lossy();
    match fault.split_once(':') {
        Some(("fail", s)) if s == step => {
            Err(anyhow::anyhow!("injected failure at {step} ({ENV})"))
        }
        Some(("pause", s)) if s == step => {
            eprintln!("microsocial: paused at {step} ({ENV})");
            std::thread::sleep(MAX_PAUSE);
            Err(anyhow::anyhow!("paused at {step} and not killed ({ENV})"))
        }
        _ => Ok(()),
    }
}

/// Marks a step that only pauses (inside a transaction, or between a send
/// and its record): a paused process that is not killed goes on.
pub fn pause(step: &str) {
    let _ = at(step);
}
