//! A local stand-in for the web sites the bench corpus links to, so the
//! federation bench sends its Webmentions on 127.0.0.1 and needs no outside
//! network.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The pages the corpus links to: each advertises a Webmention endpoint,
/// which takes every Webmention (counted), like a friendly IndieWeb site.
pub struct Targets {
    /// The corpus's link base: post `i` links to `{links}{i}`.
    pub links: String,
    /// Webmentions received so far.
    pub received: Arc<AtomicUsize>,
}

impl Targets {
    pub fn start() -> Targets {
        let cap = |a: &microsocial::http::limits::Asked| if a.method == "POST" { 4096 } else { 0 };
        let front = microsocial::http::Front::bind(
            "127.0.0.1:0",
            microsocial::http::Limits::new(Arc::new(cap)),
        )
        .unwrap();
        let port = front.local_addr().unwrap().port();
        let received = Arc::new(AtomicUsize::new(0));
        let count = received.clone();
        let running = front.start().unwrap();
        std::thread::spawn(move || {
            running.run(8, move |req| {
                let resp = if req.method() == &tiny_http::Method::Post {
                    count.fetch_add(1, Ordering::Relaxed);
                    tiny_http::Response::from_string("").with_status_code(202)
                } else {
                    let page =
                        r#"<!doctype html><link rel="webmention" href="/webmention"><p>a page</p>"#;
                    tiny_http::Response::from_string(page).with_header(
                        tiny_http::Header::from_bytes(&b"Content-Type"[..], &b"text/html"[..])
                            .unwrap(),
                    )
                };
                let _ = req.respond(resp);
            })
        });
        Targets {
            links: format!("http://127.0.0.1:{port}/post/"),
            received,
        }
    }
}
