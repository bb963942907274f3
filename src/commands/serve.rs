//! `microsocial serve`: build into a private folder, serve it on localhost,
//! rebuild on change and reload open pages through server-sent events.

use crate::cli::ServeArgs;
use crate::federation::protocol;
use crate::http::events::Events;
use crate::http::{Front, Limits, Page};
use crate::pipeline::{self, Options};
use anyhow::Context as _;
use notify::{RecursiveMode, Watcher};
use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const EVENTS_PATH: &str = "/__microsocial/events";
const SCRIPT_PATH: &str = "/__microsocial/reload.js";
const OVERLAY_PATH: &str = "/__microsocial/overlay.css";
/// Editors save in bursts (temp file, rename, chmod): wait this long for quiet.
const DEBOUNCE: Duration = Duration::from_millis(60);
/// A burst that never goes quiet (a build loop, a sync tool) still builds.
const MAX_DEBOUNCE: Duration = Duration::from_secs(1);
/// A comment on every stream this often: notices closed tabs.
const KEEPALIVE: Duration = Duration::from_secs(5);
/// Request handlers; live-reload streams take none.
const WORKERS: usize = 4;
/// Open live-reload streams (tabs).
const MAX_STREAMS: usize = 16;

/// Same-origin files, so that the pages' Content-Security-Policy needs no
/// inline script or style.
const RELOAD_SCRIPT: &str = r#"new EventSource("/__microsocial/events").addEventListener("reload",function(){location.reload()});"#;
const OVERLAY_STYLE: &str = ".microsocial-build-error{position:fixed;inset:auto 0 0 0;max-height:50vh;overflow:auto;margin:0;padding:1rem;background:#7f1d1d;color:#fff;font:14px/1.4 monospace;white-space:pre-wrap;z-index:99999}";

struct State {
    /// The last build error, shown in every page until a build succeeds.
    error: Mutex<Option<String>>,
    events: Events,
    output: PathBuf,
    /// The owner interface; on a loopback bind only for a loopback `Host`
    /// (DNS-rebinding defence on top of its session gate).
    web: crate::web::Web,
    loopback: Option<u16>,
}

pub fn run(root: &Path, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    // Bind before building: a busy port fails at once.
    // serve's origin is plain http on its own address, so the cookie is
    // never `__Host-` here.
    let home_cap = crate::web::body_cap(root, "http://")?;
    // A friend request sent here (someone befriending a preview) is read,
    // so that it can be answered with what to do instead of a bare 413.
    let cap: crate::http::limits::BodyCap = Arc::new(move |a| {
        if a.method == "POST" && a.path == "/inbox" {
            protocol::MAX_ENVELOPE as u64
        } else {
            home_cap(a)
        }
    });
    let front = Front::bind(&args.bind, Limits::new(cap))?;
    let addr = front.local_addr()?;
    let loopback = addr.ip().is_loopback();
    let serve_dir = root.join(".social").join("serve");
    let private = serve_dir.join("private");
    let web = crate::web::Web::new(
        root,
        crate::web::Options {
            origin: format!("http://{addr}"),
            private_view: private.clone(),
            log: Arc::new(|line| eprintln!("{line}")),
        },
    )?;
    let state = Arc::new(State {
        error: Mutex::new(None),
        events: Events::new(MAX_STREAMS),
        output: serve_dir.join("public"),
        web,
        loopback: loopback.then_some(addr.port()),
    });
    let opts = Options {
        root: root.to_path_buf(),
        output: state.output.clone(),
        // The preview shows drafts (the welcome post is one), marked as
        // drafts; it is never published to friends (`publish_log: false`).
        drafts: true,
        force: false,
        base_url: Some(format!("http://{addr}/")),
        publish_log: false,
        private_output: Some(private),
        exiting: false,
        verify: false,
    };
    rebuild(&opts, &state);
    let running = front.start()?;
    println!(
        "serving {} at http://{addr}/ (Ctrl-C to stop)",
        root.display()
    );
    println!(
        "owner interface: {} (a one-time sign-in link, valid 10 minutes)",
        state.web.login_link()?
    );
    let (tx, rx) = mpsc::channel();
    let watcher = watch(root, tx)?;
    {
        let state = Arc::clone(&state);
        let root = root.to_path_buf();
        std::thread::spawn(move || watch_loop(&root, &opts, &state, &rx));
    }
    {
        let state = Arc::clone(&state);
        std::thread::spawn(move || loop {
            std::thread::sleep(KEEPALIVE);
            state.events.ping();
            state.web.ping();
            state.web.check_unread();
        });
    }
    running.run(WORKERS, move |req| respond(req, &state));
    drop(watcher);
    Ok(ExitCode::SUCCESS)
}

/// Watches what a build reads, and the sidecar's private view.
fn watch(
    root: &Path,
    tx: mpsc::Sender<notify::Result<notify::Event>>,
) -> anyhow::Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(tx).context("cannot start the file watcher")?;
    // The sidecar rebuilds its private view when messages arrive: follow it.
    // Each build swaps a whole new `.social/private` in (see `output`), so
    // watching that folder would follow the old tree's inode away; the swap
    // itself is seen as a rename in `.social`.
    let work = root.join(".social");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&work)
        .with_context(|| format!("cannot create {}", work.display()))?;
    for (dir, mode) in [
        (root.join("content"), RecursiveMode::Recursive),
        (root.join("themes"), RecursiveMode::Recursive),
        (root.join("static"), RecursiveMode::Recursive),
        (work, RecursiveMode::NonRecursive),
        (root.to_path_buf(), RecursiveMode::NonRecursive),
    ] {
        if dir.exists() {
            watcher
                .watch(&dir, mode)
                .with_context(|| format!("cannot watch {}", dir.display()))?;
        }
    }
    Ok(watcher)
}

fn rebuild(opts: &Options, state: &State) {
    let result = pipeline::build(opts);
    let error = match result {
        Ok(report) => {
            println!("rebuilt: {report}");
            None
        }
        Err(e) => {
            let msg = format!("{e:#}");
            eprintln!("build failed:\n{msg}");
            Some(msg)
        }
    };
    *state.error.lock().unwrap_or_else(|p| p.into_inner()) = error;
    state.events.send("reload");
    state.web.changed();
}

fn relevant(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    match first.as_deref() {
        Some(".social") => rel == Path::new(".social/private"),
        Some("content" | "themes" | "static") => {
            !rel.file_name().is_some_and(crate::content::is_hidden)
        }
        Some(name) => name == crate::config::CONFIG_FILE,
        None => false,
    }
}

fn watch_loop(
    root: &Path,
    opts: &Options,
    state: &State,
    rx: &Receiver<notify::Result<notify::Event>>,
) {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let is_relevant = |ev: &notify::Result<notify::Event>| match ev {
        Ok(ev) => !ev.kind.is_access() && ev.paths.iter().any(|p| relevant(&root, p)),
        Err(_) => true,
    };
    while let Ok(ev) = rx.recv() {
        if !is_relevant(&ev) {
            continue;
        }
        // Coalesce the burst, then build once. Only relevant events extend
        // the wait: the state database and the log change on every request,
        // and a page that polls would otherwise put the build off forever.
        let latest = Instant::now() + MAX_DEBOUNCE;
        let mut quiet = Instant::now() + DEBOUNCE;
        while let Some(left) = quiet.min(latest).checked_duration_since(Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(ev) if is_relevant(&ev) => quiet = Instant::now() + DEBOUNCE,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        rebuild(opts, state);
    }
}

use crate::http::files::header_value as header;

/// Whether a `Host` header names this server by a loopback name (the
/// DNS-rebinding check: a hostile page's name resolving to 127.0.0.1 fails).
fn loopback_host(host: Option<&str>, port: u16) -> bool {
    let Some(host) = host.map(str::trim) else {
        return false;
    };
    let (name, given) = match host.rsplit_once(':') {
        Some((name, p)) if !host.ends_with(']') => (name, p.parse::<u16>().ok()),
        _ => (host, Some(80)),
    };
    given == Some(port)
        && (name == "127.0.0.1" || name == "[::1]" || name.eq_ignore_ascii_case("localhost"))
}

fn respond(request: tiny_http::Request, state: &State) {
    let url = request
        .url()
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .to_string();
    let fixed = |body: &str, kind: &str| {
        tiny_http::Response::from_data(body.as_bytes().to_vec())
            .with_header(header("Content-Type", kind))
            .with_header(header("Cache-Control", "no-store"))
    };
    if crate::web::is_home(&url) {
        return home(request, state);
    }
    let response = match url.as_str() {
        EVENTS_PATH => return state.events.subscribe(request),
        SCRIPT_PATH => crate::http::secure(
            fixed(RELOAD_SCRIPT, "text/javascript; charset=utf-8"),
            Page::Api,
        ),
        OVERLAY_PATH => {
            crate::http::secure(fixed(OVERLAY_STYLE, "text/css; charset=utf-8"), Page::Api)
        }
        "/inbox" | "/webmention" => crate::http::secure(
            tiny_http::Response::from_data(protocol::error_body(
                protocol::NO_INBOX,
                "this is `microsocial serve`, a local preview without an inbox: \
                 friends reach a site at the address its `microsocial sidecar` serves",
            ))
            .with_status_code(404)
            .with_header(header("Content-Type", "application/json")),
            Page::Api,
        ),
        _ => page(&state.output, &url, state, Page::Preview),
    };
    if let Err(e) = request.respond(response) {
        eprintln!("serve: {url}: {e}");
    }
}

type Reply = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

/// The owner interface; on a loopback bind, only to a loopback `Host`.
fn home(request: tiny_http::Request, state: &State) {
    let host = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Host"))
        .map(|h| h.value.as_str().to_string());
    match state.loopback {
        Some(port) if !loopback_host(host.as_deref(), port) => {
            let why = format!(
                "Forbidden. The owner interface is served only to http://127.0.0.1:{port}/home/ \
                 or http://localhost:{port}/home/ (a loopback Host), not to {}.\n",
                host.as_deref().unwrap_or("a request without Host")
            );
            let r = tiny_http::Response::from_data(why.into_bytes())
                .with_status_code(403)
                .with_header(header("Content-Type", "text/plain; charset=utf-8"));
            let _ = request.respond(crate::http::secure(r, Page::Home));
        }
        _ => state.web.respond(request),
    }
}

fn page(dir: &Path, url: &str, state: &State, kind: Page) -> Reply {
    let error = state
        .error
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let (status, path) = match crate::http::files::resolve(dir, url) {
        Some(p) => (200, p),
        None => (404, state.output.join("404.html")),
    };
    let content_type = crate::http::files::content_type(&path);
    let mut bytes = std::fs::read(&path).unwrap_or_else(|_| b"Not found".to_vec());
    if content_type.starts_with("text/html") {
        bytes = inject(bytes, error.as_deref());
    }
    let response = tiny_http::Response::from_data(bytes)
        .with_status_code(status)
        .with_header(header("Content-Type", &content_type))
        .with_header(header("Cache-Control", "no-store"));
    crate::http::secure(response, kind)
}

fn inject(html: Vec<u8>, error: Option<&str>) -> Vec<u8> {
    let mut snippet = format!("<script src=\"{SCRIPT_PATH}\"></script>");
    if let Some(e) = error {
        snippet.push_str(&format!(
            "<link rel=\"stylesheet\" href=\"{OVERLAY_PATH}\"><div role=\"alert\" class=\"microsocial-build-error\"><strong>Build failed</strong> — showing the last good build.\n{}</div>",
            tera::escape_html(e)
        ));
    }
    let text = String::from_utf8_lossy(&html);
    match text.rfind("</body>") {
        Some(at) => format!("{}{snippet}{}", &text[..at], &text[at..]).into_bytes(),
        None => format!("{text}{snippet}").into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_with_our_port_are_loopback_hosts() {
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "[::1]:8080",
        ] {
            assert!(loopback_host(Some(ok), 8080), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "127.0.0.1:8081",
            "localhost",
            "127.0.0.1.evil.example:8080",
            "[::1]",
            "",
        ] {
            assert!(!loopback_host(Some(bad), 8080), "{bad}");
        }
        assert!(!loopback_host(None, 8080));
        assert!(loopback_host(Some("localhost"), 80));
    }
}
