//! Conversations in the web interface: the Reply form and reaction bar
//! under timeline entries, and a thread page for one of our posts with its
//! replies (Hide / Show) and who reacted.

use crate::actions::{react, replies};
use crate::config::Config;
use crate::federation::sanitize;
use crate::web::form::enc;
use crate::web::reply::Reply;
use crate::web::screens::notifications::times;
use crate::web::Ctx;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The quick reactions offered as buttons; any other emoji goes in the field.
pub const QUICK: &[&str] = &["👍", "❤️", "😂", "🎉", "🤔", "🙏"];
/// Replies deeper than this are shown at this depth (threads flatten).
const MAX_DEPTH: usize = 3;

/// Tera filter `query`: a value percent-encoded for a query string (this
/// Tera is built without its `urlencode` filters).
pub fn query_filter(
    v: &tera::Value,
    _: &HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let s = v
        .as_str()
        .ok_or_else(|| tera::Error::msg("`query` takes a string"))?;
    Ok(tera::Value::String(enc(s)))
}

/// Where a form sends the owner back: a page of ours, never another site.
fn back(ctx: &Ctx, default: &str) -> String {
    safe_back(ctx.form.get("back"), default)
}

/// `b` if it is a path under `/home/` that cannot leave this origin or
/// break the `Location` header, else `default`.
fn safe_back(b: Option<&str>, default: &str) -> String {
    match b {
        Some(b)
            if b.starts_with("/home/")
                && !b.contains("//")
                && !b.contains('\\')
                && !b.chars().any(char::is_control) =>
        {
            b.into()
        }
        _ => default.into(),
    }
}

/// `POST /home/reply` (`url`, `text`): writes the reply post and publishes.
pub fn reply(ctx: &Ctx) -> Reply {
    let to = back(ctx, "/home/");
    ctx.act(&to, |node| {
        let url = ctx.form.need("url")?;
        let text = ctx.form.need("text")?;
        crate::web::write::with_hooks(&node.root, |hooks| {
            replies::answer(&node.root, url, text, hooks)
        })
    })
}

/// `POST /home/react` (`url`, `emoji`, `op` = add | remove).
pub fn react(ctx: &Ctx) -> Reply {
    let to = back(ctx, "/home/");
    ctx.act(&to, |node| {
        let url = ctx.form.need("url")?;
        let emoji = ctx.form.need("emoji")?;
        let remove = ctx.form.get("op") == Some("remove");
        react::react(node, url, emoji, remove, false)
    })
}

/// `POST /home/thread/hide` (`url` of a reply, `hidden` = 1 | 0).
pub fn hide(ctx: &Ctx) -> Reply {
    let to = back(ctx, "/home/");
    ctx.act(&to, |node| {
        let url = ctx.form.need("url")?;
        replies::hide(node, url, ctx.form.get("hidden") == Some("1"))
    })
}

#[derive(Serialize, Default)]
pub struct Summary {
    replies: usize,
    /// `👍 2 · ❤️ 1`
    reactions: String,
}

/// Emoji → who reacted, per post.
fn reactions(ctx: &Ctx) -> anyhow::Result<HashMap<String, BTreeMap<String, Vec<String>>>> {
    let store = ctx.store();
    let names: HashMap<String, String> = store
        .friends()?
        .into_iter()
        .map(|f| (f.url, f.name))
        .collect();
    let mut out: HashMap<String, BTreeMap<String, Vec<String>>> = HashMap::new();
    for (post, who, emoji) in store.reactions()? {
        let name = names.get(&who).cloned().unwrap_or(who);
        out.entry(post)
            .or_default()
            .entry(emoji)
            .or_default()
            .push(name);
    }
    Ok(out)
}

fn counts(by: &BTreeMap<String, Vec<String>>) -> String {
    let parts: Vec<String> = by.iter().map(|(e, w)| format!("{e} {}", w.len())).collect();
    parts.join(" · ")
}

/// Adds what the timeline's entries need for their conversation parts:
/// `conv` (replies and reaction counts per own post), `quick` and `back`.
pub fn annotate(ctx: &Ctx, c: &mut tera::Context) -> anyhow::Result<()> {
    let node = ctx.node()?;
    let mut conv: HashMap<String, Summary> = HashMap::new();
    for r in replies::list(&node)? {
        conv.entry(r.root).or_default().replies += 1;
    }
    for (post, by) in reactions(ctx)? {
        conv.entry(post).or_default().reactions = counts(&by);
    }
    c.insert("conv", &conv);
    c.insert("quick", QUICK);
    let page = ctx.query.get("page").and_then(|p| p.parse::<usize>().ok());
    let here = page.map_or("/home/".to_string(), |p| format!("/home/?page={p}"));
    c.insert("back", &here);
    Ok(())
}

/// A friend's HTML as the timeline shows it: remote images only when
/// `[federation] remote_images` allows them, then sanitised.
fn friend_html(config: &Config, html: &str, base: &str) -> String {
    let images = config.federation.remote_images;
    sanitize::clean(&sanitize::clean_for_private_view(html, base, images), base)
}

/// How deep a reply sits under the post, flattened at `MAX_DEPTH`.
fn depth(parents: &HashMap<&str, &str>, url: &str) -> usize {
    let mut at = url;
    let mut d = 0;
    while let Some(p) = parents.get(at) {
        d += 1;
        if d >= MAX_DEPTH {
            break;
        }
        at = p;
    }
    d
}

#[derive(Serialize)]
struct Shown {
    url: String,
    author: String,
    html: String,
    iso: String,
    when: String,
    depth: usize,
    hidden: bool,
}

#[derive(Serialize)]
struct Reacted {
    emoji: String,
    count: usize,
    who: String,
}

/// `GET /home/thread?url=`: replies under one of our posts, and reactions.
pub fn show(ctx: &Ctx) -> Reply {
    let Some(url) = ctx
        .query
        .get("url")
        .map(str::trim)
        .filter(|u| !u.is_empty())
    else {
        return crate::web::reply::text(400, "Name the post: /home/thread?url=…");
    };
    match thread(ctx, url) {
        Ok(c) => ctx.render("thread.html", &c),
        Err(e) => ctx.failed(&e),
    }
}

fn thread(ctx: &Ctx, url: &str) -> anyhow::Result<tera::Context> {
    let (config, _) = Config::load(ctx.root())?;
    let node = ctx.node()?;
    let all: Vec<_> = replies::list(&node)?
        .into_iter()
        .filter(|r| r.root == url)
        .collect();
    let parents: HashMap<&str, &str> = all
        .iter()
        .map(|r| (r.url.as_str(), r.parent.as_str()))
        .collect();
    let shown: Vec<Shown> = all
        .iter()
        .map(|r| {
            let ms = chrono::DateTime::parse_from_rfc3339(&r.published)
                .map_or(0, |d| d.timestamp_millis());
            let (iso, when) = times(&config, ms);
            Shown {
                url: r.url.clone(),
                author: r.author_name.clone(),
                html: friend_html(&config, &r.content_html, &r.url),
                iso,
                when,
                depth: depth(&parents, &r.url),
                hidden: r.hidden,
            }
        })
        .collect();
    let reacted: Vec<Reacted> = reactions(ctx)?
        .remove(url)
        .unwrap_or_default()
        .into_iter()
        .map(|(emoji, who)| Reacted {
            emoji,
            count: who.len(),
            who: who.join(", "),
        })
        .collect();
    let mut c = ctx.page("timeline", "Thread");
    c.insert("url", url);
    c.insert("replies", &shown);
    c.insert("reactions", &reacted);
    c.insert("back", &format!("/home/thread?url={}", enc(url)));
    c.insert("zone_name", config.site.timezone.name());
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_way_back_stays_under_home() {
        let d = "/home/";
        assert_eq!(
            safe_back(Some("/home/thread?url=x"), d),
            "/home/thread?url=x"
        );
        for bad in [
            "https://evil.example/",
            "//evil.example/home/",
            "/home//evil.example",
            "/home/\\evil",
            "/home/x\r\nSet-Cookie: a=b",
            "/other",
        ] {
            assert_eq!(safe_back(Some(bad), d), d, "{bad:?}");
        }
        assert_eq!(safe_back(None, d), d);
        let v = query_filter(&tera::Value::from("a b&c/"), &HashMap::new()).unwrap();
        assert_eq!(v, tera::Value::from("a+b%26c%2F"));
        // r1 answers the post p; each next reply answers the one before.
        let parents = HashMap::from([("r1", "p"), ("r2", "r1"), ("r3", "r2"), ("r4", "r3")]);
        let depths: Vec<usize> = ["r1", "r2", "r3", "r4"]
            .iter()
            .map(|r| depth(&parents, r))
            .collect();
        assert_eq!(depths, [1, 2, 3, 3], "flattened beyond {MAX_DEPTH}");
    }
}
