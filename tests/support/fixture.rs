//! A fixture web site on 127.0.0.1 for tests that need another site's
//! pages (Webmention sources, targets and endpoints).

use std::sync::{Arc, Mutex};

/// One request a fixture saw: method, URL path (with query) and body.
pub type Seen = (String, String, String);
/// What a fixture answers: status, extra headers, body.
pub type Answer = (u16, Vec<(String, String)>, String);

/// A small HTTP site on 127.0.0.1 that answers with `route` and records
/// every request. It stands behind the project's HTTP front, as the
/// sidecar does (bare tiny_http stalls when a client keeps several idle
/// connections open, as the outbox's parallel sends do). Its threads end
/// with the test process.
pub struct Fixture {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// Fixtures take small form bodies only.
fn fixture_cap(method: &str, _path: &str) -> u64 {
    if method == "POST" {
        4096
    } else {
        0
    }
}

impl Fixture {
    pub fn start(route: impl Fn(&str, u16) -> Answer + Send + Sync + 'static) -> Fixture {
        let front = microsocial::http::Front::bind(
            "127.0.0.1:0",
            microsocial::http::Limits::new(fixture_cap),
        )
        .unwrap();
        let port = front.local_addr().unwrap().port();
        let running = front.start().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = Arc::clone(&seen);
        std::thread::spawn(move || running.run(16, move |req| answer(req, &seen2, &route, port)));
        Fixture { port, seen }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn answer(
    mut req: tiny_http::Request,
    seen: &Mutex<Vec<Seen>>,
    route: &dyn Fn(&str, u16) -> Answer,
    port: u16,
) {
    let mut body = String::new();
    let _ = std::io::Read::read_to_string(req.as_reader(), &mut body);
    let path = req.url().to_string();
    seen.lock()
        .unwrap()
        .push((req.method().to_string(), path.clone(), body));
    let (status, headers, text) = route(&path, port);
    let mut resp = tiny_http::Response::from_string(text).with_status_code(status);
    for (k, v) in headers {
        resp.add_header(tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).unwrap());
    }
    let _ = req.respond(resp);
}

/// An HTML page answer.
pub fn html(body: &str) -> Answer {
    (
        200,
        vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
        body.to_string(),
    )
}
