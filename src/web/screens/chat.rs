//! Chat: conversations with unread counts, one conversation with times and
//! delivery state, send, retry, and clear through a confirmation page.

use crate::actions::chat as act;
use crate::web::form::enc;
use crate::web::reply::Reply;
use crate::web::{view, Ctx};
use serde::Serialize;

#[derive(Serialize)]
struct Conv {
    url: String,
    q: String,
    name: String,
    count: i64,
    unread: i64,
    last: String,
}

#[derive(Serialize)]
struct Line {
    id: String,
    mine: bool,
    body: String,
    iso: String,
    when: String,
    /// A CSS class: `delivered`, `failed`, ...
    state: &'static str,
    state_label: String,
    failed: bool,
}

#[derive(Serialize)]
struct Who {
    url: String,
    q: String,
    name: String,
}

fn who(url: &str, name: &str) -> Who {
    Who {
        url: url.to_string(),
        q: enc(url),
        name: name.to_string(),
    }
}

pub fn list(ctx: &Ctx) -> Reply {
    let data = ctx.node().and_then(|node| {
        let convs = act::conversations(&node)?;
        let friends: Vec<Who> = crate::federation::outbox::lock(&node.store)
            .friends()?
            .into_iter()
            .filter(|f| f.state == "friend" && !convs.iter().any(|c| c.friend == f.url))
            .map(|f| who(&f.url, &f.name))
            .collect();
        Ok((convs, friends))
    });
    let (convs, friends) = match data {
        Ok(d) => d,
        Err(e) => return ctx.failed(&e),
    };
    let convs: Vec<Conv> = convs
        .into_iter()
        .map(|c| Conv {
            q: enc(&c.friend),
            url: c.friend,
            name: c.name,
            count: c.total,
            unread: c.unread,
            last: ctx.when(c.last_at),
        })
        .collect();
    let mut c = ctx.page("chat", "Chat");
    c.insert("conversations", &convs);
    c.insert("friends", &friends);
    ctx.render("chats.html", &c)
}

fn line(ctx: &Ctx, m: act::Line) -> Line {
    let failed = m.delivery == act::Delivery::Failed;
    let state_label = match (&m.error, m.delivery) {
        (Some(e), act::Delivery::Failed | act::Delivery::Retrying) => {
            format!("{}: {e}", m.delivery.label())
        }
        _ => m.delivery.label().to_string(),
    };
    Line {
        mine: m.from_me,
        failed,
        iso: view::iso(m.at),
        when: ctx.when(m.at),
        state: if failed { "failed" } else { "ok" },
        state_label,
        id: m.id,
        body: m.body,
    }
}

/// `GET /home/chat/with?who=URL`.
pub fn show(ctx: &Ctx) -> Reply {
    let opened = ctx
        .query
        .need("who")
        .and_then(|w| act::open(&ctx.node()?, w));
    let thread = match opened {
        Ok(x) => x,
        Err(e) => return ctx.missing(&e),
    };
    let lines: Vec<Line> = thread.lines.into_iter().map(|m| line(ctx, m)).collect();
    let mut c = ctx.page("chat", &format!("Chat with {}", thread.name));
    c.insert("friend", &who(&thread.friend, &thread.name));
    c.insert("messages", &lines);
    ctx.render("chat.html", &c)
}

fn back(ctx: &Ctx) -> String {
    format!(
        "/home/chat/with?who={}",
        enc(ctx.form.get("who").unwrap_or(""))
    )
}

pub fn send(ctx: &Ctx) -> Reply {
    let args = ctx
        .form
        .need("who")
        .and_then(|w| Ok((w, ctx.form.need("text")?)));
    ctx.act(&back(ctx), |n| {
        let (w, text) = args?;
        act::send(n, w, text)
    })
}

pub fn retry(ctx: &Ctx) -> Reply {
    let args = ctx
        .form
        .need("who")
        .and_then(|w| Ok((w, ctx.form.need("id")?)));
    ctx.act(&back(ctx), |n| {
        let (w, id) = args?;
        act::retry(n, w, id)
    })
}

pub fn clear(ctx: &Ctx) -> Reply {
    let w = ctx.form.need("who").map(str::to_string);
    ctx.act(&back(ctx), |n| act::clear(n, &w?))
}

/// `GET /home/chat/clear?who=URL`: says what clearing does, then asks.
pub fn confirm_clear(ctx: &Ctx) -> Reply {
    let found = ctx.query.need("who").and_then(|w| ctx.node()?.find(w));
    match found {
        Ok(f) => ctx.confirm(
            &format!("Clear the chat with {}?", f.name),
            &format!(
                "Every message with {} is deleted here at once, and {}'s copy is asked to be deleted too (their site decides).",
                f.name, f.name
            ),
            "/home/chat/clear",
            &[("who", &f.url)],
            "Clear the conversation",
            &format!("/home/chat/with?who={}", enc(&f.url)),
        ),
        Err(e) => ctx.missing(&e),
    }
}
