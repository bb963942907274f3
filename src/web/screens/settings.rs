//! Settings: password, sessions, key rotation and the outbox.

use crate::actions::{outbox, sessions};
use crate::web::reply::Reply;
use crate::web::Ctx;
use serde::Serialize;

#[derive(Serialize)]
struct SessionRow {
    id: String,
    short: String,
    created: String,
    last_seen: String,
    how: String,
    this: bool,
}

#[derive(Serialize)]
struct OutRow {
    id: String,
    kind: String,
    to: String,
    attempts: i64,
    state: String,
    error: Option<String>,
}

pub fn show(ctx: &Ctx) -> Reply {
    match build(ctx) {
        Ok(c) => ctx.render("settings.html", &c),
        Err(e) => ctx.failed(&e),
    }
}

fn build(ctx: &Ctx) -> anyhow::Result<tera::Context> {
    let node = ctx.node()?;
    let out: Vec<OutRow> = outbox::list(&node)?
        .into_iter()
        .map(|m| OutRow {
            id: m.id,
            kind: m.kind,
            to: m.recipient,
            attempts: m.attempts,
            state: if m.state == "pending" {
                "waiting".into()
            } else {
                "given up".into()
            },
            error: m.last_error,
        })
        .collect();
    let store = ctx.store();
    let rows: Vec<SessionRow> = sessions::list(&store)?
        .into_iter()
        .map(|s| SessionRow {
            short: s.id.chars().take(12).collect(),
            created: ctx.when(s.created),
            last_seen: ctx.when(s.last_seen),
            this: s.id == ctx.session.id,
            how: s.how,
            id: s.id,
        })
        .collect();
    let has_password = store.password_hash()?.is_some();
    drop(store);
    let mut c = ctx.page("settings", "Settings");
    c.insert("outbox", &out);
    c.insert("sessions", &rows);
    c.insert("has_password", &has_password);
    Ok(c)
}

/// Runs a store-only step and notes what it did.
fn noted(ctx: &Ctx, result: anyhow::Result<String>) -> Reply {
    ctx.note(&match result {
        Ok(s) => s,
        Err(e) => format!("Failed: {e:#}"),
    });
    crate::web::reply::see_other("/home/settings")
}

pub fn password(ctx: &Ctx) -> Reply {
    let new = ctx.form.get("password").unwrap_or("");
    let current = ctx.form.get("current").unwrap_or("");
    let r =
        sessions::change_password(&ctx.store(), current, new).map(|()| "Password set.".to_string());
    noted(ctx, r)
}

pub fn revoke(ctx: &Ctx) -> Reply {
    let r = ctx.form.need("id").and_then(|id| {
        let n = sessions::revoke(&ctx.store(), id)?;
        ctx.web.close_ended_streams();
        Ok(format!("Signed out {}.", crate::words::count(n, "session")))
    });
    noted(ctx, r)
}

pub fn outbox_retry(ctx: &Ctx) -> Reply {
    let id = ctx.form.need("id").map(str::to_string);
    ctx.act("/home/settings", |n| outbox::retry(n, &id?))
}

pub fn outbox_drop(ctx: &Ctx) -> Reply {
    let id = ctx.form.need("id").map(str::to_string);
    ctx.act("/home/settings", |n| outbox::drop(n, &id?))
}

/// `GET /home/settings/rotate`: what rotating does, then the button.
pub fn confirm_rotate(ctx: &Ctx) -> Reply {
    ctx.confirm(
        "Rotate the encryption key?",
        "A new encryption key is made and every friend is told. Messages and friends-only posts \
         already sent to the old key stay readable here; new ones use the new key.",
        "/home/settings/rotate",
        &[],
        "Rotate the key",
        "/home/settings",
    )
}

pub fn rotate(ctx: &Ctx) -> Reply {
    ctx.act("/home/settings", |n| crate::actions::keys::rotate(&n.root))
}
