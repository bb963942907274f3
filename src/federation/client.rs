//! Outgoing HTTP, guarded: http(s) only, no private or loopback targets
//! (checked on every resolved address, redirects included, so DNS cannot
//! point us inward), at most 3 redirects, 5 s timeouts, capped bodies.

use anyhow::{bail, Context as _};
use std::io::Read as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs as _};
use std::sync::Arc;
use std::time::Duration;

pub const TIMEOUT: Duration = Duration::from_secs(5);
pub const MAX_REDIRECTS: u32 = 3;
/// Largest discovery document, feed head or feed page we read.
pub const MAX_DOCUMENT: u64 = 4 * 1024 * 1024;
const MAX_ERROR_BODY: u64 = 16 * 1024;

#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
}

pub enum Fetched {
    NotModified,
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
    },
}

/// What became of one delivery attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    /// The receiver refused for good (4xx): retrying cannot help.
    Refused(String),
    /// Try again later; `after` is the receiver's Retry-After, if any.
    Retry {
        reason: String,
        after: Option<Duration>,
    },
}

pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            // Every form that carries an IPv4 address is judged by that address.
            if let Some(v4) = embedded_v4(v6) {
                return is_public_v4(v4);
            }
            let seg = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // fc00::/7 unique local
                || (seg[0] & 0xffc0) == 0xfe80 // fe80::/10 link local
                || (seg[0] & 0xffc0) == 0xfec0 // fec0::/10 site local (deprecated, still routed inward)
                || (seg[0] == 0x64 && seg[1] == 0xff9b) // 64:ff9b:1::/48 local-use NAT64
                || (seg[0] == 0x2001 && seg[1] == 0) // 2001::/32 Teredo: the client address is hidden
                || (seg[0] == 0x2001 && seg[1] == 0xdb8)) // documentation
        }
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let o = v4.octets();
    !(v4.is_private()
        || v4.is_loopback()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64/10 carrier-grade NAT
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0/24 IETF protocol assignments
        || (o[0] == 192 && o[1] == 88 && o[2] == 99) // 192.88.99/24 6to4 relay anycast
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18/15 benchmarking
        || o[0] >= 240)
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
/// (`::a.b.c.d`), NAT64 (`64:ff9b::/96`) or 6to4 (`2002::/16`) address.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] => Some(v4(hi, lo)),
        // `::` and `::1` are not IPv4-compatible addresses; the checks below cover them.
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 => Some(v4(hi, lo)),
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(v4(hi, lo)),
        [0x2002, hi, lo, ..] => Some(v4(hi, lo)),
        _ => None,
    }
}

impl Client {
    /// A client that trusts the built-in and the system's certificate
    /// authorities.
    pub fn new(allow_private: bool) -> Client {
        Self::with_tls(allow_private, super::tls::base())
    }

    /// The client a site's config asks for: private addresses allowed or
    /// not, and `extra_ca_file` (relative to `root`) trusted too.
    pub fn for_site(
        root: &std::path::Path,
        config: &crate::config::FederationConfig,
    ) -> anyhow::Result<Client> {
        let tls = match &config.extra_ca_file {
            Some(file) => super::tls::with_extra_ca(&root.join(file))?,
            None => super::tls::base(),
        };
        Ok(Self::with_tls(config.allow_private_addresses, tls))
    }

    fn with_tls(allow_private: bool, tls: std::sync::Arc<rustls::ClientConfig>) -> Client {
        let resolver = move |netloc: &str| -> std::io::Result<Vec<SocketAddr>> {
            let addrs: Vec<SocketAddr> = netloc.to_socket_addrs()?.collect();
            if !allow_private {
                if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::PermissionDenied,
                        format!(
                            "{netloc} resolves to {}, a private address (set [federation] allow_private_addresses = true for local testing)",
                            bad.ip()
                        ),
                    ));
                }
            }
            Ok(addrs)
        };
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(TIMEOUT)
            .timeout(TIMEOUT)
            .redirects(MAX_REDIRECTS)
            .max_idle_connections_per_host(4)
            .user_agent(concat!("microsocial/", env!("CARGO_PKG_VERSION")))
            .resolver(resolver)
            .tls_config(tls)
            .build();
        Client { agent }
    }

    /// The guarded agent, for fetches of other shapes (Webmention).
    pub(crate) fn agent(&self) -> &ureq::Agent {
        &self.agent
    }

    pub(crate) fn check_url(url: &str) -> anyhow::Result<()> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            bail!("refusing to fetch `{url}`: only http and https URLs are allowed");
        }
        Ok(())
    }

    /// GET with an optional If-None-Match; bodies over `limit` bytes are refused.
    pub fn get(&self, url: &str, etag: Option<&str>, limit: u64) -> anyhow::Result<Fetched> {
        Self::check_url(url)?;
        let mut req = self.agent.get(url).set("Accept", "application/json");
        if let Some(e) = etag {
            req = req.set("If-None-Match", e);
        }
        let resp = match req.call() {
            Ok(r) => r,
            Err(ureq::Error::Status(code, _)) => bail!("GET {url}: HTTP {code}"),
            Err(ureq::Error::Transport(t)) => bail!("GET {url}: {}", transport_error(&t)),
        };
        if resp.status() == 304 {
            return Ok(Fetched::NotModified);
        }
        let etag = resp.header("ETag").map(str::to_string);
        let bytes = read_capped(resp, limit).with_context(|| format!("GET {url}"))?;
        Ok(Fetched::Body { bytes, etag })
    }

    pub fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> anyhow::Result<T> {
        match self.get(url, None, MAX_DOCUMENT)? {
            Fetched::Body { bytes, .. } => serde_json::from_slice(&bytes)
                .with_context(|| format!("GET {url}: not the expected JSON document")),
            Fetched::NotModified => bail!("GET {url}: unexpected 304"),
        }
    }

    /// POSTs one signed envelope and classifies the answer.
    pub fn post_envelope(&self, inbox: &str, payload: &[u8], signature: &str) -> Delivery {
        if let Err(e) = Self::check_url(inbox) {
            return Delivery::Refused(e.to_string());
        }
        let result = self
            .agent
            .post(inbox)
            .set("Content-Type", "application/json")
            .set(super::protocol::SIGNATURE_HEADER, signature)
            .send_bytes(payload);
        match result {
            Ok(_) => Delivery::Delivered,
            Err(ureq::Error::Status(code, resp)) => {
                let after = resp.header("Retry-After").and_then(parse_retry_after);
                let date = resp.header("Date").map(str::to_string);
                let text = read_capped(resp, MAX_ERROR_BODY).unwrap_or_default();
                let detail = serde_json::from_slice::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
                    .unwrap_or_default();
                if code == 401 && detail == "expired" {
                    return Delivery::Retry {
                        reason: super::clock::expired_reason(inbox, date.as_deref()),
                        after,
                    };
                }
                classify(code, &detail, after)
            }
            Err(ureq::Error::Transport(t)) if blocked(&t).is_some() => {
                Delivery::Refused(transport_error(&t))
            }
            Err(ureq::Error::Transport(t)) => Delivery::Retry {
                reason: transport_error(&t),
                after: None,
            },
        }
    }
}

/// Our resolver's refusal of a private address, if that is what failed.
pub(crate) fn blocked(t: &ureq::Transport) -> Option<&std::io::Error> {
    let io = std::error::Error::source(t)?.downcast_ref::<std::io::Error>()?;
    (io.kind() == std::io::ErrorKind::PermissionDenied).then_some(io)
}

/// A transport failure without the URL (the caller names it once).
pub fn transport_error(t: &ureq::Transport) -> String {
    if let Some(io) = blocked(t) {
        return format!("blocked: {io}");
    }
    let mut text = t.kind().to_string().to_lowercase();
    if let Some(m) = t.message() {
        text += &format!(": {m}");
    }
    if let Some(source) = std::error::Error::source(t) {
        text += &format!(": {source}");
    }
    text
}

/// A failed fetch named by its kind, so that a log or a person can tell a
/// certificate problem from a site that is down: `TLS: …`, `network: …`,
/// `HTTP 404 …`, or `not the expected JSON: …`.
pub fn cause(e: &anyhow::Error) -> String {
    let text = format!("{e:#}");
    let lower = text.to_lowercase();
    let kind =
        if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
            "TLS"
        } else if lower.contains("not the expected json") {
            "not the expected JSON"
        } else if lower.contains(": http ") || e.chain().any(|c| c.to_string().starts_with("HTTP "))
        {
            "HTTP status"
        } else {
            "network"
        };
    format!("{kind}: {text}")
}

/// 409 `replay` means an earlier attempt arrived; other 4xx are final,
/// except the ones that ask us to come back, and 401 `expired`: a clock
/// off on either side is fixed by someone, and a fresh `sent` then works.
pub fn classify(code: u16, error: &str, after: Option<Duration>) -> Delivery {
    let reason = if error.is_empty() {
        format!("HTTP {code}")
    } else if error == super::protocol::NO_INBOX {
        format!(
            "HTTP {code} {error}: that address is a `microsocial serve` preview, which \
             has no inbox; befriend the site where its `microsocial sidecar` runs"
        )
    } else {
        format!("HTTP {code} {error}")
    };
    match code {
        200..=299 => Delivery::Delivered,
        409 if error == "replay" => Delivery::Delivered,
        401 if error == "expired" => Delivery::Retry { reason, after },
        408 | 425 | 429 => Delivery::Retry { reason, after },
        400..=499 => Delivery::Refused(reason),
        _ => Delivery::Retry { reason, after },
    }
}

/// Retry-After as delta-seconds or an HTTP date.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v.trim()).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

pub(crate) fn read_capped(resp: ureq::Response, limit: u64) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    resp.into_reader().take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        bail!("response is larger than {limit} bytes");
    }
    Ok(bytes)
}

/// Shared handle for threads.
pub type SharedClient = Arc<Client>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.1.1",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn every_ipv6_form_of_a_private_ipv4_is_refused() {
        for ip in [
            "64:ff9b::7f00:1", // NAT64 of 127.0.0.1
            "64:ff9b::a00:1",  // NAT64 of 10.0.0.1
            "2002:7f00:1::1",  // 6to4 of 127.0.0.1
            "2002:c0a8:101::", // 6to4 of 192.168.1.1
            "::127.0.0.1",     // IPv4-compatible
            "::10.0.0.1",      // IPv4-compatible
            "::ffff:169.254.169.254",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        // The same forms around a public address stay usable.
        for ip in [
            "64:ff9b::5db8:d822",
            "2002:5db8:d822::1",
            "::ffff:93.184.216.34",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn special_ranges_are_refused() {
        for ip in [
            "fec0::1",                              // site local
            "feff::1",                              // site local, top of the range
            "192.0.0.1",                            // IETF protocol assignments
            "192.0.0.170",                          // NAT64 discovery
            "64:ff9b:1::1",                         // local-use NAT64
            "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
            "2001:db8::1",                          // documentation
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["192.0.1.1", "2001:4860::8888"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn loopback_is_refused_unless_allowed() {
        let c = Client::new(false);
        let err = c
            .get("http://127.0.0.1:9/x", None, 10)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("private address"), "{err}");
        assert!(c.get("file:///etc/passwd", None, 10).is_err());
    }

    #[test]
    fn statuses_are_classified() {
        assert_eq!(classify(202, "", None), Delivery::Delivered);
        assert_eq!(classify(409, "replay", None), Delivery::Delivered);
        assert!(matches!(
            classify(403, "not_friend", None),
            Delivery::Refused(_)
        ));
        assert!(matches!(
            classify(429, "", Some(Duration::from_secs(3))),
            Delivery::Retry { after: Some(_), .. }
        ));
        assert!(matches!(classify(503, "", None), Delivery::Retry { .. }));
        assert!(matches!(
            classify(401, "expired", None),
            Delivery::Retry { .. }
        ));
        assert!(matches!(
            classify(401, "bad_signature", None),
            Delivery::Refused(_)
        ));
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
    }
}
