//! `microsocial serve`: build into a private folder, serve it on localhost,
//! rebuild on change and reload open pages through server-sent events.

use crate::cli::ServeArgs;
use crate::pipeline::{self, Options};
use anyhow::{anyhow, Context as _};
use notify::{RecursiveMode, Watcher};
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const EVENTS_PATH: &str = "/__microsocial/events";
/// Editors save in bursts (temp file, rename, chmod): wait this long for quiet.
const DEBOUNCE: Duration = Duration::from_millis(60);
const KEEPALIVE: Duration = Duration::from_secs(15);

const RELOAD_SCRIPT: &str = r#"<script>(function(){var s=new EventSource("/__microsocial/events");s.addEventListener("reload",function(){location.reload()});})();</script>"#;

#[derive(Default)]
struct State {
    /// The last build error, shown in every page until a build succeeds.
    error: Option<String>,
    clients: Vec<Sender<&'static str>>,
}

pub fn run(root: &Path, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let output = root.join(".social").join("serve").join("public");
    let opts = Options {
        root: root.to_path_buf(),
        output: output.clone(),
        drafts: args.drafts,
        force: false,
        base_url: Some(format!("http://{}/", args.bind)),
        publish_log: false,
        private_output: Some(root.join(".social").join("serve").join("private")),
    };
    let state = Arc::new(Mutex::new(State::default()));
    rebuild(&opts, &state);
    let server = tiny_http::Server::http(&args.bind)
        .map_err(|e| anyhow!("cannot listen on {}: {e}", args.bind))?;
    println!(
        "serving {} at http://{}/ (Ctrl-C to stop)",
        root.display(),
        args.bind
    );

    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx).context("cannot start the file watcher")?;
    for (dir, mode) in [
        (root.join("content"), RecursiveMode::Recursive),
        (root.join("themes"), RecursiveMode::Recursive),
        (root.join("static"), RecursiveMode::Recursive),
        (root.to_path_buf(), RecursiveMode::NonRecursive),
    ] {
        if dir.exists() {
            watcher
                .watch(&dir, mode)
                .with_context(|| format!("cannot watch {}", dir.display()))?;
        }
    }
    {
        let state = Arc::clone(&state);
        let root = root.to_path_buf();
        std::thread::spawn(move || watch_loop(&root, &opts, &state, &rx));
    }
    for request in server.incoming_requests() {
        let state = Arc::clone(&state);
        let output = output.clone();
        std::thread::spawn(move || {
            if let Err(e) = respond(request, &output, &state) {
                eprintln!("serve: {e:#}");
            }
        });
    }
    drop(watcher);
    Ok(ExitCode::SUCCESS)
}

fn rebuild(opts: &Options, state: &Mutex<State>) {
    let result = pipeline::build(opts);
    let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
    match result {
        Ok(report) => {
            println!("rebuilt: {report}");
            st.error = None;
        }
        Err(e) => {
            let msg = format!("{e:#}");
            eprintln!("build failed:\n{msg}");
            st.error = Some(msg);
        }
    }
    st.clients.retain(|c| c.send("reload").is_ok());
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
    state: &Mutex<State>,
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
        // Coalesce the burst, then build once.
        loop {
            match rx.recv_timeout(DEBOUNCE) {
                Ok(_) => continue,
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        rebuild(opts, state);
    }
}

use crate::webfiles::header_value as header;

/// Server-sent events need each event flushed as it happens, which a
/// tiny_http response body does not do, so the stream is written directly.
fn stream_events(request: tiny_http::Request, rx: &Receiver<&'static str>) -> anyhow::Result<()> {
    let mut out = request.into_writer();
    out.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n: connected\n\n",
    )?;
    out.flush()?;
    loop {
        let chunk = match rx.recv_timeout(KEEPALIVE) {
            Ok(event) => format!("event: {event}\ndata: {event}\n\n"),
            // A ping every so often notices closed tabs.
            Err(RecvTimeoutError::Timeout) => ": ping\n\n".to_string(),
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        if out
            .write_all(chunk.as_bytes())
            .and_then(|_| out.flush())
            .is_err()
        {
            return Ok(()); // the page was closed
        }
    }
}

fn respond(request: tiny_http::Request, output: &Path, state: &Mutex<State>) -> anyhow::Result<()> {
    let url = request
        .url()
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .to_string();
    if url == EVENTS_PATH {
        let (tx, rx) = mpsc::channel();
        state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clients
            .push(tx);
        return stream_events(request, &rx);
    }
    let error = state
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .error
        .clone();
    // The private view lives beside the site, never inside it; only this
    // localhost preview maps it to /home/.
    let private = output.parent().map(|p| p.join("private"));
    let resolved = match (url.strip_prefix("/home"), &private) {
        (Some(rest), Some(dir)) if rest.is_empty() || rest.starts_with('/') => {
            crate::webfiles::resolve(dir, rest)
        }
        _ => crate::webfiles::resolve(output, &url),
    };
    let (status, path) = match resolved {
        Some(p) => (200, p),
        None => (404, output.join("404.html")),
    };
    let content_type = crate::webfiles::content_type(&path);
    let mut bytes = std::fs::read(&path).unwrap_or_else(|_| b"Not found".to_vec());
    if content_type.starts_with("text/html") {
        bytes = inject(bytes, error.as_deref());
    }
    let response = tiny_http::Response::from_data(bytes)
        .with_status_code(status)
        .with_header(header("Content-Type", content_type))
        .with_header(header("Cache-Control", "no-store"));
    Ok(request.respond(response)?)
}

fn inject(html: Vec<u8>, error: Option<&str>) -> Vec<u8> {
    let mut snippet = String::from(RELOAD_SCRIPT);
    if let Some(e) = error {
        snippet.push_str(&format!(
            "<div role=\"alert\" style=\"position:fixed;inset:auto 0 0 0;max-height:50vh;overflow:auto;margin:0;padding:1rem;background:#7f1d1d;color:#fff;font:14px/1.4 monospace;white-space:pre-wrap;z-index:99999\"><strong>Build failed</strong> — showing the last good build.\n{}</div>",
            tera::escape_html(e)
        ));
    }
    let text = String::from_utf8_lossy(&html);
    match text.rfind("</body>") {
        Some(at) => format!("{}{snippet}{}", &text[..at], &text[at..]).into_bytes(),
        None => format!("{text}{snippet}").into_bytes(),
    }
}
