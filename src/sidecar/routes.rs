//! The sidecar's routes behind the HTTP front: which endpoint answers a
//! request, the per-address limit on `POST /inbox`, and the body caps.

use super::{header, json, Sidecar};
use crate::federation::protocol;
use crate::http::files;
use crate::http::limits::{Asked, BodyCap};
use crate::http::Limits;

type Response = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

/// `POST /inbox` takes one envelope at most, `POST /webmention` a small
/// form, the owner interface its forms (and uploads, signed in).
pub(super) fn limits(web: BodyCap) -> Limits {
    let cap: BodyCap = std::sync::Arc::new(move |a: &Asked| match (a.method, a.path) {
        ("POST", "/inbox") => protocol::MAX_ENVELOPE as u64,
        ("POST", "/webmention") => crate::webmention::receive::MAX_FORM,
        _ => web(a),
    });
    Limits {
        report: std::sync::Arc::new(|line| tracing::warn!("{line}")),
        ..Limits::new(cap)
    }
}

impl Sidecar {
    /// HTML pages name the Webmention endpoint in a `Link` header too.
    fn advertise_webmention(&self, page: Response) -> Response {
        let html = page
            .headers()
            .iter()
            .any(|h| h.field.equiv("Content-Type") && h.value.as_str().starts_with("text/html"));
        if !html {
            return page;
        }
        let live = self.settings();
        let endpoint = live.config.site.webmention_url(&live.config.federation);
        let link = format!("<{endpoint}>; rel=\"webmention\"");
        page.with_header(files::header_value("Link", &link))
    }

    pub(super) fn handle(&self, mut req: tiny_http::Request) {
        let url = req.url().split('?').next().unwrap_or("/").to_string();
        if crate::web::is_home(&url) {
            return self.web.respond(req);
        }
        let method = req.method().clone();
        let response = match (&method, url.as_str()) {
            (tiny_http::Method::Post, "/inbox") => {
                let per_minute = self.settings().config.sidecar.inbox_limit_per_ip;
                match crate::http::peer(&req).map(|ip| (ip, self.limits.source(ip, per_minute))) {
                    Some((ip, Err(wait))) => {
                        let secs = (wait.as_secs_f64().ceil() as u64).max(1);
                        tracing::warn!("inbox: too many requests from {ip}, retry in {secs} s");
                        json(429, &protocol::error_body("rate_limited", "too many messages from this address; retry later"))
                            .with_header(files::header_value("Retry-After", &secs.to_string()))
                    }
                    _ => self.inbox(&mut req),
                }
            }
            (_, "/inbox") => json(405, &protocol::error_body("method_not_allowed", "POST envelopes to /inbox")),
            (tiny_http::Method::Post, "/webmention") => self.webmention(&mut req),
            (_, "/webmention") => json(405, &protocol::error_body("method_not_allowed", "POST a form to /webmention")),
            (tiny_http::Method::Get | tiny_http::Method::Head, "/health") => json(
                200,
                &serde_json::to_vec(&serde_json::json!({
                    "status": "ok", "protocol": protocol::PROTOCOL, "version": env!("CARGO_PKG_VERSION"),
                }))
                .unwrap_or_default(),
            ),
            (tiny_http::Method::Get | tiny_http::Method::Head, _) if self.settings().config.sidecar.serve_public => {
                let kind = if self.settings().config.site.base_url.starts_with("http://") {
                    crate::http::Page::PublicPlain
                } else {
                    crate::http::Page::Public
                };
                let page = files::serve(&self.output, &url, header(&req, "If-None-Match").as_deref(), kind);
                self.advertise_webmention(page)
            }
            _ => json(404, &protocol::error_body("not_found", "no such endpoint")),
        };
        tracing::debug!("{method} {url} {}", response.status_code().0);
        let _ = req.respond(response);
    }
}
