//! The owner's timeline as the web interface shows it: the owner's posts
//! (read from `content/`) and friends' items (from the store), friends-only
//! included, newest first. The screen pages and formats them.

use crate::config::Config;
use crate::content::{self, Kind};
use crate::federation::sanitize;
use crate::store::Store;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// One timeline entry.
#[derive(Debug, Clone)]
pub struct Item {
    pub author: String,
    /// Their site (an http(s) URL, or empty).
    pub site: String,
    pub mine: bool,
    pub friends_only: bool,
    pub title: Option<String>,
    /// Sanitised HTML (friends) or escaped text (own posts).
    pub html: String,
    pub link: Option<String>,
    pub date: chrono::DateTime<chrono::FixedOffset>,
}

impl Item {
    fn new(
        author: &str,
        site: &str,
        mine: bool,
        date: chrono::DateTime<chrono::FixedOffset>,
    ) -> Item {
        Item {
            author: author.to_string(),
            site: web_link(site).unwrap_or_default(),
            mine,
            friends_only: false,
            title: None,
            html: String::new(),
            link: None,
            date,
        }
    }
}

/// Every entry, newest first.
pub fn items(root: &Path, config: &Config, store: &Store) -> anyhow::Result<Vec<Item>> {
    let mut all = own(root, config)?;
    all.extend(friends(store, config)?);
    all.sort_by_key(|e| std::cmp::Reverse(e.date.timestamp_millis()));
    Ok(all)
}

/// Only web links: a friend's feed could name `javascript:` as an item id.
fn web_link(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| url.to_string())
}

/// What the timeline needs of one of the owner's posts.
#[derive(Clone)]
struct OwnPost {
    date: chrono::DateTime<chrono::FixedOffset>,
    title: Option<String>,
    excerpt: String,
    friends_only: bool,
    dir: String,
}

/// Own posts by source file, kept while its size and mtime stay the same:
/// parsing every post on each page view made the timeline of a 1,000-post
/// site take 250 ms (debug build).
type Parsed = HashMap<PathBuf, (u64, u64, Option<OwnPost>)>;

fn parsed_cache() -> &'static Mutex<Parsed> {
    static CACHE: OnceLock<Mutex<Parsed>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// Resolves nothing: the timeline shows a post's text, not its links.
struct NoLinks<'a>(&'a str);

impl content::markdown::LinkResolver for NoLinks<'_> {
    fn source_url(&self, _: &str) -> Option<String> {
        None
    }
    fn asset_base(&self) -> &str {
        "/"
    }
    fn source_dir(&self) -> &str {
        self.0
    }
}

/// The post in `source`; None for a draft or a file that does not parse
/// (`microsocial check` names those).
fn own_post(source: &content::Source) -> Option<OwnPost> {
    let parsed = content::parse(source, &source.abs).ok()?;
    let e = &parsed.entry;
    if e.draft {
        return None;
    }
    let body = parsed.text.get(parsed.body_start..).unwrap_or("");
    // The words without markdown; links are not followed for a preview.
    let plain = content::markdown::render(body, &NoLinks(e.source_dir())).text;
    Some(OwnPost {
        date: e.date,
        title: e.title.clone(),
        excerpt: content::excerpt(&plain, 400),
        friends_only: e.friends_only,
        dir: crate::site::entry_dir(e),
    })
}

/// The owner's published posts (drafts left out), from `content/`.
fn own(root: &Path, config: &Config) -> anyhow::Result<Vec<Item>> {
    let dir = root.join("content");
    let mut cache = parsed_cache().lock().unwrap_or_else(|p| p.into_inner());
    let mut out = Vec::new();
    for source in content::scan(&dir)? {
        if source.kind != Kind::Post {
            continue;
        }
        let post = match cache.get(&source.abs) {
            Some((m, n, p)) if *m == source.mtime_ns && *n == source.size => p.clone(),
            _ => {
                let p = own_post(&source);
                cache.insert(
                    source.abs.clone(),
                    (source.mtime_ns, source.size, p.clone()),
                );
                p
            }
        };
        let Some(p) = post else { continue };
        let mut item = Item::new(&config.site.author, &config.site.base_url, true, p.date);
        item.friends_only = p.friends_only;
        item.title = p.title;
        item.html = tera::escape_html(&p.excerpt);
        if !p.friends_only {
            item.link = Some(format!("{}{}", config.site.base_url, p.dir));
        }
        out.push(item);
    }
    Ok(out)
}

fn friends(store: &Store, config: &Config) -> anyhow::Result<Vec<Item>> {
    let names: std::collections::HashMap<String, String> = store
        .friends()?
        .into_iter()
        .map(|f| (f.url, f.name))
        .collect();
    let images = config.federation.remote_images;
    let mut out = Vec::new();
    for it in store.friend_items(true)? {
        let Ok(date) = chrono::DateTime::parse_from_rfc3339(&it.published) else {
            continue; // a damaged row is left out, not fatal
        };
        let name = names
            .get(&it.friend)
            .map_or(it.friend.as_str(), String::as_str);
        let mut item = Item::new(name, &it.friend, false, date);
        item.friends_only = it.private;
        item.title = it.title.clone();
        // Sealed images this site opened load from /home/media/.
        item.html = crate::federation::media::localize(&sanitize::clean(
            &sanitize::clean_for_private_view(&it.content_html, &it.id, images),
            &it.id,
        ));
        item.link = web_link(&it.id);
        out.push(item);
    }
    Ok(out)
}
