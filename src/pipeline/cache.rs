//! The build cache (`.social/cache/build-*.bin`): parsed entries and, per
//! output file, the fingerprint of its inputs, the hash of its bytes and
//! its size and mtime on disk. It is only a hint: an output missing or
//! changed on disk is written again, and a cache whose checksum fails is
//! ignored (full rebuild) with a warning.

use crate::content::{self, Entry};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const FORMAT: u32 = 2;
/// xxh3-128 of the encoded cache, appended after it.
const CHECKSUM_LEN: usize = 16;

#[derive(Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Debug)]
pub struct Stamp {
    pub fp: u128,
    pub hash: u128,
    pub size: u64,
    pub mtime_ns: u64,
}

impl Stamp {
    /// The stamp of a file just written, given its content hash.
    pub fn of_written(fp: u128, hash: u128, meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            fp,
            hash,
            size: meta.len(),
            mtime_ns: content::mtime_ns(meta),
        }
    }

    /// Whether the file at `path` is still the one this stamp describes
    /// (size and mtime: one `stat`, no read).
    pub fn matches_disk(&self, path: &Path) -> bool {
        std::fs::metadata(path).is_ok_and(|m| {
            m.is_file() && m.len() == self.size && content::mtime_ns(&m) == self.mtime_ns
        })
    }
}

#[derive(Serialize, Deserialize, Default)]
pub struct Cache {
    format: u32,
    version: String,
    pub entries: Vec<Entry>,
    pub outputs: HashMap<String, Stamp>,
}

impl Cache {
    /// The cache at `path`; empty (a full rebuild) when there is none, it is
    /// from another build of Microsocial, or it is damaged (with a warning).
    pub fn load(path: &Path) -> Cache {
        let Ok(bytes) = std::fs::read(path) else {
            return Cache::default();
        };
        let damaged = |why: &str| {
            eprintln!(
                "warning: build cache {} is damaged ({why}); ignoring it and rebuilding everything",
                path.display()
            );
            Cache::default()
        };
        if bytes.len() < CHECKSUM_LEN {
            return damaged("too short");
        }
        let (body, sum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
        if xxhash_rust::xxh3::xxh3_128(body).to_le_bytes() != sum {
            return damaged("checksum mismatch");
        }
        match postcard::from_bytes::<Cache>(body) {
            Ok(c) if c.format == FORMAT && c.version == binary_stamp() => c,
            Ok(_) => Cache::default(), // another version: rebuild, nothing wrong
            Err(e) => damaged(&e.to_string()),
        }
    }
}

/// The cache file's bytes for these entries and outputs, encoded from
/// borrowed parts (as `Cache` loads them) so the build can encode them on
/// another thread.
pub fn encode(entries: &[Entry], outputs: &HashMap<String, Stamp>) -> anyhow::Result<Vec<u8>> {
    /// `Cache`'s fields by reference: postcard encodes them identically.
    #[derive(Serialize)]
    struct Parts<'a> {
        format: u32,
        version: String,
        entries: &'a [Entry],
        outputs: &'a HashMap<String, Stamp>,
    }
    let parts = Parts {
        format: FORMAT,
        version: binary_stamp(),
        entries,
        outputs,
    };
    let mut bytes = postcard::to_stdvec(&parts)?;
    let sum = xxhash_rust::xxh3::xxh3_128(&bytes).to_le_bytes();
    bytes.extend_from_slice(&sum);
    Ok(bytes)
}

/// Identifies the running binary, so a new build of Microsocial (even with the
/// same version number) re-renders everything instead of trusting old pages.
fn binary_stamp() -> String {
    let meta = std::env::current_exe().and_then(std::fs::metadata);
    match meta {
        Ok(m) => format!(
            "{}+{}.{}",
            env!("CARGO_PKG_VERSION"),
            content::mtime_ns(&m),
            m.len()
        ),
        Err(_) => env!("CARGO_PKG_VERSION").to_string(),
    }
}

pub fn path(root: &Path, output: &Path) -> PathBuf {
    let output = crate::fsutil::canonical(output);
    let key = xxhash_rust::xxh3::xxh3_64(output.to_string_lossy().as_bytes());
    root.join(".social")
        .join("cache")
        .join(format!("build-{key:016x}.bin"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_any_flipped_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.bin");
        let stamp = Stamp {
            fp: 1,
            hash: 2,
            size: 3,
            mtime_ns: 4,
        };
        let outputs: HashMap<_, _> = [("index.html".to_string(), stamp)].into();
        std::fs::write(&path, encode(&[], &outputs).unwrap()).unwrap();
        assert_eq!(Cache::load(&path).outputs, outputs);
        let good = std::fs::read(&path).unwrap();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x20;
            std::fs::write(&path, &bad).unwrap();
            assert!(Cache::load(&path).outputs.is_empty(), "byte {i}");
        }
    }
}
