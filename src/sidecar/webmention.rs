//! `POST /webmention`: checked and queued at once (202), verified later by
//! one worker, so a slow source never holds an HTTP worker. The queue is
//! the `webmentions` table: a restart picks up what was left.

use super::{json, verify, Sidecar};
use crate::federation::limit::Windows;
use crate::federation::outbox::lock;
use crate::federation::protocol;
use crate::http::files;
use crate::webmention::receive;
use std::io::Read as _;
use std::time::Instant;

type Response = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

/// The wake-up of the verification worker, and the per-host windows.
pub(super) struct Mentions {
    wake: verify::Queue<()>,
    limits: Windows,
}

impl Default for Mentions {
    fn default() -> Self {
        Mentions {
            wake: verify::Queue::new(1),
            limits: Windows::default(),
        }
    }
}

fn refuse(status: u16, code: &str, why: &str) -> Response {
    json(status, &protocol::error_body(code, why))
}

impl Sidecar {
    pub(super) fn webmention(&self, req: &mut tiny_http::Request) -> Response {
        let mut body = Vec::new();
        let read = req
            .as_reader()
            .take(receive::MAX_FORM + 1)
            .read_to_end(&mut body);
        if read.is_err() || body.len() as u64 > receive::MAX_FORM {
            return refuse(400, "malformed", "the form body is unreadable or too large");
        }
        let site = self.settings().config.site.base_url.clone();
        let request = match receive::parse_request(&body, |t| self.is_public_page(&site, t)) {
            Ok(r) => r,
            Err(why) => return refuse(400, "malformed", &why),
        };
        let host = format!("host:{}", request.source_host());
        let keys = [(host.as_str(), receive::PER_HOST), ("*", receive::GLOBAL)];
        if let Err(wait) = self.mentions.limits.allow(&keys, Instant::now()) {
            let secs = (wait.as_secs_f64().ceil() as u64).max(1);
            tracing::warn!(
                "webmention: too many from {}, retry in {secs} s",
                request.source_host()
            );
            return refuse(
                429,
                "rate_limited",
                "too many Webmentions from this site; retry later",
            )
            .with_header(files::header_value("Retry-After", &secs.to_string()));
        }
        match self.queue_mention(&request) {
            Ok(true) => json(202, b"{\"status\":\"accepted\"}"),
            Ok(false) => {
                refuse(503, "busy", "too many Webmentions are waiting; retry later").with_header(
                    files::header_value("Retry-After", &verify::RETRY_AFTER_SECS.to_string()),
                )
            }
            Err(e) => {
                tracing::error!("webmention: cannot queue: {e:#}");
                refuse(
                    500,
                    "internal",
                    "the Webmention could not be stored; retry later",
                )
            }
        }
    }

    /// Stores the request as queued and wakes the worker; false when the
    /// queue is full.
    fn queue_mention(&self, r: &receive::Request) -> anyhow::Result<bool> {
        let st = lock(&self.node.store);
        if st.queued_webmentions()? >= receive::MAX_QUEUED {
            return Ok(false);
        }
        let id = crate::federation::new_id()?;
        let id = st.queue_webmention(
            &id[..12],
            r.source.as_str(),
            r.target.as_str(),
            crate::store::now_ms(),
        )?;
        drop(st);
        tracing::info!("webmention {id} from {} queued for verification", r.source);
        // A full wake queue already means the worker will look again.
        let _ = self.mentions.wake.offer(());
        Ok(true)
    }

    /// A page of the built site, outside the federation files.
    fn is_public_page(&self, site: &str, target: &url::Url) -> bool {
        let Some(rel) = target.as_str().strip_prefix(site) else {
            return false;
        };
        let path = rel.split(['?', '#']).next().unwrap_or("");
        if path.starts_with("federation/") || path.starts_with(".well-known/") {
            return false;
        }
        files::resolve(&self.output, path)
            .is_some_and(|p| p.extension().is_some_and(|e| e == "html"))
    }

    /// Verifies queued mentions one by one, until the process ends.
    pub(super) fn webmention_loop(&self) {
        let _ = self.mentions.wake.offer(());
        while self.mentions.wake.next().is_some() {
            loop {
                let next = lock(&self.node.store).next_queued_webmention();
                let w = match next {
                    Ok(Some(w)) => w,
                    Ok(None) => break,
                    Err(e) => {
                        tracing::error!("webmention: {e:#}");
                        break;
                    }
                };
                let live = self.settings();
                match receive::process(&self.node.store, &live.client, &w) {
                    Ok(status) => {
                        tracing::info!("webmention {} from {}: {status}", w.id, w.source);
                        // Shown (a friend's is approved at once), or was shown.
                        if status == "approved" || w.decision.as_deref() == Some("approved") {
                            self.request_rebuild();
                        }
                    }
                    Err(e) => {
                        tracing::error!("webmention {} from {}: {e:#}", w.id, w.source);
                        break;
                    }
                }
            }
        }
    }
}
