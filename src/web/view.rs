//! The templates (embedded, autoescaped) and small view helpers.

use crate::timezone::Zone;
use anyhow::Context as _;
use serde::Serialize;
use std::sync::OnceLock;

/// Every template, by name. Names end in `.html`, so Tera escapes every
/// value unless a template says `| safe` (only for HTML made here or
/// sanitised with ammonia).
const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("templates/layout.html")),
    ("login.html", include_str!("templates/login.html")),
    ("confirm.html", include_str!("templates/confirm.html")),
    ("timeline.html", include_str!("templates/timeline.html")),
    ("friends.html", include_str!("templates/friends.html")),
    ("chats.html", include_str!("templates/chats.html")),
    ("chat.html", include_str!("templates/chat.html")),
    ("settings.html", include_str!("templates/settings.html")),
    ("compose.html", include_str!("templates/compose.html")),
    ("posts.html", include_str!("templates/posts.html")),
    ("profile.html", include_str!("templates/profile.html")),
    (
        "unread_badge.html",
        include_str!("templates/unread_badge.html"),
    ),
    (
        "notifications.html",
        include_str!("templates/notifications.html"),
    ),
    (
        "webmentions.html",
        include_str!("templates/webmentions.html"),
    ),
    ("thread.html", include_str!("templates/thread.html")),
    ("entry_conv.html", include_str!("templates/entry_conv.html")),
];

/// The navigation: (key, label, path). Empty slots belong to screens other
/// engineers add (compose, posts, notifications, profile): put them here.
pub const NAV: &[(&str, &str, &str)] = &[
    ("timeline", "Timeline", "/home/"),
    ("compose", "Compose", "/home/compose"),
    ("posts", "Posts", "/home/posts"),
    ("friends", "Friends", "/home/friends"),
    ("chat", "Chat", "/home/chat"),
    ("profile", "Profile", "/home/profile"),
    ("notifications", "Notifications", "/home/notifications"),
    ("settings", "Settings", "/home/settings"),
];

pub const STYLE: &str = include_str!("assets/home.css");
pub const SCRIPT: &str = include_str!("assets/home.js");

fn tera() -> &'static Result<tera::Tera, String> {
    static T: OnceLock<Result<tera::Tera, String>> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = tera::Tera::default();
        t.add_raw_templates(TEMPLATES.iter().copied())
            .map_err(|e| format!("{e:?}"))?;
        t.register_filter("query", super::screens::conversation::query_filter);
        Ok(t)
    })
}

pub fn render(name: &str, c: &tera::Context) -> anyhow::Result<String> {
    let t = tera()
        .as_ref()
        .map_err(|e| anyhow::anyhow!("the web templates do not parse: {e}"))?;
    t.render(name, c)
        .map_err(|e| anyhow::anyhow!("{e:?}"))
        .with_context(|| format!("cannot render web template {name}"))
}

#[derive(Serialize)]
pub struct NavItem {
    pub label: &'static str,
    pub path: &'static str,
    pub current: bool,
}

pub fn nav(current: &str) -> Vec<NavItem> {
    NAV.iter()
        .map(|(key, label, path)| NavItem {
            label,
            path,
            current: *key == current,
        })
        .collect()
}

/// The hidden field every form carries.
pub fn csrf_field(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        tera::escape_html(token)
    )
}

/// A time (ms since the epoch) in the owner's zone, labelled with it.
pub fn when(zone: &Zone, ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map_or_else(|| "?".to_string(), |d| zone.show(d).label())
}

/// The machine-readable form for `<time datetime>`: UTC.
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(String::new, |d| {
        d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    })
}

/// One or two capital letters standing in for an avatar.
pub fn monogram(name: &str) -> String {
    let letters: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    if letters.is_empty() {
        "?".into()
    } else {
        letters.to_uppercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_and_escapes() {
        let mut c = tera::Context::new();
        c.insert("message", "<script>x</script>");
        c.insert("title", "t");
        c.insert("nav", &nav("timeline"));
        c.insert("csrf_field", &csrf_field("tok"));
        c.insert("flash", &None::<String>);
        c.insert("zone", "UTC");
        c.insert("question", "<b>q</b>");
        c.insert("action", "/home/x");
        c.insert("fields", &Vec::<(String, String)>::new());
        c.insert("cancel", "/home/");
        c.insert("button", "Yes");
        let html = render("confirm.html", &c).unwrap();
        assert!(
            !html.contains("<b>q</b>") && html.contains("&lt;b&gt;q"),
            "{html}"
        );
        assert!(html.contains("aria-current=\"page\""));
        assert_eq!(monogram("ada  lovelace king"), "AL");
        assert_eq!(monogram(""), "?");
    }
}
