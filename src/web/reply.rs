//! Responses of the web interface, every one with the `/home/` headers.

use crate::http::files::header_value as header;
use crate::http::{secure, Page};

pub type Reply = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

fn with(status: u16, body: Vec<u8>, kind: &str) -> Reply {
    secure(
        tiny_http::Response::from_data(body)
            .with_status_code(status)
            .with_header(header("Content-Type", kind)),
        Page::Home,
    )
}

pub fn html(status: u16, body: String) -> Reply {
    with(status, body.into_bytes(), "text/html; charset=utf-8")
}

pub fn text(status: u16, body: &str) -> Reply {
    with(
        status,
        format!("{body}\n").into_bytes(),
        "text/plain; charset=utf-8",
    )
}

pub fn asset(body: &'static str, kind: &str) -> Reply {
    with(200, body.as_bytes().to_vec(), kind)
}

pub fn file(bytes: Vec<u8>, kind: &str) -> Reply {
    with(200, bytes, kind)
}

/// 303 See Other to a path of ours (POST-redirect-GET).
pub fn see_other(location: &str) -> Reply {
    text(303, "See Other").with_header(header("Location", location))
}

/// 429 with the wait in whole seconds.
pub fn too_many(wait: std::time::Duration) -> Reply {
    let secs = (wait.as_secs_f64().ceil() as u64).max(1);
    text(
        429,
        &format!(
            "Too many sign-in attempts from this address. Try again in {secs} seconds, \
             or sign in with a one-time link: run `microsocial login` on the server."
        ),
    )
    .with_header(header("Retry-After", &secs.to_string()))
}
