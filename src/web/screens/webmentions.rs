//! Received Webmentions: the held ones first, with Approve / Reject.

use crate::actions::webmentions as act;
use crate::config::Config;
use crate::store::Webmention;
use crate::web::reply::Reply;
use crate::web::screens::notifications::{times, web_link};
use crate::web::Ctx;
use serde::Serialize;

/// Longest excerpt of a mention's content shown here.
const EXCERPT: usize = 300;

#[derive(Serialize)]
struct Shown {
    id: String,
    source: String,
    source_link: Option<String>,
    target: String,
    status: String,
    /// Plain text (verification keeps the h-entry's text), escaped here.
    excerpt: String,
    author: Option<String>,
    held: bool,
    iso: String,
    when: String,
}

fn shown(config: &Config, w: Webmention) -> Shown {
    let (iso, when) = times(config, w.received);
    let status = w.status().to_string();
    Shown {
        held: w.state == "verified" && w.decision.is_none(),
        source_link: web_link(&w.source),
        excerpt: w
            .content
            .as_deref()
            .map(|t| crate::content::excerpt(t, EXCERPT))
            .unwrap_or_default(),
        author: w.author_name.clone().or(w.author_url.clone()),
        id: w.id,
        source: w.source,
        target: w.target,
        status,
        iso,
        when,
    }
}

/// `GET /home/webmentions`
pub fn show(ctx: &Ctx) -> Reply {
    let build = || -> anyhow::Result<tera::Context> {
        let (config, _) = Config::load(ctx.root())?;
        let mut all: Vec<Shown> = act::list(&ctx.node()?)?
            .into_iter()
            .map(|w| shown(&config, w))
            .collect();
        // Held first, each group newest first (the list's order).
        all.sort_by_key(|w| !w.held);
        let mut c = ctx.page("notifications", "Webmentions");
        c.insert("mentions", &all);
        c.insert("zone_name", config.site.timezone.name());
        Ok(c)
    };
    match build() {
        Ok(c) => ctx.render("webmentions.html", &c),
        Err(e) => ctx.failed(&e),
    }
}

/// `POST /home/webmentions/approve` and `/reject` with `id`.
pub fn decide(ctx: &Ctx, approve: bool) -> Reply {
    ctx.act("/home/webmentions", |node| {
        let id = ctx.form.need("id")?;
        if approve {
            act::approve(node, id)
        } else {
            act::reject(node, id)
        }
    })
}
