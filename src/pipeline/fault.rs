//! Test-only fault injection, for the kill -9 and failure tests in
//! `tests/faults.rs`: `MICROSOCIAL_TEST_FAULT=pause:STEP` stops the build at
//! `STEP` (saying so on stderr) so a test can kill it there;
//! `fail:STEP` fails the build there, as a full disk would. Unset, it does
//! nothing.

use std::time::Duration;

pub const VAR: &str = "MICROSOCIAL_TEST_FAULT";

/// How long a paused build waits to be killed before it gives up.
const PAUSE: Duration = Duration::from_secs(60);

/// Marks the named step of a build.
pub fn at(step: &str) -> anyhow::Result<()> {
    let Some(fault) = std::env::var_os(VAR) else {
        return Ok(());
    };
    let fault = fault.to_string_lossy();
    match fault.split_once(':') {
        Some(("fail", s)) if s == step => {
            Err(anyhow::anyhow!("injected failure at {step} ({VAR})"))
        }
        Some(("pause", s)) if s == step => {
            eprintln!("microsocial: paused at {step} ({VAR})");
            std::thread::sleep(PAUSE);
            Err(anyhow::anyhow!("paused at {step} and not killed ({VAR})"))
        }
        _ => Ok(()),
    }
}
