//! Checks `microsocial check` runs besides the pipeline's: every problem in
//! `social.toml` at once (each table read on its own from a lenient parse),
//! the theme, the avatar, `[sidecar] bind`, `language`, and relative images
//! and files that are not there.

mod config;
mod files;

pub use config::config_problems;
pub use files::missing_files;

/// 1-based line of `key = …` inside `[table]` of a TOML text (1 if unseen).
fn line_of_key(text: &str, table: &str, key: &str) -> usize {
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            current = name.trim().to_string();
            continue;
        }
        let lhs = t.split('=').next().unwrap_or("").trim().trim_matches('"');
        if current == table && t.contains('=') && lhs == key {
            return i + 1;
        }
    }
    1
}

/// 1-based line of the `[table]` header (1 if unseen).
fn line_of_table(text: &str, table: &str) -> usize {
    text.lines()
        .position(|l| l.trim().strip_prefix('[').and_then(|r| r.split(']').next()) == Some(table))
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_in_their_table() {
        let text = "[site]\ntitle = \"x\"\n\n[sidecar]\nbind = \"y\"\ntitle = 1\n";
        assert_eq!(line_of_key(text, "site", "title"), 2);
        assert_eq!(line_of_key(text, "sidecar", "title"), 6);
        assert_eq!(line_of_table(text, "sidecar"), 4);
    }
}
