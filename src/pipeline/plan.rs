//! Planning: every output file the build would write, each with the
//! fingerprint of its inputs, before anything is rendered.

use super::load::Loaded;
use super::seal::{SealedFile, Sealer};
use crate::content;
use crate::federation::{self, keys, protocol};
use crate::render::theme::Asset;
use crate::render::{self, Fp};
use crate::site::entry_dir;
use anyhow::{anyhow, Context as _};
use std::collections::HashSet;
use std::path::Path;

/// Where one output file's bytes come from.
pub(super) enum Item {
    Page(render::Job),
    Asset(Asset),
    /// Bytes made before rendering (discovery document).
    Bytes(Vec<u8>),
    /// The federation feed head, or change page `n`.
    FeedHead,
    FeedPage(u64),
    /// One file of this epoch's group key (index into `Sealer::files`).
    EpochFile(usize),
    /// Entry `i`, a friends-only post, sealed to the epoch's group key,
    /// with its files linked sealed.
    Sealed(usize, Vec<SealedFile>),
    /// A file of a friends-only post, sealed likewise.
    SealedFile(std::path::PathBuf),
}

/// (output path, fingerprint of its inputs, source).
pub(super) type Planned = (String, u128, Item);

/// What page fingerprints are made of.
pub(super) struct Fingerprints {
    /// Anything every page shows.
    pub globals: u128,
    /// Per entry: its own inputs.
    pub entry: Vec<u128>,
}

impl Fingerprints {
    /// A page changes when its own inputs or anything every page shows changes.
    pub(super) fn of(loaded: &Loaded, drafts: bool) -> Fingerprints {
        let site = &loaded.site;
        let mut globals = Fp::new(xxhash_rust::xxh3::xxh3_128(&loaded.config_bytes))
            .str(site.base_url())
            .num(loaded.theme.fingerprint())
            .str(env!("CARGO_PKG_VERSION"))
            .num(drafts as u128);
        for &i in &site.pages {
            globals = globals
                .str(&site.entries[i].label)
                .str(&site.entries[i].slug);
        }
        let entry = site
            .entries
            .iter()
            .map(|e| {
                // The text, and what the file's name and place give it: a
                // post moved to another date keeps its text but not its date.
                let mut fp = Fp::new(e.hash)
                    .str(&e.label)
                    .str(&e.source)
                    .str(&e.date.to_rfc3339());
                for target in &e.source_links {
                    fp = fp.str(site.url_of_source(target).unwrap_or_default());
                }
                fp.done()
            })
            .collect();
        Fingerprints {
            globals: globals.done(),
            entry,
        }
    }
}

/// Pages, the theme's static files and the discovery document.
pub(super) fn site_items(
    loaded: &Loaded,
    fps: &Fingerprints,
    keys: &keys::Keys,
) -> anyhow::Result<Vec<Planned>> {
    let site = &loaded.site;
    let mut items: Vec<Planned> = render::plan(site, fps.globals, &fps.entry)
        .into_iter()
        .map(|p| (p.path, p.fingerprint, Item::Page(p.job)))
        .collect();
    for (rel, asset) in &loaded.theme.statics {
        items.push((rel.clone(), asset_fp(asset), Item::Asset(asset.clone())));
    }
    let discovery = serde_json::to_vec_pretty(&federation::discovery(&site.config, keys))?;
    items.push((
        protocol::DISCOVERY_PATH.into(),
        xxhash_rust::xxh3::xxh3_128(&discovery),
        Item::Bytes(discovery),
    ));
    Ok(items)
}

/// The epoch's key files and every friends-only post and its files, sealed.
pub(super) fn sealed_items(
    sealer: &Sealer,
    loaded: &Loaded,
    keys: &keys::Keys,
    fps: &Fingerprints,
    items: &mut Vec<Planned>,
) -> anyhow::Result<()> {
    let site = &loaded.site;
    for (k, (bucket, _)) in sealer.files.iter().enumerate() {
        items.push((
            format!(
                "{}{}",
                protocol::PRIVATE_DIR,
                protocol::epoch_file(sealer.at.epoch, *bucket)
            ),
            Fp::new(fps.globals)
                .str("epoch")
                .num(sealer.at.epoch as u128)
                .num(*bucket as u128)
                .str(&sealer.recipients)
                .done(),
            Item::EpochFile(k),
        ));
    }
    for &i in &site.private_posts {
        let e = &site.entries[i];
        let folder = loaded.sources[i].abs.parent().unwrap_or(Path::new(""));
        let files = sealer.files_of(keys, site, e, folder);
        let mut post_fp = Fp::new(fps.globals)
            .str("sealed")
            .num(fps.entry[i])
            .num(sealer.at.epoch as u128);
        for f in &files {
            let file_fp = Fp::new(fps.globals)
                .str("sealed file")
                .num(file_fp(&f.path)?)
                .num(sealer.at.epoch as u128)
                .done();
            post_fp = post_fp.num(file_fp);
            items.push((
                f.blob_path.clone(),
                file_fp,
                Item::SealedFile(f.path.clone()),
            ));
        }
        items.push((
            sealer.blob_path(keys, e),
            post_fp.done(),
            Item::Sealed(i, files),
        ));
    }
    Ok(())
}

/// A file's fingerprint: its path, size and modification time.
fn file_fp(path: &Path) -> anyhow::Result<u128> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot stat {}", path.display()))?;
    Ok(asset_fp(&Asset::File {
        path: path.to_path_buf(),
        mtime_ns: content::mtime_ns(&meta),
        size: meta.len(),
    }))
}

/// Files that sit beside a post or page's markdown.
pub(super) fn entry_assets(loaded: &Loaded, items: &mut Vec<Planned>) -> anyhow::Result<()> {
    let site = &loaded.site;
    // Entries and sources are index-aligned (load keeps the scan order).
    for &i in site.posts.iter().chain(&site.pages) {
        let e = &site.entries[i];
        let folder = loaded.sources[i].abs.parent().unwrap_or(Path::new(""));
        let prefix = format!("{}/", e.source_dir());
        for a in &e.assets {
            let name = a.strip_prefix(&prefix).unwrap_or(a);
            let path = folder.join(name);
            let meta = std::fs::metadata(&path)
                .with_context(|| format!("cannot stat {}", path.display()))?;
            let asset = Asset::File {
                path,
                mtime_ns: content::mtime_ns(&meta),
                size: meta.len(),
            };
            items.push((
                format!("{}{name}", entry_dir(e)),
                asset_fp(&asset),
                Item::Asset(asset),
            ));
        }
    }
    Ok(())
}

fn asset_fp(asset: &Asset) -> u128 {
    match asset {
        Asset::Embedded(b) => xxhash_rust::xxh3::xxh3_128(b),
        Asset::File {
            path,
            mtime_ns,
            size,
        } => Fp::new(*mtime_ns as u128)
            .str(&path.to_string_lossy())
            .num(*size as u128)
            .done(),
    }
}

pub(super) fn check_collisions(items: &[Planned]) -> anyhow::Result<()> {
    match collisions(items.iter().map(|i| i.0.as_str())) {
        Some(message) => Err(anyhow!(message)),
        None => Ok(()),
    }
}

/// The words `build` refuses with (and `check` reports) when two sources
/// would write one output file.
pub(super) fn collisions<'a>(paths: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut seen: HashSet<&str> = HashSet::new();
    let dupes: Vec<&str> = paths.filter(|p| !seen.insert(p)).collect();
    (!dupes.is_empty()).then(|| {
        format!(
            "two sources would write the same output file: {} (rename a static file or page)",
            dupes.join(", ")
        )
    })
}
