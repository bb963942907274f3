//! Files of friends' friends-only posts (PROTOCOL.md §10.6), on the
//! friend's side. A signed post names each sealed file as
//! `{base}federation/private/<id>.age#sha256=<hex>`; pulling opens it with
//! the epoch's group key, checks the hash and the image type, and keeps it
//! as `.social/media/<hex>.<ext>`. The post then says `#media=<hex>.<ext>`,
//! and the private view shows it from `/home/media/`.

use super::client::{Client, Fetched};
use super::private;
use crate::upload::{Kind, MAX_IMAGE_BYTES};
use anyhow::{anyhow, bail};
use std::path::Path;

/// What marks a sealed file in a signed post, and an opened one.
pub const SEALED: &str = "#sha256=";
pub const OPENED: &str = "#media=";
/// Where the owner's web pages serve opened files from.
pub const ROUTE: &str = "/home/media/";
/// Folder under `.social/` that holds opened files.
pub const DIR: &str = "media";
/// A sealed file is the image plus age's framing (a few hundred bytes per
/// 64 KiB chunk).
const MAX_SEALED: u64 = MAX_IMAGE_BYTES as u64 + 256 * 1024;
/// Files opened per post at most.
const MAX_PER_POST: usize = 20;

/// `sha256` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::hex::sha256(bytes)
}

/// Sealed-file references under `prefix` in `html`: (whole URL, blob URL, hash).
fn references(html: &str, prefix: &str) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    for (at, _) in html.match_indices(prefix) {
        let url: String = html[at..]
            .chars()
            .take_while(|c| !matches!(c, '"' | '\'' | '<' | '>' | ')' | '&') && !c.is_whitespace())
            .collect();
        let Some((blob, hex)) = url.split_once(SEALED) else {
            continue;
        };
        let id = &blob[prefix.len()..];
        let id_ok = id.ends_with(".age")
            && !id.contains('/')
            && id
                .trim_end_matches(".age")
                .chars()
                .all(|c| c.is_ascii_alphanumeric());
        let hex_ok = hex.len() == 64 && hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'));
        if id_ok && hex_ok && !out.iter().any(|r| r.0 == url) {
            out.push((url.clone(), blob.to_string(), hex.to_string()));
        }
    }
    out.truncate(MAX_PER_POST);
    out
}

/// Opens every sealed file `html` names under `prefix` into `dir`, and
/// marks each opened one. A file that fails stays marked as sealed (shown
/// as a link to the encrypted blob, nothing more). Returns the new HTML
/// and how many requests it made.
pub fn open_all(
    dir: &Path,
    client: &Client,
    prefix: &str,
    group: &age::x25519::Identity,
    html: &str,
) -> (String, usize) {
    let mut html = html.to_string();
    let mut requests = 0;
    for (url, blob, hex) in references(&html.clone(), prefix) {
        match open_one(dir, client, &blob, &hex, group, &mut requests) {
            Ok(name) => html = html.replace(&url, &format!("{blob}{OPENED}{name}")),
            Err(e) => tracing::warn!("sealed file {blob}: {e:#}"),
        }
    }
    (html, requests)
}

fn open_one(
    dir: &Path,
    client: &Client,
    blob: &str,
    hex: &str,
    group: &age::x25519::Identity,
    requests: &mut usize,
) -> anyhow::Result<String> {
    for kind in [Kind::Png, Kind::Jpeg, Kind::Gif, Kind::WebP] {
        let name = format!("{hex}.{}", kind.extension());
        if dir.join(&name).is_file() {
            return Ok(name); // the same bytes, opened before
        }
    }
    *requests += 1;
    let bytes = match client.get(blob, None, MAX_SEALED)? {
        Fetched::Body { bytes, .. } => bytes,
        Fetched::NotModified => bail!("unexpected 304"),
    };
    let plain = private::open_file(&bytes, group)?;
    if sha256_hex(&plain) != hex {
        bail!("its SHA-256 differs from the one the signed post names");
    }
    let kind = Kind::sniff(&plain).ok_or_else(|| anyhow!("not a PNG, JPEG, GIF or WebP image"))?;
    let name = format!("{hex}.{}", kind.extension());
    crate::fsutil::write_private(&dir.join(&name), &plain)?;
    Ok(name)
}

/// The stored file name an opened reference points to, if `url` is one.
pub fn opened_name(url: &str) -> Option<&str> {
    let (blob, name) = url.split_once(OPENED)?;
    let (hex, ext) = name.split_once('.')?;
    let ok = blob.contains(super::protocol::PRIVATE_DIR)
        && hex.len() == 64
        && hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
        && ["png", "jpg", "gif", "webp"].contains(&ext);
    ok.then_some(name)
}

/// Points every `src` of an opened file at [`ROUTE`]. Runs on sanitised
/// HTML, last (a sanitiser would resolve the path against the friend's site).
pub fn localize(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("src=\"") {
        let (head, tail) = rest.split_at(at + 5);
        out.push_str(head);
        let end = tail.find('"').unwrap_or(tail.len());
        match opened_name(&tail[..end]) {
            Some(name) => out.push_str(&format!("{ROUTE}{name}")),
            None => out.push_str(&tail[..end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn only_well_formed_references_under_the_prefix() {
        let p = "https://ann.example/federation/private/";
        let html = format!(
            "<img src=\"{p}ab12.age#sha256={HEX}\"><img src=\"{p}ab12.age#sha256={HEX}\">\
             <img src=\"{p}../x.age#sha256={HEX}\"><img src=\"https://evil.example/federation/private/c.age#sha256={HEX}\">\
             <img src=\"{p}cd.age#sha256=12\">"
        );
        let refs = references(&html, p);
        assert_eq!(refs.len(), 1, "{refs:?}");
        assert_eq!(refs[0].1, format!("{p}ab12.age"));
    }

    #[test]
    fn localize_rewrites_opened_sources_only() {
        let opened = format!("https://a.example/federation/private/x.age{OPENED}{HEX}.png");
        let html = format!(
            "<img src=\"{opened}\"><a href=\"{opened}\">x</a><img src=\"https://a.example/p.png\">"
        );
        let out = localize(&html);
        assert!(
            out.starts_with(&format!("<img src=\"/home/media/{HEX}.png\">")),
            "{out}"
        );
        assert!(out.contains(&format!("href=\"{opened}\"")), "{out}");
        assert!(
            out.ends_with("<img src=\"https://a.example/p.png\">"),
            "{out}"
        );
        assert_eq!(
            opened_name(&format!("https://a.example/x.age{OPENED}{HEX}.svg")),
            None
        );
    }
}
