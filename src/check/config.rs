//! `social.toml`, leniently: parsed into plain TOML values first, then each
//! table deserialised on its own, dropping each bad key and trying again,
//! so one typo does not hide the next.

use super::{line_of_key, line_of_table};
use crate::config::{Config, FederationConfig, SidecarConfig, SiteConfig, CONFIG_FILE};
use crate::problem::{line_of, Problem};
use serde::de::DeserializeOwned;
use std::path::Path;

/// Every problem found in the site's config; empty when it is sound.
pub fn config_problems(root: &Path) -> Vec<Problem> {
    let path = root.join(CONFIG_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Vec::new(); // the pipeline's own check names an unreadable file
    };
    let table = match parse_all(&text, &path) {
        Ok(t) => t,
        Err(syntax) => return syntax,
    };
    let mut problems = Vec::new();
    let p = |line: usize, msg: String| Problem::new(&path, line, msg);
    for (name, _) in table.iter() {
        if !["site", "sidecar", "federation"].contains(&name.as_str()) {
            let line = line_of_table(&text, name);
            problems.push(p(
                line,
                format!("unknown table [{name}]: expected [site], [sidecar] or [federation]"),
            ));
        }
    }
    if !table.contains_key("site") {
        problems.push(p(1, "missing table [site] (title and base_url)".into()));
    }
    let site = read_table::<SiteConfig>(&table, "site", &text, &path, &mut problems);
    let sidecar = read_table::<SidecarConfig>(&table, "sidecar", &text, &path, &mut problems);
    read_table::<FederationConfig>(&table, "federation", &text, &path, &mut problems);
    if let Some(site) = &site {
        problems.extend(site_values(root, site, &text, &path));
    }
    if let Some(sidecar) = &sidecar {
        if !valid_bind(&sidecar.bind) {
            problems.push(p(
                line_of_key(&text, "sidecar", "bind"),
                format!(
                    "bind `{}` is not an address to listen on: write HOST:PORT, e.g. 127.0.0.1:8008",
                    sidecar.bind
                ),
            ));
        }
    }
    if problems.is_empty() {
        // The loader's own checks (base_url, posts_per_page, …).
        match Config::parse(&text, &path) {
            Err(e) => problems.push(e),
            Ok(config) => {
                if let Some(m) = config.unreachable_inbox(&config.sidecar.bind) {
                    let line = match line_of_key(&text, "sidecar", "bind") {
                        1 => line_of_key(&text, "site", "base_url"),
                        n => n,
                    };
                    problems.push(p(line, m));
                }
            }
        }
    }
    problems
}

/// Parses the text; on syntax errors, blanks each bad line and parses
/// again, so every broken line is reported, not only the first.
fn parse_all(text: &str, path: &Path) -> Result<toml::Table, Vec<Problem>> {
    let mut lines: Vec<&str> = text.lines().collect();
    let mut problems: Vec<Problem> = Vec::new();
    for _ in 0..=lines.len() {
        let attempt = lines.join("\n");
        let e = match attempt.parse::<toml::Table>() {
            Ok(t) if problems.is_empty() => return Ok(t),
            Ok(_) => return Err(problems),
            Err(e) => e,
        };
        let line = e.span().map_or(1, |s| line_of(&attempt, s.start));
        if problems.iter().any(|p| p.line == line) || line > lines.len() {
            break; // blanking did not help: stop before guessing
        }
        problems.push(Problem::new(
            path,
            line,
            crate::problem::toml_message(e.message()),
        ));
        lines[line - 1] = "";
    }
    Err(problems)
}

/// Deserialises `[name]` (absent tables take defaults), reporting each bad
/// key and retrying without it. None when the table cannot be read at all.
fn read_table<T: DeserializeOwned>(
    root: &toml::Table,
    name: &str,
    text: &str,
    path: &Path,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let mut table = match root.get(name) {
        None => toml::Table::new(),
        Some(toml::Value::Table(t)) => t.clone(),
        Some(_) => {
            let line = line_of_key(text, "", name);
            problems.push(Problem::new(
                path,
                line,
                format!("`{name}` must be a table"),
            ));
            return None;
        }
    };
    for _ in 0..=table.len() {
        let err = match toml::Value::Table(table.clone()).try_into::<T>() {
            Ok(v) => return Some(v),
            Err(e) => e.to_string(),
        };
        let message = err.trim().replace('\n', " ");
        let key = offending_key(&message).filter(|k| table.contains_key(k));
        let Some(key) = key else {
            let line = line_of_table(text, name);
            problems.push(Problem::new(path, line, format!("[{name}]: {message}")));
            return None;
        };
        problems.push(Problem::new(
            path,
            line_of_key(text, name, &key),
            format!("[{name}] {key}: {message}"),
        ));
        table.remove(&key);
    }
    None
}

/// The key serde blames: "unknown field `x`, …" or "…, expected usize in `x`".
fn offending_key(message: &str) -> Option<String> {
    let start = if let Some(rest) = message.strip_prefix("unknown field `") {
        rest
    } else {
        &message[message.rfind("in `")? + 4..]
    };
    start.split('`').next().map(str::to_string)
}

/// `language`, `avatar` and `theme` against what exists.
fn site_values(root: &Path, site: &SiteConfig, text: &str, path: &Path) -> Vec<Problem> {
    let mut problems = Vec::new();
    let at = |key: &str| line_of_key(text, "site", key);
    let lang = site.language.parse::<unic_langid::LanguageIdentifier>();
    if lang.is_err() || site.language.contains('_') {
        problems.push(Problem::new(
            path,
            at("language"),
            format!(
                "language `{}` is not a language tag: write e.g. `en` or `pt-BR`",
                site.language
            ),
        ));
    }
    if let Some(avatar) = site.avatar.as_deref().filter(|a| !a.contains("://")) {
        let file = root.join("static").join(avatar.trim_start_matches('/'));
        if !file.is_file() {
            problems.push(Problem::new(
                path,
                at("avatar"),
                format!("avatar `{avatar}`: no such file {}", file.display()),
            ));
        }
    }
    let theme = root.join("themes").join(&site.theme);
    if site.theme != "default" && !theme.is_dir() {
        problems.push(Problem::new(
            path,
            at("theme"),
            format!(
                "theme `{}` not found: expected a folder {}",
                site.theme,
                theme.display()
            ),
        ));
    }
    problems
}

/// HOST:PORT with a port number and a host without spaces.
fn valid_bind(bind: &str) -> bool {
    if bind.parse::<std::net::SocketAddr>().is_ok() {
        return true;
    }
    match bind.rsplit_once(':') {
        Some((host, port)) => {
            port.parse::<u16>().is_ok()
                && !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_blamed_key_is_found() {
        let unknown = "unknown field `colour`, expected one of `title`, `base_url`";
        assert_eq!(offending_key(unknown).as_deref(), Some("colour"));
        let typed = "invalid type: string \"ten\", expected usize in `posts_per_page`";
        assert_eq!(offending_key(typed).as_deref(), Some("posts_per_page"));
        assert_eq!(offending_key("missing field `title`"), None);
    }

    #[test]
    fn every_broken_line_is_reported() {
        let text = "[site]\ntitle = \"x\nbase_url = \"https://a/\"\nauthor = = 1\n";
        let found = parse_all(text, Path::new("social.toml")).unwrap_err();
        let lines: Vec<usize> = found.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 4], "{found:?}");
    }

    #[test]
    fn binds() {
        assert!(valid_bind("127.0.0.1:8008"));
        assert!(valid_bind("[::1]:8008"));
        assert!(valid_bind("localhost:80"));
        assert!(!valid_bind("not an address"));
        assert!(!valid_bind("127.0.0.1"));
        assert!(!valid_bind("127.0.0.1:99999"));
    }
}
