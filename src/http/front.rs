//! The guarded acceptor in front of tiny_http.
//!
//! tiny_http 0.12 has no read deadlines, no cap on header size and no cap on
//! its connection threads, so clients never reach it directly. Our own
//! acceptor admits a connection only under the overall and per-address caps,
//! reads the head (parsed by `httparse`, size- and count-capped) and the body
//! (capped per route) within deadlines, and only then hands the complete
//! request to tiny_http over a private Unix socket, so tiny_http's threads
//! and our handlers never wait on a client. The response is relayed back as
//! it is written, so server-sent events still stream.

use super::headers::Page;
use super::limits::{Connections, Limits};
use super::message::{framed, parse_head, Head, Parsed};
use anyhow::Context as _;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::DirBuilderExt as _;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use super::message::PEER_HEADER;

/// How often a connection waiting on a slow response checks for a client that left.
const LIVENESS: Duration = Duration::from_secs(1);

/// A bound TCP listener, not yet serving: bind first, then build, then serve.
pub struct Front {
    tcp: TcpListener,
    limits: Limits,
}

/// The tiny_http server behind a running front.
pub struct Running {
    pub server: Arc<tiny_http::Server>,
    _dir: SocketDir,
}

impl Front {
    pub fn bind(addr: &str, limits: Limits) -> anyhow::Result<Front> {
        let tcp = TcpListener::bind(addr).map_err(|e| match e.kind() {
            ErrorKind::AddrInUse => anyhow::anyhow!(
                "cannot listen on {addr}: the address is already in use (another server runs there; choose another address)"
            ),
            _ => anyhow::anyhow!("cannot listen on {addr}: {e}"),
        })?;
        Ok(Front { tcp, limits })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        self.tcp.local_addr().context("reading the bound address")
    }

    /// Starts accepting; requests arrive on the returned server.
    pub fn start(self) -> anyhow::Result<Running> {
        let dir = SocketDir::create()?;
        let path = dir.0.join("http.sock");
        let unix = UnixListener::bind(&path)
            .with_context(|| format!("cannot create the socket {}", path.display()))?;
        let server = tiny_http::Server::from_listener(unix, None).map_err(|e| {
            anyhow::anyhow!("cannot start the HTTP server on {}: {e}", path.display())
        })?;
        let limits = Arc::new(self.limits);
        let tcp = self.tcp;
        std::thread::Builder::new()
            .name("http-accept".into())
            .spawn(move || accept_loop(&tcp, &limits, &Arc::new(path)))
            .context("cannot start the HTTP acceptor thread")?;
        Ok(Running {
            server: Arc::new(server),
            _dir: dir,
        })
    }
}

impl Running {
    /// Handles requests on `workers` threads until the process stops.
    pub fn run<F>(self, workers: usize, handle: F)
    where
        F: Fn(tiny_http::Request) + Send + Sync + 'static,
    {
        let handle = Arc::new(handle);
        let threads: Vec<_> = (0..workers.max(1))
            .map(|_| {
                let (server, handle) = (Arc::clone(&self.server), Arc::clone(&handle));
                std::thread::spawn(move || {
                    while let Ok(req) = server.recv() {
                        handle(req);
                    }
                })
            })
            .collect();
        for t in threads {
            let _ = t.join();
        }
    }
}

/// The client's address, as the front recorded it.
pub fn peer(req: &tiny_http::Request) -> Option<IpAddr> {
    req.headers()
        .iter()
        .find(|h| h.field.equiv(PEER_HEADER))
        .and_then(|h| h.value.as_str().parse().ok())
}

/// A 0700 folder for the private socket, removed when dropped.
struct SocketDir(PathBuf);

/// Leftovers of servers that were killed (no Drop ran): their pid is gone.
fn remove_stale(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix("microsocial-http-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

impl SocketDir {
    fn create() -> anyhow::Result<SocketDir> {
        remove_stale(&std::env::temp_dir());
        let name = format!(
            "microsocial-http-{}-{}",
            std::process::id(),
            crate::federation::new_id()?
        );
        let dir = std::env::temp_dir().join(name);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(SocketDir(dir))
    }
}

impl Drop for SocketDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn accept_loop(tcp: &TcpListener, limits: &Arc<Limits>, sock: &Arc<PathBuf>) {
    let open = Connections::default();
    loop {
        let (stream, peer) = match tcp.accept() {
            Ok(c) => c,
            Err(_) => {
                // Out of descriptors, or a connection reset before accept.
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let Some(slot) = open.admit(peer.ip(), limits) else {
            busy(stream);
            continue;
        };
        let (limits, sock) = (Arc::clone(limits), Arc::clone(sock));
        // If the thread cannot start, the closure drops: connection closed.
        let _ = std::thread::Builder::new()
            .name("http-conn".into())
            .stack_size(256 * 1024)
            .spawn(move || {
                let _slot = slot;
                let _ = connection(stream, peer, &limits, &sock);
            });
    }
}

/// Over a cap: say so without waiting on the client, and close.
fn busy(mut stream: TcpStream) {
    let _ = stream.set_nonblocking(true);
    let _ = stream.write_all(&response(
        503,
        "Service Unavailable",
        "busy",
        "too many connections; retry",
    ));
}

/// Reads once into `buf`, never past `cap` bytes in all and never past `by`.
/// Ok(0) means the client closed.
fn read_some(tcp: &mut TcpStream, buf: &mut Vec<u8>, cap: usize, by: Instant) -> io::Result<usize> {
    let left = by
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| io::Error::from(ErrorKind::TimedOut))?;
    tcp.set_read_timeout(Some(left))?;
    let mut chunk = [0u8; 8192];
    let want = cap.saturating_sub(buf.len()).min(chunk.len());
    let n = tcp.read(&mut chunk[..want])?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock)
}

/// One client connection: requests read within limits, each relayed to
/// tiny_http on its own inner connection. The client's connection is kept
/// for the next request only when the response is delimited (length or
/// chunks) and the client asked to keep it.
fn connection(
    mut tcp: TcpStream,
    peer: SocketAddr,
    limits: &Limits,
    sock: &Path,
) -> io::Result<()> {
    tcp.set_nodelay(true)?;
    tcp.set_write_timeout(Some(limits.write_timeout))?;
    let mut buf = Vec::with_capacity(4096);
    loop {
        let Some((head, body)) = read_request(&mut tcp, &mut buf, limits)? else {
            return Ok(());
        };
        let Ok(mut inner) = UnixStream::connect(sock) else {
            return refuse(&mut tcp, limits, 503, "the server is restarting; retry");
        };
        inner.write_all(&head.forwarded(peer.ip(), &body))?;
        if !relay(inner, &mut tcp, head.keep_alive())? {
            break;
        }
    }
    let _ = tcp.shutdown(Shutdown::Write);
    Ok(())
}

/// Reads one request (head, then body) within the deadlines; None when the
/// client closed, went quiet, or was refused. Bytes of a pipelined next
/// request stay in `buf`.
fn read_request(
    tcp: &mut TcpStream,
    buf: &mut Vec<u8>,
    limits: &Limits,
) -> io::Result<Option<(Head, Vec<u8>)>> {
    let refused =
        |tcp: &mut TcpStream, status, why: &str| refuse(tcp, limits, status, why).map(|()| None);
    let head_by = Instant::now() + limits.head_deadline;
    let head = loop {
        match parse_head(buf, limits.max_headers) {
            Parsed::Complete(head) => break head,
            Parsed::Bad(status, why) => return refused(tcp, status, &why),
            Parsed::Partial if buf.len() >= limits.max_head => {
                let why = format!("the request head is larger than {} bytes", limits.max_head);
                return refused(tcp, 431, &why);
            }
            Parsed::Partial => {}
        }
        match read_some(tcp, buf, limits.max_head, head_by) {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            // Quiet between requests: just close.
            Err(e) if is_timeout(&e) && buf.is_empty() => return Ok(None),
            Err(e) if is_timeout(&e) => return refused(tcp, 408, "the request head took too long"),
            Err(e) => return Err(e),
        }
    };
    let len = match head.content_length() {
        Ok(n) => n,
        Err((status, why)) => return refused(tcp, status, &why),
    };
    let path = head.target.split('?').next().unwrap_or("/");
    let cap = (limits.body_cap)(&super::limits::Asked {
        method: &head.method,
        path,
        head: &head,
    });
    if len > cap {
        let why = format!("the body is larger than {path} accepts ({cap} bytes)");
        return refused(tcp, 413, &why);
    }
    let len = len as usize; // at most the cap
    if len > 0
        && head
            .values("expect")
            .any(|v| v.eq_ignore_ascii_case(b"100-continue"))
    {
        tcp.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let mut body = buf.split_off(head.len);
    let body_by = Instant::now() + limits.body_time(len as u64);
    while body.len() < len {
        match read_some(tcp, &mut body, len, body_by) {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(e) if is_timeout(&e) => return refused(tcp, 408, "the request body took too long"),
            Err(e) => return Err(e),
        }
    }
    *buf = body.split_off(len);
    Ok(Some((head, body)))
}

/// Copies the response to the client as it comes; stops when the client
/// leaves. Returns whether the client's connection may carry another request.
fn relay(mut inner: UnixStream, tcp: &mut TcpStream, keep: bool) -> io::Result<bool> {
    inner.set_read_timeout(Some(LIVENESS))?;
    let mut buf = vec![0u8; 16 * 1024];
    // The response head, held until complete so it can be marked.
    let mut head = Some(Vec::new());
    let mut reuse = false;
    loop {
        let n = match inner.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if is_timeout(&e) => {
                if client_gone(tcp) {
                    return Ok(false);
                }
                continue;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        match head.as_mut() {
            None => tcp.write_all(&buf[..n])?,
            Some(h) => {
                h.extend_from_slice(&buf[..n]);
                if let Some((ready, delimited)) = framed(h, keep) {
                    tcp.write_all(&ready)?;
                    reuse = delimited;
                    head = None;
                }
            }
        }
    }
    match head {
        Some(h) => tcp.write_all(&h).map(|()| false),
        None => Ok(reuse),
    }
}

fn client_gone(tcp: &TcpStream) -> bool {
    if tcp.set_nonblocking(true).is_err() {
        return true;
    }
    let gone = match tcp.peek(&mut [0u8; 1]) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != ErrorKind::WouldBlock,
    };
    gone || tcp.set_nonblocking(false).is_err()
}

/// Answers `status` with a short reason and closes, draining briefly so the
/// client reads the answer rather than a reset. The body has the protocol's
/// error shape (PROTOCOL.md §7).
fn refuse(tcp: &mut TcpStream, limits: &Limits, status: u16, why: &str) -> io::Result<()> {
    let (reason, code) = match status {
        400 => ("Bad Request", "malformed"),
        408 => ("Request Timeout", "timeout"),
        411 => ("Length Required", "length_required"),
        413 => ("Content Too Large", "too_large"),
        431 => ("Request Header Fields Too Large", "head_too_large"),
        _ => ("Service Unavailable", "busy"),
    };
    let peer = tcp.peer_addr().map_or("?".into(), |a| a.ip().to_string());
    (limits.report)(&format!("refused a request from {peer}: {code} ({why})"));
    tcp.write_all(&response(status, reason, code, why))?;
    tcp.shutdown(Shutdown::Write)?;
    // At most 64 KiB or 1 s: enough for the client to see the answer.
    let until = Instant::now() + Duration::from_secs(1);
    let mut sink = Vec::with_capacity(64 * 1024);
    while let Ok(n) = read_some(tcp, &mut sink, 64 * 1024, until) {
        if n == 0 || sink.len() >= 64 * 1024 {
            break;
        }
    }
    Ok(())
}

fn response(status: u16, reason: &str, code: &str, why: &str) -> Vec<u8> {
    let body = crate::federation::protocol::error_body(code, why);
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\n{}Content-Type: application/json\r\nContent-Length: {}\r\n{}Connection: close\r\n\r\n",
        Page::Api.raw(),
        body.len(),
        if status == 503 { "Retry-After: 1\r\n" } else { "" },
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}
