//! Webmention's two kinds of request, through the federation client's
//! guarded agent (no private addresses unless allowed, 5 s timeouts, at
//! most 3 redirects): GET a page with its `Link` headers, and POST a
//! form-encoded `source`/`target` pair.

use crate::federation::client::{self, Client, Delivery};
use anyhow::Context as _;
use url::Url;

/// Largest page read (a source to verify, or a target to discover on).
pub const MAX_PAGE: u64 = 1024 * 1024;

pub struct Fetched {
    /// The URL after redirects.
    pub url: Url,
    /// Every `Link` header value, in order.
    pub links: Vec<String>,
    pub content_type: String,
    pub body: String,
}

/// Why a GET gave no page.
#[derive(Debug)]
pub enum Failed {
    /// An HTTP error status.
    Status(u16),
    /// Refused before connecting: not http(s), or a private address.
    Blocked(String),
    /// Network trouble, a timeout or an oversized body: worth a retry.
    Transport(String),
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failed::Status(code) => write!(f, "HTTP {code}"),
            Failed::Blocked(why) | Failed::Transport(why) => f.write_str(why),
        }
    }
}

pub fn get(client: &Client, url: &str) -> Result<Fetched, Failed> {
    Client::check_url(url).map_err(|e| Failed::Blocked(e.to_string()))?;
    let resp = match client
        .agent()
        .get(url)
        .set("Accept", "text/html, */*;q=0.5")
        .call()
    {
        Ok(r) => r,
        Err(ureq::Error::Status(code, _)) => return Err(Failed::Status(code)),
        Err(ureq::Error::Transport(t)) if client::blocked(&t).is_some() => {
            return Err(Failed::Blocked(client::transport_error(&t)))
        }
        Err(ureq::Error::Transport(t)) => {
            return Err(Failed::Transport(client::transport_error(&t)))
        }
    };
    let final_url = Url::parse(resp.get_url()).map_err(|e| Failed::Transport(e.to_string()))?;
    let links = resp.all("Link").into_iter().map(str::to_string).collect();
    let content_type = resp.content_type().to_ascii_lowercase();
    let bytes = client::read_capped(resp, MAX_PAGE)
        .with_context(|| format!("GET {url}"))
        .map_err(|e| Failed::Transport(format!("{e:#}")))?;
    Ok(Fetched {
        url: final_url,
        links,
        content_type,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// POSTs `source` and `target` to `endpoint` and classifies the answer
/// like any delivery (2xx delivered, 4xx refused, the rest retried).
pub fn post(client: &Client, endpoint: &str, source: &str, target: &str) -> Delivery {
    if let Err(e) = Client::check_url(endpoint) {
        return Delivery::Refused(e.to_string());
    }
    let result = client
        .agent()
        .post(endpoint)
        .send_form(&[("source", source), ("target", target)]);
    match result {
        Ok(_) => Delivery::Delivered,
        Err(ureq::Error::Status(code, resp)) => {
            let after = resp
                .header("Retry-After")
                .and_then(client::parse_retry_after);
            client::classify(code, "", after)
        }
        Err(ureq::Error::Transport(t)) if client::blocked(&t).is_some() => {
            Delivery::Refused(client::transport_error(&t))
        }
        Err(ureq::Error::Transport(t)) => Delivery::Retry {
            reason: client::transport_error(&t),
            after: None,
        },
    }
}
