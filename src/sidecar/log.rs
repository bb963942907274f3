//! The sidecar's log: `tracing` events, one line each on stderr, as text or
//! JSON. The level comes from `[sidecar] log_level`, unless `RUST_LOG` (or
//! the older `MICROSOCIAL_LOG`) is set, and follows edits of `social.toml`.

use std::sync::OnceLock;
use tracing_subscriber::fmt::time::ChronoUtc;
use tracing_subscriber::prelude::*;
use tracing_subscriber::{fmt, reload, EnvFilter, Registry};

type Handle = reload::Handle<EnvFilter, Registry>;

/// One subscriber per process (tracing's global default), so one level.
static HANDLE: OnceLock<Handle> = OnceLock::new();

/// The filter: `RUST_LOG` wins, then `MICROSOCIAL_LOG`, then the config.
fn filter(level: &str) -> EnvFilter {
    for var in ["RUST_LOG", "MICROSOCIAL_LOG"] {
        let Ok(value) = std::env::var(var) else {
            continue;
        };
        match EnvFilter::try_new(&value) {
            Ok(f) if !value.trim().is_empty() => return f,
            Ok(_) => {}
            Err(e) => eprintln!("ignoring {var}={value:?}: {e}"),
        }
    }
    // `level` was checked when the config was loaded; `info` is the default.
    EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Whether `RUST_LOG`/`MICROSOCIAL_LOG` fixed the level, so config edits don't.
fn from_env() -> bool {
    ["RUST_LOG", "MICROSOCIAL_LOG"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|s| !s.trim().is_empty()))
}

/// Handle on the live level.
pub struct Logger;

impl Logger {
    /// Installs the subscriber; `format` is `text` or `json`. A second
    /// sidecar in the same process shares the first one's subscriber.
    pub fn new(level: &str, format: &str) -> Logger {
        HANDLE.get_or_init(|| {
            let (filter, handle) = reload::Layer::new(filter(level));
            let time = ChronoUtc::new("%Y-%m-%dT%H:%M:%S%.3fZ".into());
            let text = (format != "json").then(|| {
                fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_target(false)
                    .with_timer(time.clone())
            });
            let json = (format == "json").then(|| {
                fmt::layer()
                    .json()
                    .with_writer(std::io::stderr)
                    .with_timer(time)
            });
            let installed = tracing_subscriber::registry()
                .with(filter)
                .with(text)
                .with(json)
                .try_init();
            if let Err(e) = installed {
                eprintln!("sidecar log: another logger is already installed: {e}");
            }
            handle
        });
        Logger
    }

    /// Follows an edit of `[sidecar] log_level` (not of `log_format`).
    pub fn set_level(&self, level: &str) {
        if from_env() {
            return;
        }
        if let Some(handle) = HANDLE.get() {
            if let Err(e) = handle.reload(filter(level)) {
                tracing::error!("log level: cannot switch to {level}: {e}");
            }
        }
    }
}
