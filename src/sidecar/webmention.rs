//! `POST /webmention`: checked and queued at once (202), verified later by
//! [`WORKERS`] workers, so a slow source never holds an HTTP worker. The
//! queue is the `webmentions` table: a restart picks up what was left.
//! One source host is checked by one worker at a time and may have at most
//! [`PER_HOST_QUEUED`] mentions waiting, so a host of slow pages delays only
//! itself and cannot fill the queue for everyone.

use super::{json, verify, Sidecar};
use crate::federation::limit::Windows;
use crate::federation::outbox::lock;
use crate::federation::protocol;
use crate::http::files;
use crate::webmention::receive;
use std::io::Read as _;
use std::time::Instant;

type Response = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

/// Verification workers.
pub(super) const WORKERS: usize = 8;
/// Mentions one source host may have waiting; more get 429.
pub(super) const PER_HOST_QUEUED: i64 = 20;

/// The wake-up of the verification workers, the per-host windows, and
/// what is being checked now.
pub(super) struct Mentions {
    wake: verify::Queue<()>,
    limits: Windows,
    checking: std::sync::Mutex<Checking>,
}

/// Mentions (by id) and source hosts a worker is checking.
#[derive(Default)]
struct Checking {
    ids: std::collections::HashSet<String>,
    hosts: std::collections::HashSet<String>,
}

impl Default for Mentions {
    fn default() -> Self {
        Mentions {
            wake: verify::Queue::new(WORKERS),
            limits: Windows::default(),
            checking: std::sync::Mutex::default(),
        }
    }
}

fn host_of(source: &str) -> String {
    url::Url::parse(source)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default()
}

/// What became of a mention offered to the queue.
enum Queued {
    Yes,
    /// The whole queue is full.
    Full,
    /// This source host has its share waiting.
    HostFull,
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
            Ok(Queued::Yes) => json(202, b"{\"status\":\"accepted\"}"),
            Ok(Queued::HostFull) => refuse(
                429,
                "rate_limited",
                "this site has many Webmentions waiting to be checked; retry later",
            )
            .with_header(files::header_value(
                "Retry-After",
                &verify::RETRY_AFTER_SECS.to_string(),
            )),
            Ok(Queued::Full) => {
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

    /// Stores the request as queued and wakes a worker, unless the queue,
    /// or this source host's share of it, is full.
    fn queue_mention(&self, r: &receive::Request) -> anyhow::Result<Queued> {
        let st = lock(&self.node.store);
        let origin = format!("{}/", r.source.origin().ascii_serialization());
        if st.queued_webmentions_from(&origin)? >= PER_HOST_QUEUED {
            return Ok(Queued::HostFull);
        }
        if st.queued_webmentions()? >= receive::MAX_QUEUED {
            return Ok(Queued::Full);
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
        // A full wake queue already means the workers will look again.
        let _ = self.mentions.wake.offer(());
        Ok(Queued::Yes)
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

    /// The oldest queued mention that no worker checks and whose source
    /// host no worker is checking, claimed for this worker.
    fn claim_mention(&self) -> anyhow::Result<Option<crate::store::Webmention>> {
        let list = lock(&self.node.store).queued_webmention_list(64)?;
        let mut c = self
            .mentions
            .checking
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let pick = list
            .into_iter()
            .find(|w| !c.ids.contains(&w.id) && !c.hosts.contains(&host_of(&w.source)));
        if let Some(w) = &pick {
            c.ids.insert(w.id.clone());
            c.hosts.insert(host_of(&w.source));
        }
        Ok(pick)
    }

    fn release_mention(&self, w: &crate::store::Webmention) {
        let mut c = self
            .mentions
            .checking
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        c.ids.remove(&w.id);
        c.hosts.remove(&host_of(&w.source));
        drop(c);
        // Mentions of that host may wait for a free worker.
        let _ = self.mentions.wake.offer(());
    }

    /// One of [`WORKERS`]: verifies queued mentions, until the process ends.
    pub(super) fn webmention_loop(&self) {
        let _ = self.mentions.wake.offer(());
        while self.mentions.wake.next().is_some() {
            loop {
                let w = match self.claim_mention() {
                    Ok(Some(w)) => w,
                    Ok(None) => break,
                    Err(e) => {
                        tracing::error!("webmention: {e:#}");
                        break;
                    }
                };
                let live = self.settings();
                let result = receive::process(&self.node.store, &live.client, &w);
                self.release_mention(&w);
                match result {
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
