//! Friends: the list with each one's state, requests, add, remove.

use crate::actions::friends as act;
use crate::web::form::enc;
use crate::web::reply::Reply;
use crate::web::{view, Ctx};
use serde::Serialize;

#[derive(Serialize)]
struct Row {
    url: String,
    /// `url`, encoded for a query string.
    q: String,
    name: String,
    monogram: String,
    last_pull: String,
    pull_error: Option<String>,
    backlog: usize,
}

pub fn show(ctx: &Ctx) -> Reply {
    match rows(ctx) {
        Ok((friends, incoming, outgoing)) => {
            let mut c = ctx.page("friends", "Friends");
            c.insert("friends", &friends);
            c.insert("incoming", &incoming);
            c.insert("outgoing", &outgoing);
            ctx.render("friends.html", &c)
        }
        Err(e) => ctx.failed(&e),
    }
}

type Lists = (Vec<Row>, Vec<Row>, Vec<Row>);

fn rows(ctx: &Ctx) -> anyhow::Result<Lists> {
    let (mut friends, mut incoming, mut outgoing) = (Vec::new(), Vec::new(), Vec::new());
    for v in act::list(&ctx.node()?)? {
        let f = v.friend;
        let row = Row {
            q: enc(&f.url),
            monogram: view::monogram(&f.name),
            last_pull: f
                .last_pull
                .map_or_else(|| "never".into(), |ms| ctx.when(ms)),
            pull_error: f.last_pull_error.clone(),
            backlog: v.backlog,
            url: f.url,
            name: f.name,
        };
        match f.state.as_str() {
            "friend" => friends.push(row),
            "incoming" => incoming.push(row),
            _ => outgoing.push(row),
        }
    }
    Ok((friends, incoming, outgoing))
}

pub fn add(ctx: &Ctx) -> Reply {
    let url = ctx.form.need("url").map(str::to_string);
    ctx.act("/home/friends", |n| act::add(n, &url?))
}

pub fn accept(ctx: &Ctx) -> Reply {
    let who = ctx.form.need("who").map(str::to_string);
    ctx.act("/home/friends", |n| act::accept(n, &who?))
}

pub fn reject(ctx: &Ctx) -> Reply {
    let who = ctx.form.need("who").map(str::to_string);
    ctx.act("/home/friends", |n| act::reject(n, &who?))
}

pub fn remove(ctx: &Ctx) -> Reply {
    let who = ctx.form.need("who").map(str::to_string);
    ctx.act("/home/friends", |n| act::remove(n, &who?))
}

/// `GET /home/friends/remove?who=URL`: asks first, no browser dialog.
pub fn confirm_remove(ctx: &Ctx) -> Reply {
    let found = ctx.query.need("who").and_then(|who| ctx.node()?.find(who));
    match found {
        Ok(f) => ctx.confirm(
            &format!("Remove {}?", f.name),
            &format!(
                "{} ({}) will no longer be your friend, and their posts leave your timeline.",
                f.name, f.url
            ),
            "/home/friends/remove",
            &[("who", &f.url)],
            &format!("Remove {}", f.name),
            "/home/friends",
        ),
        Err(e) => ctx.missing(&e),
    }
}
