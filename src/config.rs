//! `social.toml`: one serde struct per table, unknown keys rejected so a typo
//! never silently does nothing.

use crate::problem::{line_of, Problem};
use serde::Deserialize;
use std::path::Path;

pub const CONFIG_FILE: &str = "social.toml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub site: SiteConfig,
    #[serde(default)]
    pub sidecar: SidecarConfig,
    #[serde(default)]
    pub federation: FederationConfig,
}

/// `[sidecar]`: the federation server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SidecarConfig {
    /// Address the sidecar listens on.
    pub bind: String,
    /// Also serve the built site (one process hosts everything).
    pub serve_public: bool,
    /// Shell command run after each rebuild (e.g. an rsync to a static host).
    pub deploy_command: Option<String>,
    /// `error`, `warn`, `info` or `debug`.
    pub log_level: String,
    /// `text` (one plain line per event) or `json` (one JSON object a line).
    pub log_format: String,
    /// Quiet period after a friend's update before the site is rebuilt.
    pub rebuild_debounce_ms: u64,
    /// `POST /inbox` requests one client address may make per minute, in a
    /// burst or spread out; more get 429 with Retry-After. 0: no limit.
    pub inbox_limit_per_ip: u32,
}

impl Default for SidecarConfig {
    fn default() -> Self {
        SidecarConfig {
            bind: "127.0.0.1:8008".into(),
            serve_public: false,
            deploy_command: None,
            log_level: "info".into(),
            log_format: "text".into(),
            rebuild_debounce_ms: 100,
            inbox_limit_per_ip: 1200,
        }
    }
}

/// `[federation]`: how this site talks to others.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FederationConfig {
    /// Public URL of this site's inbox; default `<base_url>inbox` (the
    /// sidecar serving the site, or a reverse proxy forwarding /inbox to it).
    pub inbox_url: Option<String>,
    /// First retry delay of a failed delivery; doubles up to 24 h.
    pub retry_initial_ms: u64,
    /// Allow fetching from loopback and private networks (local testing only).
    pub allow_private_addresses: bool,
    /// Change-log pages a new friend's history is read from (newest first).
    pub bootstrap_pages: u64,
    /// Images in friends' posts in the private view: `link` (not loaded;
    /// each becomes a link to the image) or `load`.
    pub remote_images: RemoteImages,
    /// Posts kept per friend; older ones are dropped (newest kept).
    pub max_items_per_friend: u64,
    /// Changes one feed head or page may carry; a bigger one is refused.
    pub max_inline_changes: usize,
    /// Messages of any type one friend may send per minute (then 429).
    pub max_pings_per_minute: u32,
    /// A PEM file of one more certificate authority to trust (a home or
    /// company CA), besides the built-in list and the system's store;
    /// relative to the site folder.
    pub extra_ca_file: Option<std::path::PathBuf>,
}

/// What the private view does with images from other hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RemoteImages {
    /// Not loaded: each image becomes a link to it (no tracking pixels).
    #[default]
    Link,
    /// Loaded as the friend wrote them.
    Load,
}

impl Default for FederationConfig {
    fn default() -> Self {
        FederationConfig {
            inbox_url: None,
            retry_initial_ms: 30_000,
            allow_private_addresses: false,
            bootstrap_pages: 1,
            remote_images: RemoteImages::Link,
            max_items_per_friend: 1000,
            max_inline_changes: 200,
            max_pings_per_minute: 60,
            extra_ca_file: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub title: String,
    /// Absolute URL the site is served from; always ends with `/` after loading.
    pub base_url: String,
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub bio: Option<String>,
    /// Path relative to the site root's output (e.g. `avatar.png`) or an absolute URL.
    #[serde(default)]
    pub avatar: Option<String>,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default = "default_per_page")]
    pub posts_per_page: usize,
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Where the owner lives (IANA name): pages show local times in it.
    #[serde(default)]
    pub timezone: crate::timezone::Zone,
    /// Show friends' replies on public post pages (when both posts are public).
    #[serde(default = "default_true")]
    pub public_replies: bool,
}

fn default_true() -> bool {
    true
}

fn default_language() -> String {
    "en".into()
}
fn default_per_page() -> usize {
    10
}
fn default_theme() -> String {
    "default".into()
}

impl Config {
    /// Parses and validates config text; `file` only names the source in problems.
    pub fn parse(text: &str, file: &Path) -> Result<Config, Problem> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            Problem::new(file, line, crate::problem::toml_message(e.message()))
        })?;
        let site = &mut config.site;
        let line_for = |key: &str| {
            text.lines()
                .position(|l| l.trim_start().starts_with(key))
                .map_or(1, |i| i + 1)
        };
        site.base_url = normalize_base_url(&site.base_url)
            .map_err(|m| Problem::new(file, line_for("base_url"), m))?;
        if site.posts_per_page == 0 {
            return Err(Problem::new(
                file,
                line_for("posts_per_page"),
                "posts_per_page must be at least 1",
            ));
        }
        if site.theme.is_empty() || site.theme.contains(['/', '\\', '.']) {
            return Err(Problem::new(
                file,
                line_for("theme"),
                format!(
                    "theme `{}` must be a plain folder name under themes/",
                    site.theme
                ),
            ));
        }
        if let Some(inbox) = &config.federation.inbox_url {
            if crate::siteurl::normalize(inbox).is_none() {
                return Err(Problem::new(
                    file,
                    line_for("inbox_url"),
                    format!("inbox_url `{inbox}` must be an http(s) URL"),
                ));
            }
        }
        if !["error", "warn", "info", "debug"].contains(&config.sidecar.log_level.as_str()) {
            return Err(Problem::new(
                file,
                line_for("log_level"),
                "log_level must be one of error, warn, info, debug",
            ));
        }
        if !["text", "json"].contains(&config.sidecar.log_format.as_str()) {
            return Err(Problem::new(
                file,
                line_for("log_format"),
                "log_format must be text or json",
            ));
        }
        let fed = &config.federation;
        for (key, value) in [
            ("max_items_per_friend", fed.max_items_per_friend),
            ("max_inline_changes", fed.max_inline_changes as u64),
            ("max_pings_per_minute", u64::from(fed.max_pings_per_minute)),
        ] {
            if value == 0 {
                return Err(Problem::new(
                    file,
                    line_for(key),
                    format!("{key} must be at least 1"),
                ));
            }
        }
        let site = &mut config.site;
        if site.title.trim().is_empty() {
            return Err(Problem::new(
                file,
                line_for("title"),
                "title must not be empty",
            ));
        }
        Ok(config)
    }

    pub fn load(root: &Path) -> anyhow::Result<(Config, Vec<u8>)> {
        let path = root.join(CONFIG_FILE);
        let bytes = std::fs::read(&path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| anyhow::anyhow!("{}:1: file is not valid UTF-8", path.display()))?;
        let config = Config::parse(text, &path).map_err(|p| crate::problem::Problems(vec![p]))?;
        Ok((config, bytes))
    }
}

impl Config {
    /// Why friends could not reach the inbox this site announces when the
    /// sidecar listens on `bind`: a plain-http loopback inbox (a local trial)
    /// on another port. Behind a reverse proxy (a public or an https inbox
    /// URL) ports differ by design, so that is never a problem.
    pub fn unreachable_inbox(&self, bind: &str) -> Option<String> {
        let inbox = self.site.inbox_url(&self.federation);
        let url = url::Url::parse(&inbox).ok()?;
        let loopback = match url.host()? {
            url::Host::Domain(d) => d == "localhost",
            url::Host::Ipv4(ip) => ip.is_loopback(),
            url::Host::Ipv6(ip) => ip.is_loopback(),
        };
        let port = url.port_or_known_default()?;
        let bound = bind.rsplit_once(':')?.1.parse::<u16>().ok()?;
        // The sidecar speaks plain http: an https inbox, even on loopback,
        // has a TLS proxy in front, which forwards to another port.
        let direct = url.scheme() == "http";
        (loopback && direct && port != bound).then(|| {
            format!(
                "friends are told to deliver to {inbox}, but the sidecar listens on {bind}: \
                 set [sidecar] bind = \"127.0.0.1:{port}\" (or make base_url's port {bound}), \
                 or friends' messages never arrive"
            )
        })
    }
}

impl SiteConfig {
    /// Where friends deliver messages.
    pub fn inbox_url(&self, federation: &FederationConfig) -> String {
        match &federation.inbox_url {
            Some(u) => u.clone(),
            None => format!("{}inbox", self.base_url),
        }
    }

    /// This site's Webmention endpoint: the sidecar's, beside the inbox.
    pub fn webmention_url(&self, federation: &FederationConfig) -> String {
        let inbox = self.inbox_url(federation);
        match inbox.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/webmention"),
            None => format!("{inbox}/webmention"),
        }
    }

    /// Absolute URL of the avatar: relative paths resolve against `base_url`.
    pub fn avatar_url(&self) -> Option<String> {
        self.avatar.as_ref().map(|a| {
            if a.contains("://") {
                a.clone()
            } else {
                format!("{}{}", self.base_url, a.trim_start_matches('/'))
            }
        })
    }

    /// Path part of the base URL: "/" or e.g. "/blog/".
    pub fn base_path(&self) -> &str {
        let after_scheme = self.base_url.split_once("://").map_or("", |(_, r)| r);
        after_scheme.find('/').map_or("/", |i| &after_scheme[i..])
    }
}

/// Checks that `url` is an absolute http(s) URL and gives it a trailing slash.
pub fn normalize_base_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("base_url `{url}` must start with http:// or https://"))?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(format!("base_url `{url}` has no host"));
    }
    if rest.contains(['?', '#']) {
        return Err(format!(
            "base_url `{url}` must not have a query or fragment"
        ));
    }
    Ok(if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    })
}

/// The nearest ancestor of `start` (inclusive) that holds `social.toml`.
pub fn find_root(start: &Path) -> Option<std::path::PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(CONFIG_FILE).is_file())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Problem> {
        Config::parse(text, Path::new("social.toml"))
    }

    #[test]
    fn minimal_config_gets_defaults() {
        let c = parse("[site]\ntitle = \"T\"\nbase_url = \"https://a.example/blog\"\n").unwrap();
        assert_eq!(c.site.base_url, "https://a.example/blog/");
        assert_eq!(c.site.base_path(), "/blog/");
        assert_eq!(c.site.posts_per_page, 10);
        assert_eq!(c.site.theme, "default");
    }

    #[test]
    fn unknown_key_names_line_and_field() {
        let err = parse("[site]\ntitle = \"T\"\nbase_url = \"https://a.example/\"\ncolour = 1\n")
            .unwrap_err();
        assert_eq!(err.line, 4);
        assert!(err.message.contains("colour"), "{}", err.message);
        assert_eq!(err.to_string().split(':').next(), Some("social.toml"));
    }

    #[test]
    fn timezone_defaults_to_utc_and_a_bad_one_names_its_line() {
        let c = parse("[site]\ntitle = \"T\"\nbase_url = \"https://a.example/\"\n").unwrap();
        assert_eq!(c.site.timezone.name(), "UTC");
        let text = "[site]\ntitle = \"T\"\nbase_url = \"https://a.example/\"\ntimezone = \"Europe/Paris\"\n";
        assert_eq!(parse(text).unwrap().site.timezone.name(), "Europe/Paris");
        let err = parse(
            "[site]\ntitle = \"T\"\nbase_url = \"https://a.example/\"\ntimezone = \"Paris\"\n",
        )
        .unwrap_err();
        assert_eq!(err.line, 4, "{err}");
        assert!(
            err.message.contains("unknown time zone `Paris`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn bad_toml_names_line() {
        let err = parse("[site]\ntitle = \"T\nbase_url = 3\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
    }

    #[test]
    fn federation_limits_and_image_policy() {
        let base = "[site]\ntitle = \"T\"\nbase_url = \"https://a/\"\n[federation]\n";
        let c = parse(base).unwrap();
        assert_eq!(c.federation.remote_images, RemoteImages::Link);
        assert_eq!(c.federation.max_items_per_friend, 1000);
        let c = parse(&format!(
            "{base}remote_images = \"load\"\nmax_pings_per_minute = 5\n"
        ))
        .unwrap();
        assert_eq!(c.federation.remote_images, RemoteImages::Load);
        assert_eq!(c.federation.max_pings_per_minute, 5);
        let e = parse(&format!("{base}remote_images = \"proxy\"\n")).unwrap_err();
        assert!(e.message.contains("link"), "{e}");
        let e = parse(&format!("{base}max_items_per_friend = 0\n")).unwrap_err();
        assert_eq!(e.line, 5, "{e}");
    }

    #[test]
    fn rejects_relative_base_url_and_zero_page_size() {
        let e = parse("[site]\ntitle = \"T\"\nbase_url = \"example.org\"\n").unwrap_err();
        assert!(e.message.contains("http"), "{e}");
        assert_eq!(e.line, 3);
        let e =
            parse("[site]\ntitle=\"T\"\nbase_url=\"http://x/\"\nposts_per_page = 0\n").unwrap_err();
        assert_eq!(e.line, 4);
    }

    #[test]
    fn log_format_is_text_or_json() {
        let base = "[site]\ntitle = \"T\"\nbase_url = \"https://a/\"\n[sidecar]\n";
        assert_eq!(parse(base).unwrap().sidecar.log_format, "text");
        let c = parse(&format!("{base}log_format = \"json\"\n")).unwrap();
        assert_eq!(c.sidecar.log_format, "json");
        let e = parse(&format!("{base}log_format = \"xml\"\n")).unwrap_err();
        assert_eq!(e.line, 5, "{e}");
        assert!(e.message.contains("log_format"), "{e}");
    }
}
