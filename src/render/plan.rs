//! The output plan: every file a build produces, with a fingerprint of all
//! its inputs (unchanged fingerprint, unchanged page).

use crate::content::Entry;
use crate::site::{paginate, Paging, Site, TimelineRef};

/// Newest posts carried by each feed.
pub const FEED_LIMIT: usize = 20;

/// One output file to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Entry(usize),
    /// A timeline page: all posts or one tag's (index into `Site::tags`);
    /// `archive` is None for the first page, else the archive page number.
    List {
        tag: Option<usize>,
        archive: Option<usize>,
    },
    Tags,
    /// The merged timeline of own and friends' posts.
    Timeline {
        archive: Option<usize>,
    },
    Friends,
    Atom,
    JsonFeed,
    Sitemap,
    NotFound,
    Robots,
}

pub struct Planned {
    /// Output-relative path, `/`-separated.
    pub path: String,
    pub job: Job,
    /// Hash of every input of the page; unchanged means the page is unchanged.
    pub fingerprint: u128,
}

/// Small helper for fingerprints.
pub struct Fp(xxhash_rust::xxh3::Xxh3);

impl Fp {
    pub fn new(seed: u128) -> Fp {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(&seed.to_le_bytes());
        Fp(h)
    }
    pub fn str(mut self, s: &str) -> Fp {
        self.0.update(&(s.len() as u64).to_le_bytes());
        self.0.update(s.as_bytes());
        self
    }
    pub fn num(mut self, n: u128) -> Fp {
        self.0.update(&n.to_le_bytes());
        self
    }
    pub fn done(self) -> u128 {
        self.0.digest128()
    }
}

pub(super) fn list_of(site: &Site, tag: Option<usize>) -> &[usize] {
    match tag {
        Some(t) => &site.tags[t].posts,
        None => &site.posts,
    }
}

fn list_dir(site: &Site, tag: Option<usize>) -> String {
    match tag {
        Some(t) => format!("tags/{}/", site.tags[t].slug),
        None => String::new(),
    }
}

pub(super) fn page_dir(site: &Site, tag: Option<usize>, archive: Option<usize>) -> String {
    match archive {
        Some(n) => format!("{}page/{n}/", list_dir(site, tag)),
        None => list_dir(site, tag),
    }
}

pub(super) fn timeline_dir(archive: Option<usize>) -> String {
    match archive {
        Some(n) => format!("timeline/page/{n}/"),
        None => "timeline/".into(),
    }
}

pub(super) fn range_of(paging: &Paging, archive: Option<usize>) -> std::ops::Range<usize> {
    match archive {
        Some(n) => paging.archives[n - 1].clone(),
        None => paging.home.clone(),
    }
}

/// The first page (None) and then every archive page of a paging.
fn pages_of(paging: &Paging) -> impl Iterator<Item = Option<usize>> {
    std::iter::once(None).chain((1..=paging.archives.len()).map(Some))
}

/// Every output of the site with its fingerprint. `entry_fp[i]` covers entry
/// `i`'s source and whatever its rendering depends on.
pub fn plan(site: &Site, globals: u128, entry_fp: &[u128]) -> Vec<Planned> {
    let mut out = Vec::with_capacity(site.posts.len() * 2 + 16);
    plan_entries(site, globals, entry_fp, &mut out);
    plan_lists(site, globals, entry_fp, &mut out);
    plan_timeline(site, globals, entry_fp, &mut out);
    plan_indexes(site, globals, entry_fp, &mut out);
    out
}

/// Posts (each depends on its neighbours' labels) and pages.
fn plan_entries(site: &Site, globals: u128, entry_fp: &[u128], out: &mut Vec<Planned>) {
    for (pos, &i) in site.posts.iter().enumerate() {
        let e = &site.entries[i];
        let mut fp = Fp::new(globals).str("post").num(entry_fp[i]);
        for n in [pos.checked_sub(1), Some(pos + 1)] {
            match n.and_then(|n| site.posts.get(n)) {
                Some(&j) => fp = fp.str(&site.entries[j].label).str(&site.entries[j].slug),
                None => fp = fp.str(""),
            }
        }
        out.push(Planned {
            path: format!("{}index.html", site.entry_dir(e)),
            job: Job::Entry(i),
            fingerprint: fp.done(),
        });
    }
    for &i in &site.pages {
        out.push(Planned {
            path: format!("{}index.html", site.entry_dir(&site.entries[i])),
            job: Job::Entry(i),
            fingerprint: Fp::new(globals).str("page").num(entry_fp[i]).done(),
        });
    }
}

/// The home list and each tag's list, with their archive pages.
fn plan_lists(site: &Site, globals: u128, entry_fp: &[u128], out: &mut Vec<Planned>) {
    let per = site.config.site.posts_per_page;
    for tag in std::iter::once(None).chain((0..site.tags.len()).map(Some)) {
        let list = list_of(site, tag);
        let paging = paginate(list.len(), per);
        let name = tag.map_or("", |t| site.tags[t].name.as_str());
        for archive in pages_of(&paging) {
            // A tag's pages all show how many posts it has.
            let shown_count = tag.map_or(0, |_| list.len());
            let mut fp = Fp::new(globals)
                .str("list")
                .str(name)
                .num(archive.unwrap_or(0) as u128)
                .num(paging.archives.len() as u128)
                .num(shown_count as u128);
            for &i in &list[range_of(&paging, archive)] {
                fp = fp.num(entry_fp[i]);
            }
            out.push(Planned {
                path: format!("{}index.html", page_dir(site, tag, archive)),
                job: Job::List { tag, archive },
                fingerprint: fp.done(),
            });
        }
    }
}

fn plan_timeline(site: &Site, globals: u128, entry_fp: &[u128], out: &mut Vec<Planned>) {
    let paging = paginate(site.timeline.len(), site.config.site.posts_per_page);
    for archive in pages_of(&paging) {
        let mut fp = Fp::new(globals)
            .str("timeline")
            .num(site.friends.len() as u128)
            .num(archive.unwrap_or(0) as u128)
            .num(paging.archives.len() as u128);
        for r in &site.timeline[range_of(&paging, archive)] {
            fp = match *r {
                TimelineRef::Own(i) => fp.num(entry_fp[i]),
                TimelineRef::Friend(j) => fp.num(site.friend_posts[j].fingerprint),
            };
        }
        out.push(Planned {
            path: format!("{}index.html", timeline_dir(archive)),
            job: Job::Timeline { archive },
            fingerprint: fp.done(),
        });
    }
}

/// The one-of-a-kind outputs: friends, tags, feeds, sitemap, 404, robots.
fn plan_indexes(site: &Site, globals: u128, entry_fp: &[u128], out: &mut Vec<Planned>) {
    let mut friends_fp = Fp::new(globals).str("friends");
    for (f, latest) in site
        .friends
        .iter()
        .zip(super::friends::latest_by_friend(site))
    {
        friends_fp = friends_fp
            .str(&f.url)
            .str(&f.name)
            .str(f.avatar.as_deref().unwrap_or(""))
            .str(f.bio.as_deref().unwrap_or(""))
            .num(f.since.map_or(0, |d| d.timestamp_millis()) as u128)
            .num(latest.map_or(0, |j| site.friend_posts[j].fingerprint));
    }
    let mut tags_fp = Fp::new(globals).str("tags");
    for t in &site.tags {
        tags_fp = tags_fp.str(&t.name).num(t.posts.len() as u128);
    }
    let mut feed_fp = Fp::new(globals).str("feed");
    for &i in site.posts.iter().take(FEED_LIMIT) {
        feed_fp = feed_fp.num(entry_fp[i]);
    }
    let feed_fp = feed_fp.done();
    let mut map_fp = Fp::new(globals).str("sitemap");
    for &i in site.posts.iter().chain(&site.pages) {
        let e = &site.entries[i];
        map_fp = map_fp.str(&e.slug).str(&lastmod(e));
    }
    for t in &site.tags {
        map_fp = map_fp.str(&t.slug);
    }
    let fixed = [
        ("friends/index.html", Job::Friends, friends_fp.done()),
        ("tags/index.html", Job::Tags, tags_fp.done()),
        ("atom.xml", Job::Atom, feed_fp),
        ("feed.json", Job::JsonFeed, feed_fp),
        ("sitemap.xml", Job::Sitemap, map_fp.done()),
    ];
    for (path, job, fingerprint) in fixed {
        out.push(Planned {
            path: path.into(),
            job,
            fingerprint,
        });
    }
    for (path, job) in [("404.html", Job::NotFound), ("robots.txt", Job::Robots)] {
        out.push(Planned {
            path: path.into(),
            job,
            fingerprint: Fp::new(globals).str(path).done(),
        });
    }
}

fn lastmod(e: &Entry) -> String {
    e.updated.unwrap_or(e.date).to_rfc3339()
}

/// Entries whose HTML a job needs.
pub fn needed_entries(site: &Site, job: Job) -> Vec<usize> {
    match job {
        Job::Entry(i) => vec![i],
        Job::List { tag, archive } => {
            let list = list_of(site, tag);
            let paging = paginate(list.len(), site.config.site.posts_per_page);
            list[range_of(&paging, archive)].to_vec()
        }
        Job::Timeline { archive } => {
            let paging = paginate(site.timeline.len(), site.config.site.posts_per_page);
            site.timeline[range_of(&paging, archive)]
                .iter()
                .filter_map(|r| match r {
                    TimelineRef::Own(i) => Some(*i),
                    TimelineRef::Friend(_) => None,
                })
                .collect()
        }
        Job::Atom | Job::JsonFeed => site.posts.iter().take(FEED_LIMIT).copied().collect(),
        _ => Vec::new(),
    }
}
