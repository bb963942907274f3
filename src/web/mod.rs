//! The owner's web interface under `/home/`, served by the sidecar and by
//! `serve` from this one module. Plain HTML forms with POST-redirect-GET;
//! a small same-origin script only adds live updates.
//!
//! Every request goes through [`Web::respond`]: the session gate
//! (`auth.rs`), then for a POST the same-origin and CSRF checks, then the
//! router (`routes.rs`). Handlers parse a form, call `crate::actions`, and
//! redirect with the outcome as a one-time note (`reply::act`).
//!
//! ## Adding a screen
//! 1. Write `templates/NAME.html` extending `layout.html` (blocks `title`
//!    and `main`; every form includes `{{ csrf_field | safe }}`) and list
//!    it in `view::TEMPLATES`.
//! 2. Write `screens/NAME.rs` with `pub fn show(ctx: &Ctx) -> Reply` that
//!    fills a `tera::Context` from `ctx.page("NAME")` and calls
//!    `ctx.render("NAME.html", &c)`; POST handlers call `ctx.act(...)`.
//! 3. Add its paths to the `match` in `routes.rs` (after the gate: every
//!    route there needs a session; POSTs are already CSRF-checked), and its
//!    tab to `view::NAV` (the slots for Compose, Posts, Notifications and
//!    Profile are there).

mod auth;
mod ctx;
mod form;
mod live;
mod reply;
mod routes;
mod screens;
mod view;
mod write;

use crate::federation::limit::Windows;
use crate::http::events::Events;
use crate::http::limits::{Asked, BodyCap, Report};
use crate::store::Store;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub use ctx::Ctx;
pub use reply::Reply;

/// Open live-update streams (tabs) at most.
const MAX_STREAMS: usize = 16;
/// Largest form body: a message or a password, never a file.
pub const MAX_FORM: u64 = 64 * 1024;

/// Where the web interface runs.
pub struct Options {
    /// The origin the owner's browser sees, e.g. `https://me.example`.
    pub origin: String,
    /// The built private view, served at `/home/view/`.
    pub private_view: PathBuf,
    /// Where failed sign-ins are logged.
    pub log: Report,
}

pub struct Web {
    root: PathBuf,
    opts: Options,
    store: Mutex<Store>,
    /// Password attempts, per address and overall.
    logins: Windows,
    events: Events,
    /// The unread count open pages were last told.
    unread: Mutex<Option<i64>>,
}

/// Whether `path` (without query) belongs to the web interface.
pub fn is_home(path: &str) -> bool {
    path == "/home" || path.starts_with("/home/")
}

/// Body caps for the front: forms under `/home/`, and uploads only with a
/// live session, so that nobody else can make the server read megabytes.
/// It opens its own handle on the state database.
pub fn body_cap(root: &Path, origin: &str) -> anyhow::Result<BodyCap> {
    let store = Mutex::new(Store::open(root)?);
    let https = origin.starts_with("https://");
    Ok(std::sync::Arc::new(move |a: &Asked| {
        if a.method != "POST" || !is_home(a.path) {
            return 0;
        }
        if !write::UPLOAD_PATHS.contains(&a.path) {
            return MAX_FORM;
        }
        let signed_in = auth::cookie_in(a.header("cookie").into_iter(), https)
            .and_then(|c| {
                let st = store.lock().unwrap_or_else(|p| p.into_inner());
                crate::actions::sessions::check(&st, &c).ok().flatten()
            })
            .is_some();
        if signed_in {
            write::MAX_UPLOAD
        } else {
            MAX_FORM
        }
    }))
}

impl Web {
    pub fn new(root: &Path, opts: Options) -> anyhow::Result<Web> {
        Ok(Web {
            root: root.to_path_buf(),
            store: Mutex::new(Store::open(root)?),
            opts,
            logins: Windows::default(),
            events: Events::new(MAX_STREAMS),
            unread: Mutex::new(None),
        })
    }

    /// Tells open timelines that something new arrived.
    pub fn changed(&self) {
        self.events.send("timeline");
    }

    /// A comment on every stream: notices closed tabs. Also closes the
    /// streams of sessions that ended (signed out here, or revoked by
    /// `login --revoke-all` in another process).
    pub fn ping(&self) {
        self.close_ended_streams();
        self.events.ping();
    }

    /// Closes the live-update streams whose session is no longer valid.
    pub fn close_ended_streams(&self) {
        let now = crate::store::now_ms();
        let store = self.store();
        self.events
            .keep_owners(|id| matches!(store.session(id, now), Ok(Some(_))));
    }

    /// The one-time sign-in link `serve` and `login` print.
    pub fn login_link(&self) -> anyhow::Result<String> {
        let token = crate::actions::sessions::new_login_token(&self.store())?;
        Ok(crate::actions::sessions::login_url(
            &self.opts.origin,
            &token,
        ))
    }

    /// Whether the browser reaches us over https (then the cookie is
    /// `Secure` and `__Host-`).
    fn https(&self) -> bool {
        self.opts.origin.starts_with("https://")
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Answers one request under `/home/`.
    pub fn respond(&self, mut req: tiny_http::Request) {
        let url = req.url().to_string();
        match routes::route(self, &mut req) {
            routes::Routed::Reply(r) => {
                if let Err(e) = req.respond(r) {
                    (self.opts.log)(&format!("home: {url}: {e}"));
                }
            }
            routes::Routed::Events(session) => {
                self.events
                    .subscribe_as(req, crate::http::Page::Home, Some(session))
            }
        }
    }
}
