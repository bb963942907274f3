//! The timeline: the owner's posts and friends' (friends-only included),
//! newest first, paginated, with a "N new" link when more arrived.

use crate::actions::timeline;
use crate::web::reply::Reply;
use crate::web::{view, Ctx};
use serde::Serialize;

const PER_PAGE: usize = 20;

#[derive(Serialize)]
pub struct Entry {
    author: String,
    /// Their site, and its host shown beside the name.
    site: String,
    host: String,
    monogram: String,
    mine: bool,
    friends_only: bool,
    title: Option<String>,
    /// Sanitised HTML (friends) or escaped text (own posts).
    html: String,
    link: Option<String>,
    iso: String,
    when: String,
    #[serde(skip)]
    ms: i64,
}

fn entry(ctx: &Ctx, it: timeline::Item) -> Entry {
    let ms = it.date.timestamp_millis();
    Entry {
        host: crate::siteurl::host(&it.site).to_string(),
        monogram: view::monogram(&it.author),
        author: it.author,
        site: it.site,
        mine: it.mine,
        friends_only: it.friends_only,
        title: it.title,
        html: it.html,
        link: it.link,
        iso: view::iso(ms),
        when: ctx.when(ms),
        ms,
    }
}

/// `GET /home/` (`?page=N`, `?show=new`).
pub fn show(ctx: &Ctx) -> Reply {
    match build(ctx) {
        Ok(c) => ctx.render("timeline.html", &c),
        Err(e) => ctx.failed(&e),
    }
}

fn build(ctx: &Ctx) -> anyhow::Result<tera::Context> {
    let items = timeline::items(ctx.root(), &ctx.config, &ctx.store())?;
    let all: Vec<Entry> = items.into_iter().map(|it| entry(ctx, it)).collect();
    let newest = all.first().map_or(0, |e| e.ms);
    let mut mark = ctx.session.seen_until;
    if mark == 0 || ctx.query.get("show") == Some("new") {
        mark = newest;
        ctx.store().set_seen_until(&ctx.session.id, mark)?;
    }
    let new_count = all.iter().filter(|e| e.ms > mark).count();
    let shown: Vec<Entry> = all.into_iter().filter(|e| e.ms <= mark).collect();
    let page: usize = ctx
        .query
        .get("page")
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let pages = shown.len().div_ceil(PER_PAGE).max(1);
    let entries: Vec<Entry> = shown
        .into_iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .collect();
    let mut c = ctx.page("timeline", "Timeline");
    crate::web::screens::conversation::annotate(ctx, &mut c)?;
    c.insert("entries", &entries);
    c.insert("new_count", &new_count);
    c.insert("first", &(page == 1));
    c.insert(
        "newer",
        &(page > 1).then(|| format!("/home/?page={}", page - 1)),
    );
    c.insert(
        "older",
        &(page < pages).then(|| format!("/home/?page={}", page + 1)),
    );
    Ok(c)
}
