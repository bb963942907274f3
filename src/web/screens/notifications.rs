//! Notifications: newest first, each with its kind, sender, text, link and
//! time in the owner's zone; mark one or all read.

use crate::actions::notifications::{self as act, Which};
use crate::config::Config;
use crate::store::Notification;
use crate::web::reply::Reply;
use crate::web::Ctx;
use serde::Serialize;

#[derive(Serialize)]
struct Shown {
    id: i64,
    kind: String,
    from: String,
    text: String,
    /// Only web links: a sender chose this URL.
    link: Option<String>,
    iso: String,
    when: String,
    read: bool,
}

/// An http(s) URL, or nothing (never `javascript:` and the like).
pub fn web_link(url: &str) -> Option<String> {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| url.trim().to_string())
}

/// `when` in the owner's zone, and its RFC 3339 form for `<time>`.
pub fn times(config: &Config, ms: i64) -> (String, String) {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(at) => (
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            config.site.timezone.show(at).label(),
        ),
        None => (String::new(), "?".into()),
    }
}

fn shown(config: &Config, n: Notification) -> Shown {
    let (iso, when) = times(config, n.time);
    Shown {
        id: n.id,
        kind: n.kind.replace('.', " "),
        link: n.url.as_deref().and_then(web_link),
        from: n.from,
        text: n.text,
        iso,
        when,
        read: n.read,
    }
}

/// `GET /home/notifications`
pub fn show(ctx: &Ctx) -> Reply {
    let build = || -> anyhow::Result<tera::Context> {
        let (config, _) = Config::load(ctx.root())?;
        let list: Vec<Shown> = act::list(&ctx.web.store, false)?
            .into_iter()
            .map(|n| shown(&config, n))
            .collect();
        let mut c = ctx.page("notifications", "Notifications");
        c.insert("notifications", &list);
        c.insert("zone_name", config.site.timezone.name());
        Ok(c)
    };
    match build() {
        Ok(c) => ctx.render("notifications.html", &c),
        Err(e) => ctx.failed(&e),
    }
}

/// `POST /home/notifications/read` with `id`, or `all=1`.
pub fn read(ctx: &Ctx) -> Reply {
    let back = "/home/notifications";
    if ctx.form.get("all").is_some() {
        return ctx.act(back, |_| act::mark_read(&ctx.web.store, Which::All));
    }
    ctx.act(back, |_| {
        let id = ctx.form.need("id")?;
        let id: i64 = id
            .parse()
            .map_err(|_| anyhow::anyhow!("`{id}` is not a notification id"))?;
        act::mark_read(&ctx.web.store, Which::Ids(&[id]))
    })
}
