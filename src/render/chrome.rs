//! What every page's context starts with: the site, its URLs and the
//! navigation. Typed, so the Tera context and the built-in theme's writer
//! (`builtin`) read the same values.

use crate::site::Site;
use serde::Serialize;
use tera::Context;

#[derive(Serialize)]
pub(super) struct SiteCtx {
    pub title: String,
    pub author: String,
    pub bio: Option<String>,
    pub avatar: Option<String>,
    pub language: String,
    pub base_url: String,
    pub base_path: String,
}

#[derive(Serialize)]
pub(super) struct Urls {
    pub home: String,
    pub atom: String,
    pub json_feed: String,
    pub tags: String,
    pub style: String,
    pub timeline: String,
    pub friends: String,
    pub discovery: String,
    pub webmention: String,
}

#[derive(Serialize)]
pub(super) struct NavItem {
    pub title: String,
    pub url: String,
}

pub(super) struct Chrome {
    pub site: SiteCtx,
    pub urls: Urls,
    pub nav: Vec<NavItem>,
    pub generator: String,
}

impl Chrome {
    pub fn new(site: &Site, base_path: &str) -> Chrome {
        let cfg = &site.config.site;
        let at = |rel: &str| format!("{base_path}{rel}");
        Chrome {
            site: SiteCtx {
                title: cfg.title.clone(),
                author: cfg.author.clone(),
                bio: cfg.bio.clone(),
                avatar: cfg.avatar_url(),
                language: cfg.language.clone(),
                base_url: cfg.base_url.clone(),
                base_path: base_path.to_string(),
            },
            urls: Urls {
                home: base_path.to_string(),
                atom: at("atom.xml"),
                json_feed: at("feed.json"),
                tags: at("tags/"),
                style: at("style.css"),
                timeline: at("timeline/"),
                friends: at("friends/"),
                discovery: at(".well-known/microsocial.json"),
                webmention: cfg.webmention_url(&site.config.federation),
            },
            nav: site
                .pages
                .iter()
                .map(|&i| {
                    let e = &site.entries[i];
                    NavItem {
                        title: e.label.clone(),
                        url: at(&site.entry_dir(e)),
                    }
                })
                .collect(),
            generator: format!("Microsocial {}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// The Tera context every page starts from.
    pub fn context(&self) -> Context {
        let mut base = Context::new();
        base.insert("site", &self.site);
        base.insert("urls", &self.urls);
        base.insert("nav", &self.nav);
        base.insert("generator", &self.generator);
        base
    }
}
