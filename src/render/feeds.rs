//! JSON Feed 1.1 (serialised with serde, so escaping is never hand-written) and
//! the data behind the Atom feed and sitemap templates.

use super::PostCtx;
use crate::content::Entry;
use crate::site::Site;
use serde::Serialize;

/// Newest publication or update time of any post: the feeds' `updated`.
pub fn updated(site: &Site) -> String {
    site.posts
        .iter()
        .map(|&i| {
            let e: &Entry = &site.entries[i];
            e.updated.unwrap_or(e.date).max(e.date)
        })
        .max()
        .unwrap_or(chrono::DateTime::UNIX_EPOCH.fixed_offset())
        .to_rfc3339()
}

pub struct SitemapEntry {
    loc: String,
    lastmod: Option<String>,
}

/// The sitemap, written directly: it lists every page, and a template loop
/// over 10,000 entries cost more than the rest of an incremental build.
pub fn sitemap_xml(site: &Site) -> Vec<u8> {
    let entries = sitemap_entries(site);
    let mut out = String::with_capacity(entries.len() * 96 + 128);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for e in &entries {
        out.push_str("  <url><loc>");
        out.push_str(&super::escape(&e.loc));
        out.push_str("</loc>");
        if let Some(m) = &e.lastmod {
            out.push_str("<lastmod>");
            out.push_str(m);
            out.push_str("</lastmod>");
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out.into_bytes()
}

fn sitemap_entries(site: &Site) -> Vec<SitemapEntry> {
    let base = site.base_url();
    let mut out = vec![SitemapEntry {
        loc: base.to_string(),
        lastmod: site.posts.first().map(|_| updated(site)),
    }];
    for &i in site.posts.iter().chain(&site.pages) {
        let e = &site.entries[i];
        out.push(SitemapEntry {
            loc: site.entry_url(e),
            lastmod: (e.kind == crate::content::Kind::Post)
                .then(|| e.updated.unwrap_or(e.date).to_rfc3339()),
        });
    }
    out.push(SitemapEntry {
        loc: format!("{base}tags/"),
        lastmod: None,
    });
    for t in &site.tags {
        out.push(SitemapEntry {
            loc: format!("{base}tags/{}/", t.slug),
            lastmod: None,
        });
    }
    out
}

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icon: Option<String>,
    authors: Vec<Author<'a>>,
    language: &'a str,
    items: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar: Option<String>,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    content_html: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    date_published: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
}

pub fn json_feed(site: &Site, posts: &[PostCtx<'_>]) -> anyhow::Result<Vec<u8>> {
    let cfg = &site.config.site;
    let avatar = cfg.avatar_url();
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &cfg.title,
        home_page_url: &cfg.base_url,
        feed_url: format!("{}feed.json", cfg.base_url),
        description: cfg.bio.as_deref(),
        icon: avatar.clone(),
        authors: vec![Author {
            name: &cfg.author,
            url: &cfg.base_url,
            avatar,
        }],
        language: &cfg.language,
        items: posts
            .iter()
            .map(|p| Item {
                id: &p.url,
                url: &p.url,
                title: p.title,
                content_html: &p.content,
                summary: (!p.description.is_empty()).then_some(&*p.description),
                date_published: &p.date,
                date_modified: p.updated.as_deref(),
                tags: p.tag_names(),
            })
            .collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&feed)?;
    bytes.push(b'\n');
    Ok(bytes)
}
