//! The session cookie and the same-origin check on every POST.

use crate::http::files::header_value as header;
use cookie::{Cookie, SameSite};

/// `__Host-` pins the cookie to this exact origin, but browsers accept the
/// prefix only with `Secure`, so only on https.
pub fn cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-microsocial"
    } else {
        "microsocial"
    }
}

fn request_header<'a>(req: &'a tiny_http::Request, name: &'static str) -> Option<&'a str> {
    req.headers()
        .iter()
        .find(|h| h.field.equiv(name))
        .map(|h| h.value.as_str())
}

/// The session cookie's value in the request, if any.
pub fn cookie(req: &tiny_http::Request, https: bool) -> Option<String> {
    let headers = req
        .headers()
        .iter()
        .filter(|h| h.field.equiv("Cookie"))
        .map(|h| h.value.as_str());
    cookie_in(headers, https)
}

/// The session cookie's value among `Cookie` header values.
pub fn cookie_in<'a>(headers: impl Iterator<Item = &'a str>, https: bool) -> Option<String> {
    let name = cookie_name(https);
    headers
        .flat_map(|h| Cookie::split_parse(h.to_string()))
        .flatten()
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// `Set-Cookie` for a new session (`Some`) or for signing out (`None`).
pub fn set_cookie(https: bool, value: Option<&str>, days: i64) -> tiny_http::Header {
    let age = if value.is_some() { days * 86_400 } else { 0 };
    let c = Cookie::build((cookie_name(https), value.unwrap_or("").to_string()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .secure(https)
        .max_age(cookie::time::Duration::seconds(age))
        .build();
    header("Set-Cookie", &c.to_string())
}

/// Refuses a POST that a browser says came from another site: `Origin`
/// must be this server (as the browser addressed it, or the configured
/// origin), and `Sec-Fetch-Site` when sent must be `same-origin`. Under our
/// `Referrer-Policy: no-referrer` browsers send `Origin: null` on form
/// posts, so then `Sec-Fetch-Site: same-origin` must vouch for it. A request
/// with neither header is refused: every current browser sends one.
pub fn same_origin(req: &tiny_http::Request, configured: &str) -> Result<(), String> {
    let site = request_header(req, "Sec-Fetch-Site").map(str::trim);
    let same_site = site.is_some_and(|s| s.eq_ignore_ascii_case("same-origin"));
    if let Some(s) = site.filter(|_| !same_site) {
        return Err(format!("Sec-Fetch-Site is `{s}`, not same-origin"));
    }
    let origin = match request_header(req, "Origin").map(str::trim) {
        None | Some("null") if same_site => return Ok(()),
        None => return Err("the request has neither Origin nor Sec-Fetch-Site".into()),
        Some(o) => o,
    };
    let scheme = configured.split("://").next().unwrap_or("http");
    let own = request_header(req, "Host").map(|h| format!("{scheme}://{}", h.trim()));
    let configured = configured.trim_end_matches('/');
    if origin.eq_ignore_ascii_case(configured)
        || own.is_some_and(|o| origin.eq_ignore_ascii_case(&o))
    {
        Ok(())
    } else {
        Err(format!("Origin `{origin}` is not this site"))
    }
}

/// Compares two secrets by their hashes, so the time taken says nothing
/// about where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    use crate::actions::sessions::hash;
    hash(a) == hash(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_strict_and_host_only_on_https() {
        let h = set_cookie(true, Some("v"), 30).value.to_string();
        for part in [
            "__Host-microsocial=v",
            "HttpOnly",
            "SameSite=Strict",
            "Path=/",
            "Secure",
            "Max-Age=2592000",
        ] {
            assert!(h.contains(part), "{part} in {h}");
        }
        let plain = set_cookie(false, Some("v"), 30).value.to_string();
        assert!(
            plain.starts_with("microsocial=v") && !plain.contains("Secure"),
            "{plain}"
        );
        assert!(set_cookie(false, None, 30)
            .value
            .to_string()
            .contains("Max-Age=0"));
        assert!(same_secret("a", "a") && !same_secret("a", "b"));
    }
}
