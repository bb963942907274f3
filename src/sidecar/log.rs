//! One line per event on stderr, with a level switch.

use std::sync::atomic::{AtomicU8, Ordering};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warn,
    Info,
    Debug,
}

/// The level can change while the sidecar runs (`social.toml` is reloaded).
pub struct Logger {
    level: AtomicU8,
}

fn parse(level: &str) -> Level {
    match std::env::var("MICROSOCIAL_LOG").as_deref().unwrap_or(level) {
        "error" => Level::Error,
        "warn" => Level::Warn,
        "debug" => Level::Debug,
        _ => Level::Info,
    }
}

impl Logger {
    pub fn new(level: &str) -> Logger {
        Logger {
            level: AtomicU8::new(parse(level) as u8),
        }
    }

    pub fn set_level(&self, level: &str) {
        self.level.store(parse(level) as u8, Ordering::Relaxed);
    }

    fn line(&self, level: Level, tag: &str, msg: &str) {
        if level as u8 <= self.level.load(Ordering::Relaxed) {
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            eprintln!("{now} {tag} {msg}");
        }
    }

    pub fn error(&self, msg: &str) {
        self.line(Level::Error, "ERROR", msg);
    }
    pub fn warn(&self, msg: &str) {
        self.line(Level::Warn, "WARN ", msg);
    }
    pub fn info(&self, msg: &str) {
        self.line(Level::Info, "INFO ", msg);
    }
    pub fn debug(&self, msg: &str) {
        self.line(Level::Debug, "DEBUG", msg);
    }
}
