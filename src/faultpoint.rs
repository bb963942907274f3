//! Test-only fault injection. With `MICROSOCIAL_TEST_PAUSE_AT=<step>` in its
//! environment, a process announces and then stalls at that named step, so
//! `tests/killtests.rs` can kill -9 it at a known moment. Unset, a no-op.

use std::time::Duration;

pub const ENV: &str = "MICROSOCIAL_TEST_PAUSE_AT";
/// Longest stall: a paused process that nobody kills still goes on by itself.
const MAX_PAUSE: Duration = Duration::from_secs(60);

/// Stalls here if the environment names `step`.
pub fn pause(step: &str) {
    if std::env::var_os(ENV).is_some_and(|v| v == step) {
        eprintln!("microsocial: test pause at {step}");
        std::thread::sleep(MAX_PAUSE);
    }
}
