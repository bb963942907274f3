//! Writing: the staged tree is swapped in whole, then the build cache saved.

use super::cache::{Cache, Stamp};
use super::plan::Planned;
use crate::content::Entry;
use crate::output::{Output, Txn};
use std::collections::HashMap;
use std::path::Path;

/// What staging did, per output path.
pub(super) struct Staged {
    pub outputs: HashMap<String, Stamp>,
    /// Indexes of the items kept as they were.
    pub kept: Vec<usize>,
}

impl Staged {
    pub(super) fn new(items: &[Planned], results: Vec<(usize, Stamp, bool)>) -> Staged {
        let mut outputs: HashMap<String, Stamp> = HashMap::with_capacity(items.len());
        let mut kept = Vec::with_capacity(items.len());
        for (k, stamp, w) in results {
            if !w {
                kept.push(k);
            }
            outputs.insert(items[k].0.clone(), stamp);
        }
        Staged { outputs, kept }
    }

    /// Outputs of the last build that this one no longer makes.
    pub(super) fn deleted(&self, cache: &Cache) -> usize {
        cache
            .outputs
            .keys()
            .filter(|p| !self.outputs.contains_key(p.as_str()))
            .count()
    }
}

/// Swaps the staged tree in for the live one.
pub(super) fn commit(
    txn: Txn<'_>,
    items: &[Planned],
    staged: &Staged,
    cache: &Cache,
) -> anyhow::Result<()> {
    let kept: Vec<&str> = staged.kept.iter().map(|&k| items[k].0.as_str()).collect();
    // What the live tree holds is known only from a trusted cache.
    let old: Option<Vec<&str>> =
        (!cache.outputs.is_empty()).then(|| cache.outputs.keys().map(String::as_str).collect());
    txn.commit(
        &|rel| staged.outputs.contains_key(rel),
        &kept,
        old.as_deref(),
    )
}

/// The new cache's bytes, or None when the build changed nothing (the cache
/// stays as it was). Pure work, so it runs beside the change-log commit.
pub(super) fn encode_cache(
    cache: &Cache,
    entries: &[Entry],
    outputs: &HashMap<String, Stamp>,
) -> anyhow::Result<Option<Vec<u8>>> {
    let same_entries = cache.entries.len() == entries.len()
        && cache.entries.iter().zip(entries).all(|(a, b)| {
            a.source == b.source
                && a.mtime_ns == b.mtime_ns
                && a.size == b.size
                && a.assets == b.assets
        });
    if same_entries && *outputs == cache.outputs {
        return Ok(None);
    }
    super::cache::encode(entries, outputs).map(Some)
}

/// Writes the encoded cache, if any.
pub(super) fn save_cache(
    out: &Output,
    cache_file: &Path,
    encoded: Option<Vec<u8>>,
) -> anyhow::Result<()> {
    let Some(bytes) = encoded else {
        return Ok(());
    };
    // The site is live: an unsaved cache costs the next build time only.
    if let Err(e) = crate::fsutil::write_private(cache_file, &bytes) {
        eprintln!("warning: the site is built, but the build cache was not saved: {e:#}");
        // The next build cannot know what the swapped-out tree holds.
        out.forget_previous()?;
    }
    Ok(())
}
