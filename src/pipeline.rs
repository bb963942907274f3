//! The build pipeline: content → site model → render → output, with an
//! on-disk cache so a rebuild parses only changed files and renders only
//! pages whose inputs changed. Each stage is a module below.

use crate::federation::{feedlog, keys};
use crate::output::Output;
use crate::problem::Problems;
use crate::render::Renderer;
use crate::store::Store;
use anyhow::Context as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

mod cache;
mod changelog;
mod check;
mod conversations;
mod friends;
mod load;
mod plan;
mod private_view;
mod render;
mod seal;
mod webmentions;
mod write;

use cache::Cache;
pub use check::check;

pub struct Options {
    pub root: PathBuf,
    pub output: PathBuf,
    pub drafts: bool,
    pub force: bool,
    /// Replaces `base_url` (serve uses the local address).
    pub base_url: Option<String>,
    /// Record new and changed posts in the federation change log and publish
    /// it. Off for previews (`serve`, `--drafts`), which must never reach friends.
    pub publish_log: bool,
    /// Where to render the owner's private view (friends-only posts and
    /// message threads); never inside the public output.
    pub private_output: Option<PathBuf>,
    /// The process exits right after this build (the CLI): big structures
    /// are left for the OS to free instead of being dropped one by one.
    pub exiting: bool,
    /// Check every file of the recycled tree before trusting it, not a
    /// sample (`build --verify`).
    pub verify: bool,
}

#[derive(Debug)]
pub struct Report {
    pub outputs: usize,
    pub written: usize,
    pub deleted: usize,
    pub full: bool,
    pub elapsed: Duration,
    /// Changes this build appended to the site's change log.
    pub logged: usize,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} files, {} written, {} removed ({}) in {:.0} ms",
            self.outputs,
            self.written,
            self.deleted,
            if self.full { "full" } else { "incremental" },
            self.elapsed.as_secs_f64() * 1000.0
        )
    }
}

/// Prints phase timings to stderr when `MICROSOCIAL_TIMINGS` is set.
struct Timer(Option<Instant>);
impl Timer {
    fn new() -> Timer {
        Timer(std::env::var_os("MICROSOCIAL_TIMINGS").map(|_| Instant::now()))
    }
    fn lap(&mut self, phase: &str) {
        if let Some(t) = self.0 {
            eprintln!(
                "  {phase:<12} {:>7.1} ms",
                t.elapsed().as_secs_f64() * 1000.0
            );
            self.0 = Some(Instant::now());
        }
    }
}

/// Every output file, the epoch sealer and the pending change log.
fn plan_outputs(
    opts: &Options,
    loaded: &mut load::Loaded,
    store: &Store,
    keys: &keys::Keys,
    fps: &plan::Fingerprints,
    relay: &changelog::Relay,
) -> anyhow::Result<(Vec<plan::Planned>, Option<seal::Sealer>, feedlog::Pending)> {
    let mut items = plan::site_items(loaded, fps, keys)?;
    // Friends-only posts: sealed to the current epoch's group key.
    let sealer = if opts.publish_log && !loaded.site.private_posts.is_empty() {
        Some(seal::Sealer::prepare(store, keys)?)
    } else {
        None
    };
    if let Some(sealer) = &sealer {
        plan::sealed_items(sealer, loaded, keys, fps, &mut items)?;
    }
    let change_log = if opts.publish_log {
        changelog::plan(
            loaded,
            store,
            (keys, relay),
            sealer.as_ref(),
            fps,
            &mut items,
        )?
    } else {
        feedlog::Pending::none(store)?
    };
    plan::entry_assets(loaded, &mut items)?;
    plan::check_collisions(&items)?;
    Ok((items, sealer, change_log))
}

/// What a failure after the swap says: the public site changed already.
pub const LIVE_BUT: &str = "the new site is live, but the build did not finish \
     (run `microsocial build` again to complete it)";

/// After the swap: the private view and the cache. A failure here leaves
/// the new site live, and the next build redoes what is missing.
#[allow(clippy::too_many_arguments)] // the build's own locals, passed once
fn finish_after_swap(
    opts: &Options,
    out: &Output,
    cache_file: &std::path::Path,
    loaded: &mut load::Loaded,
    cache: &Cache,
    staged: &write::Staged,
    fps: &plan::Fingerprints,
    conv: &conversations::Conv,
    private: Option<friends::PrivateData>,
) -> anyhow::Result<()> {
    crate::faultpoint::at("after-swap")?;
    let encoded = write::encode_cache(cache, &loaded.site.entries, &staged.outputs)?;
    if let (Some(dir), Some(data)) = (&opts.private_output, private) {
        let view = private_view::PrivateView {
            theme: &loaded.theme,
            sources: &loaded.sources,
            globals: fps.globals,
            entry_fp: &fps.entry,
            conversations: &conv.private,
        };
        private_view::write_private_view(&view, &mut loaded.site, &mut loaded.htmls, data, dir)?;
    }
    write::save_cache(out, cache_file, encoded)
}

/// The stages in order: load, friends, plan, render and stage, change log,
/// swap, private view, cache. (About 130 lines: it is the list of stages;
/// splitting it would only pass its locals around.)
pub fn build(opts: &Options) -> anyhow::Result<Report> {
    let started = Instant::now();
    let mut timer = Timer::new();
    let mut out = Output::new(&opts.output, &keys::private_dir(&opts.root))?;
    out.verify_all = opts.verify;
    let _lock = out.lock()?;
    out.recover()?;
    let cache_file = cache::path(&opts.root, &opts.output);
    let cache = if opts.force {
        Cache::default()
    } else {
        Cache::load(&cache_file)
    };
    timer.lap("cache load");
    let mut loaded = load::load(
        &opts.root,
        opts.drafts,
        opts.base_url.as_deref(),
        &cache,
        opts.force,
    )?;
    timer.lap("content");
    if !loaded.link_problems.is_empty() {
        return Err(Problems(std::mem::take(&mut loaded.link_problems)).into());
    }
    let keys = keys::ensure(&opts.root)?;
    let mut store = Store::open(&opts.root)?;
    let (friends, friend_posts) = friends::friends_from_store(&store, false)?;
    loaded.site.set_friends(friends, friend_posts);
    timer.lap("friends");

    let mut conv = conversations::load(&store, &loaded.site, &keys)?;
    // Approved Webmentions join the threads (kept apart: they read `Conv`).
    webmentions::add(&store, &loaded.site, &mut conv)?;
    let mut fps = plan::Fingerprints::of(&loaded, opts.drafts);
    conversations::mix(&conv, &loaded.site, &keys, &mut fps.entry);
    let (items, sealer, change_log) =
        plan_outputs(opts, &mut loaded, &store, &keys, &fps, &conv.relay)?;
    timer.lap("plan");

    let dirty = render::dirty(&items, &cache, &opts.output, opts.force);
    // Reported as a full build when most of the site is rewritten.
    let full = opts.force
        || cache.outputs.is_empty()
        || !opts.output.is_dir()
        || dirty.len() * 2 > items.len();
    let need = render::needed(&loaded.site, &items, &dirty);
    load::ensure_html(&loaded.site, &loaded.sources, &mut loaded.htmls, &need)?;
    let feed_docs = changelog::documents(&store, &change_log, &loaded.site, &items, &dirty)?;
    let private = match &opts.private_output {
        Some(_) => Some(friends::private_data(&store)?),
        None => None,
    };
    timer.lap("markdown");
    let renderer = Renderer::new(
        &loaded.site,
        &loaded.theme,
        &loaded.htmls,
        &friends::clean_public,
    )?
    .with_conversations(&conv.public);
    // Nothing to write or remove: the live tree stays, no staging at all.
    let untouched = dirty.is_empty()
        && opts.output.is_dir()
        && cache.outputs.len() == items.len()
        && items.iter().all(|i| cache.outputs.contains_key(&i.0));
    let txn = (!untouched).then(|| out.begin()).transpose()?;
    let stage = render::Stage {
        items: &items,
        cache: &cache,
        output: &opts.output,
        dirty: dirty.iter().copied().collect(),
        renderer: &renderer,
        site: &loaded.site,
        htmls: &loaded.htmls,
        sealer: sealer.as_ref(),
        keys: &keys,
        relay: &conv.relay,
        feed_docs,
    };
    let staged = write::Staged::new(&items, render::stage(&stage, txn.as_ref())?);
    timer.lap("render");
    let report = Report {
        outputs: items.len(),
        written: items.len() - staged.kept.len(),
        deleted: if full { 0 } else { staged.deleted(&cache) },
        full,
        elapsed: Duration::ZERO,
        logged: change_log.appended(),
    };
    crate::faultpoint::at("staged")?;
    // Write-ahead: the change log is stored before the new site goes live.
    // A kill or a full disk between the two leaves the log ahead of the live
    // site (the next build publishes it), never a live number that the
    // database does not have and could give to other content.
    change_log
        .commit(&mut store)
        .context("the change log could not be stored, so nothing was published")?;
    crate::faultpoint::at("logged")?;
    if let Some(txn) = txn {
        write::commit(txn, &items, &staged, &cache)?;
    }
    timer.lap("commit");
    crate::faultpoint::at("swapped")?;
    drop(store);
    drop(renderer);
    finish_after_swap(
        opts,
        &out,
        &cache_file,
        &mut loaded,
        &cache,
        &staged,
        &fps,
        &conv,
        private,
    )
    .context(LIVE_BUT)?;
    timer.lap("cache save");
    if opts.exiting {
        // The process ends next: the OS takes the memory back at once, where
        // dropping ~10,000 entries, their HTML and the plan costs ~20 ms.
        std::mem::forget((loaded, cache, items, staged, fps, conv));
    }
    Ok(Report {
        elapsed: started.elapsed(),
        ..report
    })
}
