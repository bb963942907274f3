//! Serving the built site over tiny_http: safe path mapping, content types,
//! and ETags so clients (and friends' sidecars) revalidate cheaply.

use std::path::{Path, PathBuf};

/// Maps a URL path to a file under `root`, refusing anything that escapes it.
pub fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(url_path)
        .decode_utf8()
        .ok()?;
    let mut path = root.to_path_buf();
    for part in decoded.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p if p.contains('\\') || p.contains('\0') => return None,
            p => path.push(p),
        }
    }
    if path.is_dir() {
        path.push("index.html");
    }
    path.is_file().then_some(path)
}

/// The Content-Type for a file, by extension; text types say UTF-8.
pub fn content_type(path: &Path) -> String {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    // mime_guess says text/xml; our feeds and sitemaps have always been
    // application/xml (the encoding is in the XML declaration).
    if ext.eq_ignore_ascii_case("xml") {
        return "application/xml".into();
    }
    let Some(mime) = mime_guess::from_path(path).first() else {
        return "application/octet-stream".into();
    };
    if mime.type_() == mime_guess::mime::TEXT {
        format!("{}; charset=utf-8", mime.essence_str())
    } else {
        mime.essence_str().to_string()
    }
}

pub fn header_value(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .unwrap_or_else(|_| tiny_http::Header::from_bytes("X-Invalid", "1").expect("static header"))
}

/// A strong ETag from the file's bytes.
pub fn etag(bytes: &[u8]) -> String {
    format!("\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(bytes))
}

/// Responds with the file at `url_path`, a 304 when `if_none_match` matches,
/// or the site's 404 page; always with the security headers of `page` (the
/// public site's, over https or plain http).
pub fn serve(
    root: &Path,
    url_path: &str,
    if_none_match: Option<&str>,
    page: super::Page,
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    super::secure(file_response(root, url_path, if_none_match), page)
}

fn file_response(
    root: &Path,
    url_path: &str,
    if_none_match: Option<&str>,
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let (status, path) = match resolve(root, url_path) {
        Some(p) => (200, p),
        None => (404, root.join("404.html")),
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(_) => {
            return tiny_http::Response::from_data(b"Not found".to_vec())
                .with_status_code(404)
                .with_header(header_value("Content-Type", "text/plain; charset=utf-8"))
        }
    };
    let tag = etag(&bytes);
    if status == 200
        && if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"))
    {
        return tiny_http::Response::from_data(Vec::new())
            .with_status_code(304)
            .with_header(header_value("ETag", &tag));
    }
    tiny_http::Response::from_data(bytes)
        .with_status_code(status)
        .with_header(header_value("Content-Type", &content_type(&path)))
        .with_header(header_value("ETag", &tag))
        .with_header(header_value("Cache-Control", "no-cache"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_escape_the_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/index.html"), "x").unwrap();
        assert_eq!(
            resolve(dir.path(), "/a/"),
            Some(dir.path().join("a/index.html"))
        );
        assert_eq!(resolve(dir.path(), "/a/../../etc/passwd"), None);
        assert_eq!(resolve(dir.path(), "/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(dir.path(), "/missing"), None);
    }

    /// The answers of the table mime_guess replaced, for every type we serve.
    #[test]
    fn content_types_match_what_we_served_before() {
        let expected = [
            ("index.html", "text/html; charset=utf-8"),
            ("a.htm", "text/html; charset=utf-8"),
            ("style.css", "text/css; charset=utf-8"),
            ("app.js", "text/javascript; charset=utf-8"),
            ("feed.json", "application/json"),
            ("sitemap.xml", "application/xml"),
            ("robots.txt", "text/plain; charset=utf-8"),
            ("logo.svg", "image/svg+xml"),
            ("a.png", "image/png"),
            ("a.jpg", "image/jpeg"),
            ("a.JPEG", "image/jpeg"),
            ("a.gif", "image/gif"),
            ("a.webp", "image/webp"),
            ("a.avif", "image/avif"),
            ("favicon.ico", "image/x-icon"),
            ("font.woff2", "font/woff2"),
            ("paper.pdf", "application/pdf"),
            ("clip.mp4", "video/mp4"),
            ("noextension", "application/octet-stream"),
            ("weird.zzzq", "application/octet-stream"),
        ];
        for (name, want) in expected {
            assert_eq!(content_type(Path::new(name)), want, "{name}");
        }
    }
}
