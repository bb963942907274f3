//! Server-sent events for live reload: a bounded set of open streams, all
//! written by whoever broadcasts, so an open tab costs no worker thread.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A stream is closed after this long; the browser's EventSource opens a
/// new one at once, which is checked like any request (a session that
/// ended gets no new stream).
pub const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);

struct Stream {
    out: Box<dyn Write + Send>,
    /// Who opened it (a session id), so that its end can close it.
    owner: Option<String>,
    opened: Instant,
}

pub struct Events {
    streams: Mutex<Vec<Stream>>,
    max: usize,
}

impl Events {
    pub fn new(max: usize) -> Events {
        Events {
            streams: Mutex::default(),
            max,
        }
    }

    fn streams(&self) -> std::sync::MutexGuard<'_, Vec<Stream>> {
        self.streams.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Turns the request's connection into an event stream, or answers 503
    /// when `max` streams are open.
    pub fn subscribe(&self, req: tiny_http::Request) {
        self.subscribe_as(req, crate::http::Page::Api, None);
    }

    /// [`Events::subscribe`] with the security headers of `page`, for
    /// `owner` (a session), whose end [`Events::keep_owners`] notices.
    pub fn subscribe_as(
        &self,
        req: tiny_http::Request,
        page: crate::http::Page,
        owner: Option<String>,
    ) {
        let mut streams = self.streams();
        if streams.len() >= self.max {
            drop(streams);
            let body = crate::federation::protocol::error_body(
                "busy",
                "too many live-reload streams are open; close a tab",
            );
            let r = tiny_http::Response::from_data(body)
                .with_status_code(503)
                .with_header(super::files::header_value("Retry-After", "5"));
            let _ = req.respond(crate::http::secure(r, page));
            return;
        }
        let mut out = req.into_writer();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nX-Accel-Buffering: no\r\n{}Connection: close\r\n\r\n: connected\n\n",
            page.raw()
        );
        if out
            .write_all(head.as_bytes())
            .and_then(|()| out.flush())
            .is_ok()
        {
            streams.push(Stream {
                out,
                owner,
                opened: Instant::now(),
            });
        }
    }

    /// Closes every stream whose owner `alive` no longer accepts (a session
    /// signed out, revoked or expired).
    pub fn keep_owners(&self, alive: impl Fn(&str) -> bool) {
        self.streams()
            .retain(|s| s.owner.as_deref().is_none_or(&alive));
    }

    /// Sends `event` to every stream, dropping the ones whose client left.
    pub fn send(&self, event: &str) {
        self.send_data(event, event);
    }

    /// Sends `event` with one line of `data` (no newlines in it).
    pub fn send_data(&self, event: &str, data: &str) {
        self.write(&format!("event: {event}\ndata: {data}\n\n"));
    }

    /// A comment line: notices closed streams between events, and closes
    /// the ones older than [`MAX_LIFETIME`].
    pub fn ping(&self) {
        self.streams().retain(|s| s.opened.elapsed() < MAX_LIFETIME);
        self.write(": ping\n\n");
    }

    fn write(&self, chunk: &str) {
        self.streams().retain_mut(|s| {
            s.out
                .write_all(chunk.as_bytes())
                .and_then(|()| s.out.flush())
                .is_ok()
        });
    }

    pub fn open(&self) -> usize {
        self.streams().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn streams_are_capped_and_closed_ones_are_dropped() {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let events = Events::new(2);
        let mut clients = Vec::new();
        for _ in 0..3 {
            let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
            c.set_read_timeout(Some(std::time::Duration::from_secs(5)))
                .unwrap();
            c.write_all(b"GET /e HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let req = server
                .recv_timeout(std::time::Duration::from_secs(5))
                .unwrap()
                .unwrap();
            events.subscribe(req);
            clients.push(c);
        }
        assert_eq!(events.open(), 2);
        let mut third = String::new();
        clients[2].read_to_string(&mut third).unwrap();
        assert!(third.starts_with("HTTP/1.1 503"), "{third}");
        drop(clients);
        // The first write after a close may still succeed; the next fails.
        for _ in 0..3 {
            events.ping();
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert_eq!(events.open(), 0);
    }
}
