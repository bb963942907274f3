//! The federation sidecar: a small tiny_http server with `POST /inbox`,
//! `POST /webmention`, `GET /health` and optionally the built site, plus
//! workers: one pulls friends' feeds, one rebuilds the site, two drain the
//! outbox (friends' messages, Webmentions sent), one verifies Webmentions.

pub mod log;
mod outbox;
mod pulls;
pub mod reload;
mod replies;
mod routes;
pub mod verify;
mod webmention;

use crate::federation::friends::Node;
use crate::federation::inbox::{self, Accepted, Outcome, PendingRequest};
use crate::federation::limit::InboxLimits;
use crate::federation::outbox::lock;
use crate::federation::protocol;
use crate::pipeline::{self, Options};
use std::collections::{HashMap, HashSet};
use std::io::Read as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::http::files;

/// HTTP worker threads.
const HTTP_WORKERS: usize = 4;
/// Feeds pulled at the same time (never two for one friend).
const PULL_WORKERS: usize = 4;

#[derive(Default)]
struct Pulls {
    /// Friend → highest feed version announced and not yet pulled.
    wanted: HashMap<String, u64>,
    in_flight: HashSet<String>,
    /// Replies friends announced, (from, url, parent), waiting for a pull
    /// of the sender's log to confirm them.
    replies: Vec<(String, String, String)>,
}

#[derive(Default)]
struct Rebuild {
    requested: bool,
}

pub struct Sidecar {
    /// Root and store. Its config, keys and client are the startup values:
    /// use `settings()`, which follows later edits.
    node: Node,
    live: reload::Live,
    output: PathBuf,
    pulls: Mutex<Pulls>,
    pulls_cv: Condvar,
    rebuild: Mutex<Rebuild>,
    rebuild_cv: Condvar,
    outbox_wake: Mutex<bool>,
    outbox_cv: Condvar,
    log: log::Logger,
    limits: InboxLimits,
    verify: verify::Queue<PendingRequest>,
    mentions: webmention::Mentions,
    /// The owner interface under `/home/`.
    web: crate::web::Web,
    /// A pull stored or dropped replies: the next build may change threads
    /// under our posts, and friends should hear of it.
    threads_changed: AtomicBool,
}

fn guard<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Sidecar {
    pub fn new(node: Node) -> anyhow::Result<Sidecar> {
        let output = node.root.join("public");
        let log = log::Logger::new(
            &node.config.sidecar.log_level,
            &node.config.sidecar.log_format,
        );
        let first = reload::Snapshot::new(
            node.config.clone(),
            crate::federation::Me::new(&node.config, crate::federation::keys::load(&node.root)?)?,
            node.client.clone(),
        );
        let web = crate::web::Web::new(
            &node.root,
            crate::web::Options {
                origin: crate::actions::sessions::sidecar_origin(&node.config)?,
                private_view: node.root.join(".social").join("private"),
                log: std::sync::Arc::new(|line| tracing::warn!("{line}")),
            },
        )?;
        Ok(Sidecar {
            web,
            live: reload::Live::new(&node.root, first),
            node,
            output,
            pulls: Mutex::default(),
            pulls_cv: Condvar::new(),
            rebuild: Mutex::default(),
            rebuild_cv: Condvar::new(),
            outbox_wake: Mutex::new(false),
            outbox_cv: Condvar::new(),
            log,
            limits: InboxLimits::default(),
            verify: verify::Queue::new(verify::QUEUE),
            threads_changed: AtomicBool::new(false),
            mentions: webmention::Mentions::default(),
        })
    }

    /// Binds and serves until the process is stopped.
    pub fn run(self, bind: &str) -> anyhow::Result<()> {
        let origin = crate::actions::sessions::sidecar_origin(&self.node.config)?;
        let caps = crate::web::body_cap(&self.node.root, &origin)?;
        let front = crate::http::Front::bind(bind, routes::limits(caps))?;
        let addr = front.local_addr()?;
        println!(
            "microsocial sidecar for {} listening on http://{addr}/",
            self.node.me.url
        );
        tracing::info!(
            "inbox {}, serving public/: {}",
            self.node
                .config
                .site
                .inbox_url(&self.node.config.federation),
            self.node.config.sidecar.serve_public
        );
        let me = Arc::new(self);
        // Catch up on anything that arrived while we were down.
        me.request_rebuild();
        for f in lock(&me.node.store).friends()? {
            if f.state == "friend" {
                me.request_pull(&f.url, u64::MAX);
            }
        }
        let mut handles = Vec::new();
        for _ in 0..verify::WORKERS {
            let me = Arc::clone(&me);
            handles.push(std::thread::spawn(move || {
                while let Some(p) = me.verify.next() {
                    me.verify_one(&p);
                }
            }));
        }
        for _ in 0..PULL_WORKERS {
            let me = Arc::clone(&me);
            handles.push(std::thread::spawn(move || me.pull_loop()));
        }
        {
            let me = Arc::clone(&me);
            handles.push(std::thread::spawn(move || me.rebuild_loop()));
        }
        for _ in 0..webmention::WORKERS {
            let me = Arc::clone(&me);
            handles.push(std::thread::spawn(move || me.webmention_loop()));
        }
        {
            let me = Arc::clone(&me);
            handles.push(std::thread::spawn(move || me.outbox_loop()));
        }
        {
            let me = Arc::clone(&me);
            handles.push(std::thread::spawn(move || me.webmention_send_loop()));
        }
        {
            // Notices closed live-update tabs.
            let me = Arc::clone(&me);
            handles.push(std::thread::spawn(move || {
                for tick in 1u64.. {
                    std::thread::sleep(Duration::from_secs(1));
                    me.web.check_unread();
                    if tick % 5 == 0 {
                        me.web.ping();
                    }
                }
            }));
        }
        front.start()?.run(HTTP_WORKERS, move |req| me.handle(req));
        for h in handles {
            let _ = h.join();
        }
        Ok(())
    }

    fn inbox(&self, req: &mut tiny_http::Request) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
        let peer = crate::http::peer(req).map_or("?".into(), |a| a.to_string());
        if req
            .body_length()
            .is_some_and(|n| n > protocol::MAX_ENVELOPE)
        {
            return self.reject(&peer, &protocol::Reject::TooLarge);
        }
        let mut raw = Vec::new();
        if let Err(e) = req
            .as_reader()
            .take(protocol::MAX_ENVELOPE as u64 + 1)
            .read_to_end(&mut raw)
        {
            return self.reject(
                &peer,
                &protocol::Reject::Malformed(format!("cannot read body: {e}")),
            );
        }
        let sig = header(req, protocol::SIGNATURE_HEADER);
        let live = self.settings();
        let msg = inbox::Inbound {
            raw: &raw,
            signature: sig.as_deref(),
            peer: req.remote_addr().map(|a| a.ip()),
            now: chrono::Utc::now(),
        };
        let max = live.config.federation.max_pings_per_minute;
        match inbox::handle(&self.node.store, &live.me, &self.limits, max, &msg) {
            Ok(Ok(Outcome::Accepted(accepted))) => {
                tracing::info!("accepted {} from {peer}", accepted.describe());
                self.after(&accepted);
                json(202, b"{\"status\":\"accepted\"}")
            }
            Ok(Ok(Outcome::Verify(pending))) => self.queue_request(&peer, pending),
            Ok(Err(reject)) => self.reject(&peer, &reject),
            Err(e) => {
                tracing::error!("inbox: internal error: {e:#}");
                json(
                    500,
                    &protocol::error_body(
                        "internal",
                        "the message could not be stored; retry later",
                    ),
                )
            }
        }
    }

    fn reject(
        &self,
        peer: &str,
        r: &protocol::Reject,
    ) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
        tracing::warn!("rejected message from {peer}: {} ({})", r.code(), r);
        let resp = json(r.status(), &protocol::error_body(r.code(), &r.to_string()));
        match r.retry_after() {
            Some(secs) => resp.with_header(files::header_value("Retry-After", &secs.to_string())),
            None => resp,
        }
    }

    fn after(&self, accepted: &Accepted) {
        match accepted {
            Accepted::FriendRequest { from } => {
                tracing::info!("{from} asks to be friends: run `microsocial friends accept {from}`")
            }
            Accepted::Friendship { from } => {
                self.request_pull(from, u64::MAX);
                self.request_rebuild();
            }
            Accepted::Removed { .. } | Accepted::Message { .. } | Accepted::Cleared { .. } => {
                // The private view shows messages; the public site drops a removed friend.
                self.request_rebuild()
            }
            Accepted::KeysUpdated { .. } => self.request_rebuild(),
            Accepted::Reaction { .. } | Accepted::Mention { .. } => self.request_rebuild(),
            Accepted::Reply { from, url, parent } => {
                let claim = (from.clone(), url.clone(), parent.clone());
                guard(&self.pulls).replies.push(claim);
                self.request_pull(from, u64::MAX);
            }
            Accepted::FeedUpdated {
                from,
                version,
                pull,
            } => {
                if *pull {
                    // Below what we hold: the log restarted. Pull whatever
                    // the stored seq says, or the pull would be skipped.
                    let behind = *version < self.stored_seq(from);
                    self.request_pull(from, if behind { u64::MAX } else { *version });
                }
            }
        }
        self.web.check_unread();
        self.wake_outbox();
    }

    fn request_rebuild(&self) {
        guard(&self.rebuild).requested = true;
        self.rebuild_cv.notify_one();
    }

    /// Leading-edge debounce: the first request after a quiet period builds
    /// at once; requests during the window are folded into one more build
    /// when it ends. A burst therefore costs at most two builds.
    fn rebuild_loop(&self) {
        let mut last: Option<Instant> = None;
        loop {
            let window = Duration::from_millis(self.settings().config.sidecar.rebuild_debounce_ms);
            {
                let mut r = guard(&self.rebuild);
                while !r.requested {
                    r = self.rebuild_cv.wait(r).unwrap_or_else(|e| e.into_inner());
                }
            }
            if let Some(at) = last {
                if let Some(rest) = window.checked_sub(at.elapsed()) {
                    std::thread::sleep(rest);
                }
            }
            guard(&self.rebuild).requested = false;
            last = Some(Instant::now());
            self.rebuild_now();
        }
    }

    fn rebuild_now(&self) {
        let opts = Options {
            root: self.node.root.clone(),
            output: self.output.clone(),
            drafts: false,
            force: false,
            base_url: None,
            publish_log: true,
            private_output: Some(self.node.root.join(".social").join("private")),
            exiting: false,
            verify: false,
        };
        let threads = self.threads_changed.swap(false, Ordering::SeqCst);
        match pipeline::build(&opts) {
            Ok(report) => {
                tracing::info!("rebuilt: {report}");
                // Only a thread change: the owner's own edits are announced
                // by `publish`, which would otherwise ping twice.
                if threads && report.logged > 0 {
                    // A thread under one of our posts changed our log.
                    self.notify_friends();
                }
                self.web.changed();
                self.web.check_unread();
                if report.written > 0 || report.deleted > 0 {
                    if let Some(cmd) = &self.settings().config.sidecar.deploy_command {
                        self.deploy(cmd);
                    }
                }
            }
            Err(e) => tracing::error!("rebuild failed: {e:#}"),
        }
    }

    fn notify_friends(&self) {
        match self.node.notify_all() {
            Ok(_) => self.wake_outbox(),
            Err(e) => tracing::error!("cannot notify friends of the new log: {e:#}"),
        }
    }

    fn deploy(&self, cmd: &str) {
        let started = Instant::now();
        match crate::deploy::run(&self.node.root, cmd) {
            Ok(()) => tracing::info!("deployed in {} ms", started.elapsed().as_millis()),
            Err(e) => tracing::error!("{e:#}"),
        }
    }
}

fn header(req: &tiny_http::Request, name: &str) -> Option<String> {
    req.headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str().to_string())
}

pub fn json(status: u16, body: &[u8]) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let r = tiny_http::Response::from_data(body.to_vec())
        .with_status_code(status)
        .with_header(files::header_value("Content-Type", "application/json"));
    crate::http::secure(r, crate::http::Page::Api)
}
