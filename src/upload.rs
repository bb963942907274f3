//! Uploaded images: the type comes from the bytes (never the name), the size
//! is capped, and metadata that can carry a location (EXIF, XMP, IPTC, text
//! chunks) is removed before anything is stored.

pub mod form;

use anyhow::{anyhow, bail};
use img_parts::{Bytes, ImageEXIF as _};

/// Largest accepted image file (README, "Uploads").
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;

/// An image type Microsocial accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Png,
    Jpeg,
    Gif,
    WebP,
}

impl Kind {
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Png => "png",
            Kind::Jpeg => "jpg",
            Kind::Gif => "gif",
            Kind::WebP => "webp",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
            Kind::Gif => "image/gif",
            Kind::WebP => "image/webp",
        }
    }

    /// The type the bytes say, whatever the file is called.
    pub fn sniff(bytes: &[u8]) -> Option<Kind> {
        match infer::get(bytes)?.mime_type() {
            "image/png" => Some(Kind::Png),
            "image/jpeg" => Some(Kind::Jpeg),
            "image/gif" => Some(Kind::Gif),
            "image/webp" => Some(Kind::WebP),
            _ => None,
        }
    }
}

/// A checked image, ready to store: metadata stripped, safe file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// `photo.jpg`: the uploaded name made safe, with the extension of the
    /// real type.
    pub name: String,
    pub kind: Kind,
    pub bytes: Vec<u8>,
}

impl Image {
    /// Checks an upload called `name` and strips its metadata. Errors name
    /// the file and the problem.
    pub fn check(name: &str, bytes: &[u8]) -> anyhow::Result<Image> {
        if bytes.len() > MAX_IMAGE_BYTES {
            bail!(
                "{name}: {} bytes is over the {} MiB limit for an image",
                bytes.len(),
                MAX_IMAGE_BYTES / (1024 * 1024)
            );
        }
        let kind = Kind::sniff(bytes).ok_or_else(|| {
            anyhow!(
                "{name}: not a PNG, JPEG, GIF or WebP image (its bytes say so, whatever its name)"
            )
        })?;
        let bytes = strip(kind, bytes).map_err(|e| anyhow!("{name}: {e}"))?;
        Ok(Image {
            name: safe_name(name, kind),
            kind,
            bytes,
        })
    }
}

/// `My Photo (1).JPEG` → `my-photo-1.jpg`; the extension is always the
/// real type's.
pub fn safe_name(name: &str, kind: Kind) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    let mut stem = slug::slugify(stem);
    stem.truncate(48);
    let stem = stem.trim_end_matches('-');
    let stem = if stem.is_empty() { "image" } else { stem };
    format!("{stem}.{}", kind.extension())
}

/// The image without location-bearing metadata. Pixels are untouched.
fn strip(kind: Kind, bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let b = Bytes::copy_from_slice(bytes);
    let out = match kind {
        Kind::Jpeg => {
            let mut jpeg =
                img_parts::jpeg::Jpeg::from_bytes(b).map_err(|e| anyhow!("damaged JPEG: {e}"))?;
            // APP0 (JFIF), APP2 (ICC colour) and APP14 (Adobe) stay; the other
            // APPn (EXIF, XMP, IPTC, maker notes) and comments go.
            jpeg.segments_mut().retain(|s| {
                let m = s.marker();
                !((0xE0..=0xEF).contains(&m) && ![0xE0, 0xE2, 0xEE].contains(&m) || m == 0xFE)
            });
            jpeg.encoder().bytes()
        }
        Kind::Png => {
            let mut png =
                img_parts::png::Png::from_bytes(b).map_err(|e| anyhow!("damaged PNG: {e}"))?;
            // eXIf, and text chunks (XMP lives in iTXt).
            png.chunks_mut()
                .retain(|c| !matches!(&c.kind(), b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt"));
            png.encoder().bytes()
        }
        Kind::WebP => {
            let mut webp =
                img_parts::webp::WebP::from_bytes(b).map_err(|e| anyhow!("damaged WebP: {e}"))?;
            webp.set_exif(None);
            webp.remove_chunks_by_id(img_parts::webp::CHUNK_XMP);
            webp.encoder().bytes()
        }
        Kind::Gif => {
            // GIF has no EXIF; XMP rides in an application extension that no
            // well-kept crate strips, so such a file is refused instead.
            if bytes.windows(11).any(|w| w == b"XMP DataXMP") {
                bail!("this GIF carries XMP metadata (which may hold a location); save it without metadata or as PNG");
            }
            return Ok(bytes.to_vec());
        }
    };
    Ok(out.to_vec())
}
