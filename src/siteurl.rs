//! Site URLs in their canonical form (PROTOCOL.md §2): pure string work,
//! shared by the config checks and the protocol.

/// Canonical form of a site URL: lower-case scheme and host, trailing slash.
pub fn normalize(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if host.is_empty() || host.contains(['@', ' ', '?', '#']) || path.contains(['?', '#']) {
        return None;
    }
    let path = if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    };
    Some(format!("{scheme}://{}{path}", host.to_ascii_lowercase()))
}

/// The origin (`scheme://host[:port]`) of a URL, from its canonical form.
pub fn origin(url: &str) -> Option<String> {
    let n = normalize(url)?;
    let (scheme, rest) = n.split_once("://")?;
    let host = rest.split('/').next()?;
    Some(format!("{scheme}://{host}"))
}

/// The host (and port) of a site address, for showing beside a name:
/// `https://bo.example:8443/blog/` → `bo.example:8443`.
pub fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}
