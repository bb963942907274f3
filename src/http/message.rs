//! Request heads (parsed by `httparse`, capped) and response framing, as
//! the front needs them: what to forward, and whether a connection can be
//! kept after a response.

use std::net::IpAddr;

/// Carries the client's address to the handlers; any copy a client sends
/// is dropped.
pub const PEER_HEADER: &str = "X-Microsocial-Peer";

/// Request headers not forwarded: hop-by-hop ones, and ours.
const DROPPED: [&str; 7] = [
    PEER_HEADER,
    "connection",
    "keep-alive",
    "proxy-connection",
    "expect",
    "te",
    "upgrade",
];

pub(crate) struct Head {
    pub(super) method: String,
    pub(super) target: String,
    pub(super) minor: u8,
    pub(super) headers: Vec<(String, Vec<u8>)>,
    pub(super) len: usize,
}

pub(super) enum Parsed {
    Complete(Head),
    Partial,
    Bad(u16, String),
}

pub(super) fn parse_head(buf: &[u8], max_headers: usize) -> Parsed {
    let mut fields = vec![httparse::EMPTY_HEADER; max_headers];
    let mut req = httparse::Request::new(&mut fields);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => Parsed::Complete(Head {
            method: req.method.unwrap_or("GET").to_string(),
            target: req.path.unwrap_or("/").to_string(),
            minor: req.version.unwrap_or(1),
            headers: req
                .headers
                .iter()
                .map(|h| (h.name.to_string(), h.value.to_vec()))
                .collect(),
            len,
        }),
        Ok(httparse::Status::Partial) => Parsed::Partial,
        Err(httparse::Error::TooManyHeaders) => {
            Parsed::Bad(431, format!("more than {max_headers} header fields"))
        }
        Err(e) => Parsed::Bad(400, format!("malformed request: {e}")),
    }
}

impl Head {
    pub(super) fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// The body length, or the status and reason to refuse the request.
    pub(super) fn content_length(&self) -> Result<u64, (u16, String)> {
        if self.values("transfer-encoding").next().is_some() {
            return Err((
                411,
                "send the body with Content-Length; chunked bodies are not accepted".into(),
            ));
        }
        let mut lengths = self.values("content-length").map(|v| {
            std::str::from_utf8(v)
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
        });
        let first = lengths.next();
        if lengths.any(|l| Some(l) != first) {
            return Err((400, "conflicting Content-Length headers".into()));
        }
        match first {
            None => Ok(0),
            Some(Some(n)) => Ok(n),
            Some(None) => Err((400, "invalid Content-Length".into())),
        }
    }

    /// HTTP/1.1 without `Connection: close`.
    pub(super) fn keep_alive(&self) -> bool {
        self.minor == 1
            && !self.values("connection").any(|v| {
                String::from_utf8_lossy(v)
                    .split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("close"))
            })
    }

    /// The request as forwarded: our peer header, and one request per inner connection.
    pub(super) fn forwarded(&self, peer: IpAddr, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len + body.len() + 64);
        out.extend_from_slice(
            format!("{} {} HTTP/1.{}\r\n", self.method, self.target, self.minor).as_bytes(),
        );
        for (name, value) in &self.headers {
            if DROPPED.iter().any(|d| name.eq_ignore_ascii_case(d)) {
                continue;
            }
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(
            format!("{PEER_HEADER}: {peer}\r\nConnection: close\r\n\r\n").as_bytes(),
        );
        out.extend_from_slice(body);
        out
    }
}

/// Once the response head is complete: the response so far, and whether the
/// client can find its end without a close (so the connection can be kept).
/// Otherwise `Connection: close` is added: tiny_http never sends it, and a
/// client that is not told would reuse a connection we close.
pub(super) fn framed(response: &[u8], keep: bool) -> Option<(Vec<u8>, bool)> {
    let mut fields = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Response::new(&mut fields);
    match parsed.parse(response) {
        Ok(httparse::Status::Partial) if response.len() < 64 * 1024 => return None,
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Some((response.to_vec(), false)), // not ours to fix: pass it on
    }
    let has = |name: &str| {
        parsed
            .headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case(name))
    };
    if has("connection") {
        return Some((response.to_vec(), false));
    }
    let status = parsed.code.unwrap_or(200);
    if keep && (has("content-length") || has("transfer-encoding") || status == 204 || status == 304)
    {
        return Some((response.to_vec(), true));
    }
    let line_end = response.windows(2).position(|w| w == b"\r\n")? + 2;
    let mut out = Vec::with_capacity(response.len() + 19);
    out.extend_from_slice(&response[..line_end]);
    out.extend_from_slice(b"Connection: close\r\n");
    out.extend_from_slice(&response[line_end..]);
    Some((out, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_are_marked_close_unless_delimited_and_kept() {
        assert_eq!(framed(b"HTTP/1.1 200 OK\r\nContent-Le", true), None);
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        assert_eq!(framed(ok, true), Some((ok.to_vec(), true)));
        let closed = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok";
        assert_eq!(framed(ok, false), Some((closed.to_vec(), false)));
        // An event stream has no length: the close is its end.
        let stream = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n: hi\n\n";
        let (out, kept) = framed(stream, true).unwrap();
        assert!(!kept && out.starts_with(b"HTTP/1.1 200 OK\r\nConnection: close\r\n"));
    }
}
