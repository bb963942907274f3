//! Content problems reported as `file:line: message`, collected rather than
//! stopping at the first, so `check` and `build` can list every one.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl Problem {
    pub fn new(file: &Path, line: usize, message: impl Into<String>) -> Self {
        Problem {
            file: file.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// Error carrying every problem found, so callers can print them all.
#[derive(Debug)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        write!(
            f,
            "\n{} found; nothing was written",
            crate::words::count(self.0.len(), "problem")
        )
    }
}

impl std::error::Error for Problems {}

/// A TOML parser's message with what it most often means in a hand-edited
/// file: "invalid basic string" alone sends people hunting.
pub fn toml_message(message: &str) -> String {
    let message = message.trim();
    let hint = if message.contains("invalid basic string")
        || message.contains("invalid literal string")
    {
        Some("a string on this line is not closed: a `\"` (or `'`) is missing at its end, or a `\"` inside it needs a backslash")
    } else if message.contains("invalid multiline basic string") {
        Some("a `\"\"\"` string is never closed")
    } else {
        None
    };
    match hint {
        Some(h) => format!("{message}: {h}"),
        None => message.to_string(),
    }
}

/// 1-based line number of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_unclosed_quote_is_named() {
        let e = toml::from_str::<toml::Table>("title = \"Ann's\nx = 1\n").unwrap_err();
        let m = super::toml_message(e.message());
        assert!(m.contains("not closed"), "{m}");
    }
}
