//! The build pipeline: content → site model → render → output, with an
//! on-disk cache so a rebuild parses only changed files and renders only
//! pages whose inputs changed.

use crate::config::Config;
use crate::content::markdown::{self, LinkResolver};
use crate::content::{self, Entry, Parsed, Source};
use crate::federation::{self, feedlog, keys, protocol};
use crate::output::Output;
use crate::problem::{line_of, Problem, Problems};
use crate::render::theme::{Asset, Theme};
use crate::render::{self, Fp, Html, Renderer};
use crate::site::{entry_dir, FriendInfo, FriendPost, Site};
use crate::store::Store;
use anyhow::{anyhow, Context as _};
use chrono::DateTime;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod cache;

use cache::{Cache, Stamp};

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
}

/// What the private view shows besides the site itself.
struct PrivateData {
    friends: Vec<FriendInfo>,
    posts: Vec<FriendPost>,
    /// (friend url, name, messages) for every conversation.
    threads: Vec<(String, String, Vec<crate::store::Message>)>,
    unread: HashMap<String, i64>,
}

fn private_data(store: &Store) -> anyhow::Result<PrivateData> {
    let (friends, posts) = friends_from_store(store, true)?;
    let names: HashMap<String, String> = store
        .friends()?
        .into_iter()
        .map(|f| (f.url, f.name))
        .collect();
    let mut threads = Vec::new();
    let mut unread = HashMap::new();
    // The store names the table for its other queries; these are named here.
    for (peer, _, n, _) in store.at("messages", || store.conversations())? {
        let name = names.get(&peer).cloned().unwrap_or_else(|| peer.clone());
        unread.insert(peer.clone(), n);
        let messages = store.at("messages", || store.messages(&peer))?;
        threads.push((peer.clone(), name, messages));
    }
    Ok(PrivateData {
        friends,
        posts,
        threads,
        unread,
    })
}

#[derive(Debug)]
pub struct Report {
    pub outputs: usize,
    pub written: usize,
    pub deleted: usize,
    pub full: bool,
    pub elapsed: Duration,
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

/// Resolves links for one entry against the whole site.
struct Links<'a> {
    site: &'a Site,
    asset_base: String,
    dir: &'a str,
}

impl LinkResolver for Links<'_> {
    fn source_url(&self, target: &str) -> Option<String> {
        self.site.url_of_source(target).map(str::to_string)
    }
    fn asset_base(&self) -> &str {
        &self.asset_base
    }
    fn source_dir(&self) -> &str {
        self.dir
    }
}

fn display_path(source: &str) -> PathBuf {
    Path::new(content::CONTENT_DIR).join(source)
}

/// Renders an entry's markdown; fills its text-derived fields.
fn render_entry(site: &Site, entry: &mut Entry, parsed: &Parsed) -> (Html, Vec<Problem>) {
    let links = Links {
        site,
        asset_base: format!("{}{}", site.base_url(), entry_dir(entry)),
        dir: entry.source_dir(),
    };
    let body = &parsed.text[parsed.body_start..];
    let r = markdown::render(body, &links);
    let summary = match (&entry.summary, entry.has_more) {
        (Some(s), _) => Some(markdown::render(s, &links).html),
        (None, true) => body
            .find(markdown::MORE_MARKER)
            .map(|at| markdown::render(&body[..at], &links).html),
        _ => None,
    };
    let file = display_path(&entry.source);
    let problems = r
        .broken
        .iter()
        .map(|(target, at)| {
            Problem::new(
                &file,
                parsed.body_line + line_of(body, *at) - 1,
                format!("link to `{target}`: no such post or page"),
            )
        })
        .collect();
    entry.label = entry
        .title
        .clone()
        .unwrap_or_else(|| content::excerpt(&r.text, 60));
    if entry.label.is_empty() {
        entry.label = content::display_date(&entry.date);
    }
    entry.description = match &entry.summary {
        Some(s) => content::excerpt(s, 160),
        None => content::excerpt(&r.text, 160),
    };
    entry.source_links = r.source_links;
    let links = r
        .links
        .into_iter()
        .map(|(target, at)| (target, parsed.body_line + line_of(body, at) - 1))
        .collect();
    (
        Html {
            content: r.html,
            summary,
            links,
        },
        problems,
    )
}

/// Parses every source; fresh ones are returned with their text.
fn load_entries(
    sources: &[Source],
    cache: &Cache,
    force: bool,
) -> (Vec<Entry>, Vec<Option<Parsed>>, Vec<Problem>) {
    let cached: HashMap<&str, &Entry> = cache
        .entries
        .iter()
        .map(|e| (e.source.as_str(), e))
        .collect();
    let results: Vec<Result<(Entry, Option<Parsed>), Problem>> = sources
        .par_iter()
        .map(|s| {
            if let Some(e) = cached.get(s.rel.as_str()) {
                if !force && e.mtime_ns == s.mtime_ns && e.size == s.size && e.assets == s.assets {
                    return Ok(((*e).clone(), None));
                }
            }
            let parsed = content::parse(s, &display_path(&s.rel))?;
            Ok((parsed.entry.clone(), Some(parsed)))
        })
        .collect();
    let mut entries = Vec::with_capacity(results.len());
    let mut parsed = Vec::with_capacity(results.len());
    let mut problems = Vec::new();
    for r in results {
        match r {
            Ok((e, p)) => {
                entries.push(e);
                parsed.push(p);
            }
            Err(p) => problems.push(p),
        }
    }
    (entries, parsed, problems)
}

/// Everything `check` and `build` share: the site model with every entry's
/// markdown state known. `need_all` renders all markdown (check, full builds).
struct Loaded {
    pub site: Site,
    pub htmls: Vec<Option<Html>>,
    pub theme: Theme,
    pub config_bytes: Vec<u8>,
    pub sources: Vec<Source>,
    /// Broken links to other sources: fatal for `build`, listed by `check`.
    pub link_problems: Vec<Problem>,
}

fn load(
    root: &Path,
    drafts: bool,
    base_url: Option<&str>,
    cache_entries: &Cache,
    force: bool,
) -> anyhow::Result<Loaded> {
    let (mut config, config_bytes) = Config::load(root)?;
    if let Some(url) = base_url {
        config.site.base_url = crate::config::normalize_base_url(url).map_err(|m| anyhow!(m))?;
    }
    let theme = Theme::load(root, &config.site.theme)?;
    let sources = content::scan(&root.join(content::CONTENT_DIR))?;
    let (entries, mut parsed, mut problems) = load_entries(&sources, cache_entries, force);
    if !problems.is_empty() {
        problems.sort();
        return Err(Problems(problems).into());
    }
    let mut site = Site::new(config, entries, drafts).map_err(Problems)?;
    let mut htmls: Vec<Option<Html>> = vec![None; site.entries.len()];
    // Markdown needs every permalink, so it runs once the model exists.
    let mut entries = std::mem::take(&mut site.entries);
    let rendered: Vec<Option<(Html, Vec<Problem>)>> = entries
        .par_iter_mut()
        .zip(parsed.par_iter_mut())
        .map(|(e, p)| p.as_ref().map(|p| render_entry(&site, e, p)))
        .collect();
    site.entries = entries;
    for (i, r) in rendered.into_iter().enumerate() {
        if let Some((html, probs)) = r {
            let published = !site.entries[i].draft || drafts;
            if published {
                problems.extend(probs);
            }
            htmls[i] = Some(html);
        }
    }
    problems.sort();
    Ok(Loaded {
        site,
        htmls,
        theme,
        config_bytes,
        sources,
        link_problems: problems,
    })
}

/// Renders the markdown of entries that were loaded from the cache.
fn ensure_html(
    site: &Site,
    sources: &[Source],
    htmls: &mut [Option<Html>],
    need: &HashSet<usize>,
) -> anyhow::Result<()> {
    let missing: Vec<usize> = need
        .iter()
        .copied()
        .filter(|&i| htmls[i].is_none())
        .collect();
    let done: Vec<(usize, Html)> = missing
        .par_iter()
        .map(|&i| {
            let mut entry = site.entries[i].clone();
            let parsed = content::parse(&sources[i], &display_path(&entry.source))
                .map_err(|p| anyhow!("{p}"))?;
            let (html, _) = render_entry(site, &mut entry, &parsed);
            Ok((i, html))
        })
        .collect::<anyhow::Result<_>>()?;
    for (i, h) in done {
        htmls[i] = Some(h);
    }
    Ok(())
}

enum Item {
    Page(render::Job),
    Asset(Asset),
    /// Bytes made before rendering (discovery document).
    Bytes(Vec<u8>),
    /// The federation feed head, or change page `n`.
    FeedHead,
    FeedPage(u64),
    /// One file of this epoch's group key (index into `Sealer::files`).
    EpochFile(usize),
    /// Entry `i`, a friends-only post, sealed to the epoch's group key.
    Sealed(usize),
}

/// What sealing friends-only posts needs: the epoch and its group key.
struct Sealer {
    at: federation::private::EpochRef,
    group: age::x25519::Identity,
    /// Sorted recipient keys, newline-separated (identifies the epoch).
    recipients: String,
    /// The epoch key's sealed files, by bucket.
    files: Vec<(u16, Vec<u8>)>,
}

impl Sealer {
    /// Reuses the newest epoch while the recipients (the author and every
    /// current friend) are the same; any change starts a new epoch, so a
    /// removed friend cannot read what is sealed from now on.
    fn prepare(store: &Store, keys: &keys::Keys) -> anyhow::Result<Sealer> {
        let mut recipients: Vec<String> = store
            .friends()?
            .into_iter()
            .filter(|f| f.state == "friend")
            .map(|f| f.encryption_key)
            .collect();
        recipients.push(keys.encryption_public());
        recipients.sort();
        recipients.dedup();
        let buckets = protocol::epoch_buckets(&recipients);
        let recipients = recipients.join("\n");
        if let Some((epoch, identity, r)) = store.my_epoch()? {
            let files = store.epoch_files(epoch)?;
            // An epoch from before bucket counts were stored used ceil(n / 64).
            let sealed_with = store.my_epoch_buckets(epoch)?.unwrap_or_else(|| {
                r.lines()
                    .count()
                    .div_ceil(protocol::EPOCH_BUCKET)
                    .clamp(1, u16::MAX as usize) as u16
            });
            if r == recipients && !files.is_empty() && sealed_with == buckets {
                let group = identity
                    .parse()
                    .map_err(|e| anyhow!("stored group key of epoch {epoch} is damaged: {e}"))?;
                let at = federation::private::EpochRef { epoch, buckets };
                return Ok(Sealer {
                    at,
                    group,
                    recipients,
                    files,
                });
            }
        }
        let epoch = store.my_epoch()?.map_or(1, |(e, _, _)| e + 1);
        let group = age::x25519::Identity::generate();
        let list: Vec<String> = recipients.lines().map(str::to_string).collect();
        let files = federation::private::seal_epoch_buckets(&group, &list)?;
        use age::secrecy::ExposeSecret as _;
        store.add_my_epoch(epoch, group.to_string().expose_secret(), &recipients)?;
        store.set_my_epoch_buckets(epoch, buckets)?;
        for (b, bytes) in &files {
            store.add_epoch_file(epoch, *b, bytes)?;
        }
        let at = federation::private::EpochRef { epoch, buckets };
        Ok(Sealer {
            at,
            group,
            recipients,
            files,
        })
    }

    /// `federation/private/<id>.age`; the id is derived from a signature so
    /// it reveals nothing about the post and stays stable across builds.
    fn blob_path(&self, keys: &keys::Keys, e: &Entry) -> String {
        use ed25519_dalek::Signer as _;
        let sig = keys
            .signing
            .sign(format!("microsocial private-post id\n{}", e.source).as_bytes());
        let id: String = sig.to_bytes()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{}{id}.age", protocol::PRIVATE_DIR)
    }
}

/// Friends and their cached posts from the state store, for the timeline.
fn friends_from_store(
    store: &Store,
    private: bool,
) -> anyhow::Result<(Vec<FriendInfo>, Vec<FriendPost>)> {
    let friends: Vec<FriendInfo> = store
        .friends()?
        .into_iter()
        .filter(|f| f.state == "friend")
        .map(|f| FriendInfo {
            url: f.url,
            name: f.name,
            avatar: f.avatar,
        })
        .collect();
    let index: HashMap<&str, usize> = friends
        .iter()
        .enumerate()
        .map(|(i, f)| (f.url.as_str(), i))
        .collect();
    let mut posts = Vec::new();
    for it in store.friend_items(private)? {
        let (Some(&friend), Ok(date)) = (
            index.get(it.friend.as_str()),
            DateTime::parse_from_rfc3339(&it.published),
        ) else {
            continue; // damaged row: leave it out rather than fail the build
        };
        let f = &friends[friend];
        let mut fp = Fp::new(0)
            .str(&it.id)
            .str(&it.content_html)
            .str(it.title.as_deref().unwrap_or(""))
            .str(&it.published)
            .str(it.updated.as_deref().unwrap_or(""))
            .str(&f.name)
            .str(f.avatar.as_deref().unwrap_or(""));
        for t in &it.tags {
            fp = fp.str(t);
        }
        posts.push(FriendPost {
            friend,
            url: it.id,
            title: it.title,
            content_html: it.content_html,
            date,
            updated: it
                .updated
                .as_deref()
                .and_then(|u| DateTime::parse_from_rfc3339(u).ok()),
            tags: it.tags,
            fingerprint: fp.done(),
            private: it.private,
        });
    }
    Ok((friends, posts))
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

pub fn build(opts: &Options) -> anyhow::Result<Report> {
    let started = Instant::now();
    let mut timer = Timer::new();
    let out = Output::new(&opts.output, &keys::private_dir(&opts.root))?;
    let _lock = out.lock()?;
    out.recover()?;
    let cache_file = cache::path(&opts.root, &opts.output);
    let cache = if opts.force {
        Cache::default()
    } else {
        Cache::load(&cache_file)
    };
    timer.lap("cache load");
    let Loaded {
        mut site,
        mut htmls,
        theme,
        config_bytes,
        sources,
        link_problems,
    } = load(
        &opts.root,
        opts.drafts,
        opts.base_url.as_deref(),
        &cache,
        opts.force,
    )?;
    timer.lap("content");
    if !link_problems.is_empty() {
        return Err(Problems(link_problems).into());
    }
    let keys = keys::ensure(&opts.root)?;
    let mut store = Store::open(&opts.root)?;
    let (friends, friend_posts) = friends_from_store(&store, false)?;
    site.set_friends(friends, friend_posts);
    timer.lap("friends");

    // A page changes when its own inputs or anything every page shows changes.
    let mut globals = Fp::new(xxhash_rust::xxh3::xxh3_128(&config_bytes))
        .str(site.base_url())
        .num(theme.fingerprint())
        .str(env!("CARGO_PKG_VERSION"))
        .num(opts.drafts as u128);
    for &i in &site.pages {
        globals = globals
            .str(&site.entries[i].label)
            .str(&site.entries[i].slug);
    }
    let globals = globals.done();
    let entry_fp: Vec<u128> = site
        .entries
        .iter()
        .map(|e| {
            let mut fp = Fp::new(e.hash).str(&e.label);
            for target in &e.source_links {
                fp = fp.str(site.url_of_source(target).unwrap_or_default());
            }
            fp.done()
        })
        .collect();

    let mut items: Vec<(String, u128, Item)> = render::plan(&site, globals, &entry_fp)
        .into_iter()
        .map(|p| (p.path, p.fingerprint, Item::Page(p.job)))
        .collect();
    for (rel, asset) in &theme.statics {
        items.push((rel.clone(), asset_fp(asset), Item::Asset(asset.clone())));
    }
    let discovery = serde_json::to_vec_pretty(&federation::discovery(&site.config, &keys))?;
    items.push((
        protocol::DISCOVERY_PATH.into(),
        xxhash_rust::xxh3::xxh3_128(&discovery),
        Item::Bytes(discovery),
    ));
    // Friends-only posts: sealed to the current epoch's group key.
    let sealer = if opts.publish_log && !site.private_posts.is_empty() {
        Some(Sealer::prepare(&store, &keys)?)
    } else {
        None
    };
    if let Some(sealer) = &sealer {
        for (k, (bucket, _)) in sealer.files.iter().enumerate() {
            items.push((
                format!(
                    "{}{}",
                    protocol::PRIVATE_DIR,
                    protocol::epoch_file(sealer.at.epoch, *bucket)
                ),
                Fp::new(globals)
                    .str("epoch")
                    .num(sealer.at.epoch as u128)
                    .num(*bucket as u128)
                    .str(&sealer.recipients)
                    .done(),
                Item::EpochFile(k),
            ));
        }
        for &i in &site.private_posts {
            items.push((
                sealer.blob_path(&keys, &site.entries[i]),
                Fp::new(globals)
                    .str("sealed")
                    .num(entry_fp[i])
                    .num(sealer.at.epoch as u128)
                    .done(),
                Item::Sealed(i),
            ));
        }
    }
    let mut change_log = feedlog::Pending::none(&store)?;
    if opts.publish_log {
        let mut current: Vec<feedlog::Published> = site
            .posts
            .iter()
            .map(|&i| feedlog::Published {
                id: site.entry_url(&site.entries[i]),
                hash: format!("{:032x}", entry_fp[i]),
                private: false,
            })
            .collect();
        if let Some(sealer) = &sealer {
            for &i in &site.private_posts {
                current.push(feedlog::Published {
                    id: format!(
                        "{}{}",
                        site.base_url(),
                        sealer.blob_path(&keys, &site.entries[i])
                    ),
                    hash: format!("{:032x}", entry_fp[i]),
                    private: true,
                });
            }
        }
        let published = store.published()?;
        let first_sync = published.is_empty() && store.last_seq()? == 0;
        let diff = feedlog::diff(&current, &published, first_sync);
        if !diff.upserts.is_empty() {
            let need: HashSet<usize> = diff
                .upserts
                .iter()
                .filter(|&&k| !current[k].private)
                .map(|&k| site.posts[k])
                .collect();
            ensure_html(&site, &sources, &mut htmls, &need)?;
        }
        // Stored only once the output that publishes it is live.
        change_log = feedlog::pending(&store, &current, &diff, &|k| {
            feed_item(&site, &htmls, site.posts[k])
        })?;
        let last_seq = change_log.last_seq();
        // The log id too: a restarted log can reach the same last_seq.
        items.push((
            protocol::FEED_PATH.into(),
            Fp::new(globals)
                .num(last_seq as u128)
                .str(&store.log_id()?)
                .done(),
            Item::FeedHead,
        ));
        for n in 1..=if last_seq == 0 {
            0
        } else {
            protocol::page_of(last_seq)
        } {
            let version = feedlog::page_version(n, last_seq);
            items.push((
                protocol::page_path(n),
                Fp::new(globals).num(n as u128).num(version as u128).done(),
                Item::FeedPage(n),
            ));
        }
    }
    // Entries and sources are index-aligned (load keeps the scan order).
    for &i in site.posts.iter().chain(&site.pages) {
        let e = &site.entries[i];
        let folder = sources[i].abs.parent().unwrap_or(Path::new(""));
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
    check_collisions(&items)?;
    timer.lap("plan");

    // The cache is a hint: an output missing or changed on disk is dirty.
    let dirty: Vec<usize> = (0..items.len())
        .into_par_iter()
        .filter(|&k| {
            opts.force
                || cache.outputs.get(&items[k].0).is_none_or(|s| {
                    s.fp != items[k].1 || !s.matches_disk(&opts.output.join(&items[k].0))
                })
        })
        .collect();
    // Reported as a full build when most of the site is rewritten.
    let full = opts.force
        || cache.outputs.is_empty()
        || !opts.output.is_dir()
        || dirty.len() * 2 > items.len();
    let need: HashSet<usize> = dirty
        .iter()
        .filter_map(|&k| match items[k].2 {
            Item::Page(job) => Some(render::needed_entries(&site, job)),
            Item::Sealed(i) => Some(vec![i]),
            _ => None,
        })
        .flatten()
        .collect();
    ensure_html(&site, &sources, &mut htmls, &need)?;
    // The store is not shared across threads: make feed documents up front.
    let site_url = protocol::normalize_url(site.base_url()).unwrap_or_default();
    let mut feed_docs: HashMap<usize, Vec<u8>> = HashMap::new();
    for &k in &dirty {
        match items[k].2 {
            Item::FeedHead => {
                feed_docs.insert(k, feedlog::head_bytes(&store, &change_log, &site_url)?);
            }
            Item::FeedPage(n) => {
                feed_docs.insert(k, feedlog::page_bytes(&store, &change_log, &site_url, n)?);
            }
            _ => {}
        }
    }
    let private = match &opts.private_output {
        Some(_) => Some(private_data(&store)?),
        None => None,
    };
    timer.lap("markdown");
    let renderer = Renderer::new(&site, &theme, &htmls)?;
    // Nothing to write or remove: the live tree stays, no staging at all.
    let untouched = dirty.is_empty()
        && opts.output.is_dir()
        && cache.outputs.len() == items.len()
        && items.iter().all(|i| cache.outputs.contains_key(&i.0));
    let txn = (!untouched).then(|| out.begin()).transpose()?;
    let dirty_set: HashSet<usize> = dirty.iter().copied().collect();

    // Every build stages a whole tree: written files and links to kept
    // ones. (index, new stamp, written?)
    let results: Vec<(usize, Stamp, bool)> = (0..items.len())
        .into_par_iter()
        .map(|k| {
            let (rel, fp, src) = &items[k];
            let old = cache.outputs.get(rel);
            if !dirty_set.contains(&k) {
                if let Some(txn) = &txn {
                    txn.keep(rel)?;
                }
                return Ok((
                    k,
                    *old.ok_or_else(|| anyhow!("internal: no stamp for {rel}"))?,
                    false,
                ));
            }
            let bytes = match src {
                Item::Page(job) => renderer.render(*job)?,
                Item::Asset(Asset::Embedded(b)) => b.to_vec(),
                Item::Asset(Asset::File { path, .. }) => std::fs::read(path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
                Item::Bytes(b) => b.clone(),
                Item::Sealed(i) => {
                    let sealer = sealer
                        .as_ref()
                        .ok_or_else(|| anyhow!("internal: no epoch for {rel}"))?;
                    let item = feed_item(&site, &htmls, *i)?;
                    federation::private::seal_post(
                        &item,
                        &keys.signing,
                        &sealer.group.to_public(),
                        sealer.at,
                    )?
                }
                Item::EpochFile(f) => sealer
                    .as_ref()
                    .and_then(|s| s.files.get(*f))
                    .map(|(_, b)| b.clone())
                    .ok_or_else(|| anyhow!("internal: epoch file {rel} missing"))?,
                Item::FeedHead | Item::FeedPage(_) => feed_docs
                    .get(&k)
                    .cloned()
                    .ok_or_else(|| anyhow!("internal: feed document {rel} was not prepared"))?,
            };
            let txn = txn
                .as_ref()
                .ok_or_else(|| anyhow!("internal: {rel} changed in an untouched build"))?;
            let hash = xxhash_rust::xxh3::xxh3_128(&bytes);
            // Same bytes as the intact live file: keep it (and its mtime).
            if let Some(o) = old.filter(|o| o.hash == hash) {
                if o.matches_disk(&opts.output.join(rel)) {
                    txn.keep(rel)?;
                    return Ok((k, Stamp { fp: *fp, ..*o }, false));
                }
            }
            txn.write(rel, &bytes)?;
            Ok((k, Stamp::of_file(*fp, &bytes, &txn.path(rel))?, true))
        })
        .collect::<anyhow::Result<_>>()?;

    timer.lap("render");
    let mut outputs: HashMap<String, Stamp> = HashMap::with_capacity(items.len());
    let mut kept = Vec::with_capacity(items.len());
    for (k, stamp, w) in results {
        if !w {
            kept.push(k);
        }
        outputs.insert(items[k].0.clone(), stamp);
    }
    let written = items.len() - kept.len();
    let deleted = cache
        .outputs
        .keys()
        .filter(|p| !outputs.contains_key(p.as_str()))
        .count();
    let report = Report {
        outputs: items.len(),
        written,
        deleted: if full { 0 } else { deleted },
        full,
        elapsed: Duration::ZERO,
    };
    crate::faultpoint::at("staged")?;
    if let Some(txn) = txn {
        let kept: Vec<&str> = kept.iter().map(|&k| items[k].0.as_str()).collect();
        // What the live tree holds is known only from a trusted cache.
        let old: Option<Vec<&str>> =
            (!cache.outputs.is_empty()).then(|| cache.outputs.keys().map(String::as_str).collect());
        txn.commit(&|rel| outputs.contains_key(rel), &kept, old.as_deref())?;
    }
    timer.lap("commit");
    crate::faultpoint::at("swapped")?;
    change_log
        .commit(&mut store)
        .context("the new site is live, but its change log could not be stored")?;
    drop(store);
    drop(renderer);
    if let (Some(dir), Some(data)) = (&opts.private_output, private) {
        let view = PrivateView {
            theme: &theme,
            sources: &sources,
            globals,
            entry_fp: &entry_fp,
        };
        write_private_view(&view, &mut site, &mut htmls, data, dir)?;
        timer.lap("private");
    }

    let new_cache = Cache::new(site.entries, outputs);
    // A build that changed nothing leaves the cache as it was.
    let same_entries = cache.entries.len() == new_cache.entries.len()
        && cache.entries.iter().zip(&new_cache.entries).all(|(a, b)| {
            a.source == b.source
                && a.mtime_ns == b.mtime_ns
                && a.size == b.size
                && a.assets == b.assets
        });
    if !same_entries || new_cache.outputs != cache.outputs {
        // The site is live: an unsaved cache costs the next build time only.
        if let Err(e) = new_cache.save(&cache_file) {
            eprintln!("warning: the site is built, but the build cache was not saved: {e:#}");
            // The next build cannot know what the swapped-out tree holds.
            out.forget_previous()?;
        }
    }
    timer.lap("cache save");
    Ok(Report {
        elapsed: started.elapsed(),
        ..report
    })
}

/// `check`: every problem in config, front matter, templates and internal links.
pub fn check(root: &Path, drafts: bool) -> anyhow::Result<Vec<Problem>> {
    let loaded = match load(root, drafts, None, &Cache::default(), true) {
        Ok(l) => l,
        Err(e) => {
            return match e.downcast::<Problems>() {
                Ok(p) => Ok(p.0),
                Err(e) => Err(e),
            }
        }
    };
    let site = &loaded.site;
    Renderer::new(site, &loaded.theme, &loaded.htmls)?;
    let mut targets: HashSet<String> = render::plan(site, 0, &vec![0; site.entries.len()])
        .into_iter()
        .map(|p| p.path)
        .collect();
    targets.extend(loaded.theme.statics.iter().map(|s| s.0.clone()));
    for &i in site.posts.iter().chain(&site.pages) {
        let e = &site.entries[i];
        let prefix = format!("{}/", e.source_dir());
        for a in &e.assets {
            targets.insert(format!(
                "{}{}",
                entry_dir(e),
                a.strip_prefix(&prefix).unwrap_or(a)
            ));
        }
    }
    let base_url = site.base_url();
    let base_path = site.config.site.base_path();
    let mut problems = loaded.link_problems.clone();
    for &i in site.posts.iter().chain(&site.pages) {
        let Some(html) = &loaded.htmls[i] else {
            continue;
        };
        for (target, line) in &html.links {
            let internal = target.strip_prefix(base_url).or_else(|| {
                target
                    .starts_with('/')
                    .then(|| target.strip_prefix(base_path))
                    .flatten()
            });
            let Some(rel) = internal else { continue };
            let rel = rel.split(['#', '?']).next().unwrap_or("");
            let file = if rel.is_empty() || rel.ends_with('/') {
                format!("{rel}index.html")
            } else {
                rel.to_string()
            };
            if !targets.contains(&file) && !targets.contains(&format!("{file}/index.html")) {
                problems.push(Problem::new(
                    &display_path(&site.entries[i].source),
                    *line,
                    format!("link to `{target}`: nothing is built at that address"),
                ));
            }
        }
    }
    problems.sort();
    Ok(problems)
}

/// Newest entries the private view's timeline shows.
const PRIVATE_VIEW_ENTRIES: usize = 50;

/// Renders the owner's private view (all posts, friends-only ones included,
/// and message threads) into `dir`, replacing it whole.
struct PrivateView<'a> {
    theme: &'a Theme,
    sources: &'a [Source],
    globals: u128,
    entry_fp: &'a [u128],
}

fn write_private_view(
    view: &PrivateView<'_>,
    site: &mut Site,
    htmls: &mut [Option<Html>],
    data: PrivateData,
    dir: &Path,
) -> anyhow::Result<()> {
    let (theme, sources) = (view.theme, view.sources);
    let own: Vec<usize> = site
        .posts
        .iter()
        .chain(&site.private_posts)
        .copied()
        .collect();
    site.set_timeline(own, data.friends, data.posts);
    // Skip the render when nothing the view shows has changed.
    let mut fp = Fp::new(view.globals).str("private");
    for r in site.timeline.iter().take(PRIVATE_VIEW_ENTRIES) {
        fp = match *r {
            crate::site::TimelineRef::Own(i) => fp.num(view.entry_fp[i]),
            crate::site::TimelineRef::Friend(j) => fp.num(site.friend_posts[j].fingerprint),
        };
    }
    for (peer, name, messages) in &data.threads {
        fp = fp
            .str(peer)
            .str(name)
            .num(data.unread.get(peer).copied().unwrap_or(0) as u128);
        for m in messages {
            fp = fp.str(&m.id).str(&m.state);
        }
    }
    let stamp = format!("{:032x}", fp.done());
    let stamp_file = dir.with_extension("fingerprint");
    if dir.is_dir() && std::fs::read_to_string(&stamp_file).is_ok_and(|s| s == stamp) {
        return Ok(());
    }
    let need: HashSet<usize> = site
        .timeline
        .iter()
        .take(PRIVATE_VIEW_ENTRIES)
        .filter_map(|r| match r {
            crate::site::TimelineRef::Own(i) => Some(*i),
            _ => None,
        })
        .collect();
    ensure_html(site, sources, htmls, &need)?;
    // Friends' images: links, not loads, unless the owner chose otherwise.
    let images = site.config.federation.remote_images;
    for r in site.timeline.iter().take(PRIVATE_VIEW_ENTRIES) {
        if let crate::site::TimelineRef::Friend(j) = *r {
            let p = &mut site.friend_posts[j];
            p.content_html =
                federation::sanitize::clean_for_private_view(&p.content_html, &p.url, images);
        }
    }
    let renderer = Renderer::new(site, theme, htmls)?;
    let threads: Vec<render::Thread> = data
        .threads
        .iter()
        .map(|(peer, name, messages)| render::Thread {
            slug: format!(
                "{}-{:08x}",
                slug::slugify(name),
                xxhash_rust::xxh3::xxh3_64(peer.as_bytes()) as u32
            ),
            name,
            url: peer,
            unread: data.unread.get(peer).copied().unwrap_or(0),
            messages,
        })
        .collect();
    let mut files = vec![(
        "index.html".to_string(),
        renderer.render_home(PRIVATE_VIEW_ENTRIES, &threads)?,
    )];
    for t in &threads {
        files.push((
            format!("messages/{}/index.html", t.slug),
            renderer.render_thread(t)?,
        ));
    }
    crate::federation::keys::create_private_dir(dir.parent().unwrap_or(dir))?;
    let out = Output::new_private(dir, dir.parent().unwrap_or(dir))?;
    let _lock = out.lock()?;
    out.recover()?;
    let txn = out.begin()?;
    for (path, bytes) in &files {
        txn.write(path, bytes)?;
    }
    txn.commit(&|rel| files.iter().any(|(p, _)| p == rel), &[], None)?;
    crate::fsutil::write_private(&stamp_file, stamp.as_bytes())
}

/// One post as the federation feed carries it.
fn feed_item(site: &Site, htmls: &[Option<Html>], i: usize) -> anyhow::Result<protocol::Item> {
    let e = &site.entries[i];
    let html = htmls[i]
        .as_ref()
        .ok_or_else(|| anyhow!("internal: {} was not rendered", e.source))?;
    Ok(protocol::Item {
        url: site.entry_url(e),
        title: e.title.clone(),
        content_html: html.content.clone(),
        published: e.date.to_rfc3339(),
        updated: e.updated.map(|d| d.to_rfc3339()),
        tags: e.tags.clone(),
    })
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

fn check_collisions(items: &[(String, u128, Item)]) -> anyhow::Result<()> {
    let mut seen: HashSet<&str> = HashSet::new();
    let dupes: Vec<&str> = items
        .iter()
        .filter(|i| !seen.insert(i.0.as_str()))
        .map(|i| i.0.as_str())
        .collect();
    if dupes.is_empty() {
        return Ok(());
    }
    Err(anyhow!(
        "two sources would write the same output file: {} (rename a static file or page)",
        dupes.join(", ")
    ))
}
