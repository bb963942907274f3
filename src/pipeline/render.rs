//! Rendering: which planned outputs are dirty, and their bytes, staged into
//! the transaction beside links to the files that are kept.

use super::cache::{Cache, Stamp};
use super::changelog::feed_item;
use super::plan::{Item, Planned};
use super::seal::Sealer;
use crate::federation::{self, keys};
use crate::output::Txn;
use crate::render::theme::Asset;
use crate::render::{self, Html, Renderer};
use crate::site::Site;
use anyhow::{anyhow, Context as _};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Outputs to render: the cache is a hint, so an output missing or changed
/// on disk is dirty too.
pub(super) fn dirty(items: &[Planned], cache: &Cache, output: &Path, force: bool) -> Vec<usize> {
    (0..items.len())
        .into_par_iter()
        .filter(|&k| {
            force
                || cache.outputs.get(&items[k].0).is_none_or(|s| {
                    s.fp != items[k].1 || !s.matches_disk(&output.join(&items[k].0))
                })
        })
        .collect()
}

/// Entries whose markdown the dirty outputs need.
pub(super) fn needed(site: &Site, items: &[Planned], dirty: &[usize]) -> HashSet<usize> {
    dirty
        .iter()
        .filter_map(|&k| match items[k].2 {
            Item::Page(job) => Some(render::needed_entries(site, job)),
            Item::Sealed(i, _) => Some(vec![i]),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Everything staging reads.
pub(super) struct Stage<'a> {
    pub items: &'a [Planned],
    pub cache: &'a Cache,
    pub output: &'a Path,
    pub dirty: HashSet<usize>,
    pub renderer: &'a Renderer<'a>,
    pub site: &'a Site,
    pub htmls: &'a [Option<Html>],
    pub sealer: Option<&'a Sealer>,
    pub keys: &'a keys::Keys,
    pub relay: &'a super::changelog::Relay,
    pub feed_docs: HashMap<usize, Vec<u8>>,
}

/// Every build stages a whole tree: written files and links to kept ones.
/// Returns (index, new stamp, written?) per item.
pub(super) fn stage(
    s: &Stage<'_>,
    txn: Option<&Txn<'_>>,
) -> anyhow::Result<Vec<(usize, Stamp, bool)>> {
    (0..s.items.len())
        .into_par_iter()
        .map(|k| {
            let (rel, fp, _) = &s.items[k];
            let old = s.cache.outputs.get(rel);
            if !s.dirty.contains(&k) {
                if let Some(txn) = txn {
                    txn.keep(rel)?;
                }
                return Ok((
                    k,
                    *old.ok_or_else(|| anyhow!("internal: no stamp for {rel}"))?,
                    false,
                ));
            }
            let bytes = bytes_of(s, k)?;
            let txn =
                txn.ok_or_else(|| anyhow!("internal: {rel} changed in an untouched build"))?;
            let hash = xxhash_rust::xxh3::xxh3_128(&bytes);
            // Same bytes as the intact live file: keep it (and its mtime).
            if let Some(o) = old.filter(|o| o.hash == hash) {
                if o.matches_disk(&s.output.join(rel)) {
                    txn.keep(rel)?;
                    return Ok((k, Stamp { fp: *fp, ..*o }, false));
                }
            }
            let meta = txn.write(rel, &bytes)?;
            Ok((k, Stamp::of_written(*fp, hash, &meta), true))
        })
        .collect()
}

/// The bytes of planned output `k`.
fn bytes_of(s: &Stage<'_>, k: usize) -> anyhow::Result<Vec<u8>> {
    let (rel, _, src) = &s.items[k];
    Ok(match src {
        Item::Page(job) => s.renderer.render(*job)?,
        Item::Asset(Asset::Embedded(b)) => b.to_vec(),
        Item::Asset(Asset::File { path, .. }) => {
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?
        }
        Item::Bytes(b) => b.clone(),
        Item::Sealed(i, files) => {
            let sealer = s
                .sealer
                .ok_or_else(|| anyhow!("internal: no epoch for {rel}"))?;
            let id = super::conversations::log_id(s.site, s.keys, *i);
            let mut item = feed_item(s.site, s.htmls, *i, s.relay.get(&id))?;
            item.content_html =
                super::seal::link_sealed_files(&item.content_html, s.site.base_url(), files)?;
            federation::private::seal_post(
                &item,
                &s.keys.signing,
                &sealer.group.to_public(),
                sealer.at,
            )?
        }
        Item::SealedFile(path) => super::seal::seal_file(
            path,
            s.sealer
                .ok_or_else(|| anyhow!("internal: no epoch for {rel}"))?,
        )?,
        Item::EpochFile(f) => s
            .sealer
            .and_then(|s| s.files.get(*f))
            .map(|(_, b)| b.clone())
            .ok_or_else(|| anyhow!("internal: epoch file {rel} missing"))?,
        Item::FeedHead | Item::FeedPage(_) => s
            .feed_docs
            .get(&k)
            .cloned()
            .ok_or_else(|| anyhow!("internal: feed document {rel} was not prepared"))?,
    })
}
