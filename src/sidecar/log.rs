//! One line per event on stderr, with a level switch.

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warn,
    Info,
    Debug,
}

pub struct Logger {
    level: Level,
}

impl Logger {
    pub fn new(level: &str) -> Logger {
        let level = match std::env::var("MICROSOCIAL_LOG").as_deref().unwrap_or(level) {
            "error" => Level::Error,
            "warn" => Level::Warn,
            "debug" => Level::Debug,
            _ => Level::Info,
        };
        Logger { level }
    }

    fn line(&self, level: Level, tag: &str, msg: &str) {
        if level <= self.level {
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
