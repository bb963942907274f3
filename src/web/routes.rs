//! Which handler answers a request under `/home/`, behind the session
//! gate and, for POSTs, the same-origin and CSRF checks.

use super::form::Form;
use super::reply::{self, Reply};
use super::screens::{
    chat, conversation, friends, login, notifications, posts, profile, settings, timeline,
    webmentions,
};
use super::{auth, view, Ctx, Web};
use tiny_http::Method;

pub(super) enum Routed {
    Reply(Reply),
    /// Hand the connection to the live-update stream.
    /// A live-update stream for this session (its id).
    Events(String),
}

/// The sign-in page, its stylesheet and the one-time links.
fn sign_in_area(
    web: &Web,
    req: &mut tiny_http::Request,
    read: bool,
    post: bool,
    rest: &str,
) -> Option<Reply> {
    Some(match (read, post, rest) {
        (true, _, "") => reply::see_other("/home/"),
        (true, _, "/login") => login::form(web, None),
        (_, true, "/login") => login::password(web, req),
        (true, _, "/login/style.css") => reply::asset(view::STYLE, "text/css; charset=utf-8"),
        (true, _, r) if r.starts_with("/login/") => login::link(web, &r["/login/".len()..]),
        (_, true, r) if r.starts_with("/login/") => login::redeem(web, req, &r["/login/".len()..]),
        _ => return None,
    })
}

pub(super) fn route(web: &Web, req: &mut tiny_http::Request) -> Routed {
    let url = req.url().to_string();
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let rest = path.strip_prefix("/home").unwrap_or(path);
    let method = req.method().clone();
    let read = matches!(method, Method::Get | Method::Head);
    // The sign-in area is the only part open without a session.
    if let Some(reply) = sign_in_area(web, req, read, method == Method::Post, rest) {
        return Routed::Reply(reply);
    }
    let https = web.https();
    let session = auth::cookie(req, https).and_then(|c| {
        crate::actions::sessions::check(&web.store(), &c)
            .map_err(|e| (web.opts.log)(&format!("home: cannot check a session: {e:#}")))
            .ok()
            .flatten()
    });
    let Some(session) = session else {
        return Routed::Reply(if read {
            reply::see_other("/home/login")
        } else {
            reply::text(401, "Sign in first: open /home/login.")
        });
    };
    let mut form = Form::parse(b"");
    let mut files = Vec::new();
    if method == Method::Post {
        if let Err(why) = auth::same_origin(req, &web.opts.origin) {
            return Routed::Reply(reply::text(403, &format!("Refused: {why}.")));
        }
        let read = match super::write::multipart_type(req) {
            Some(kind) => super::write::read_multipart(req, &kind).map(|m| {
                files = m.files;
                Form::from_pairs(m.fields)
            }),
            None => Form::read(req),
        };
        form = match read {
            Ok(f) => f,
            Err(e) => return Routed::Reply(reply::text(400, &format!("{e:#}"))),
        };
        let token = form.get("csrf").unwrap_or("");
        if !auth::same_secret(token, &session.csrf) {
            return Routed::Reply(reply::text(
                403,
                "Refused: the form's CSRF token is missing or wrong. Reload the page and try again.",
            ));
        }
    } else if !read {
        return Routed::Reply(reply::text(405, "Method not allowed."));
    }
    if rest == "/events" {
        return Routed::Events(session.id.clone());
    }
    let config = match crate::config::Config::load(&web.root) {
        Ok((c, _)) => c,
        Err(e) => return Routed::Reply(reply::text(500, &format!("{e:#}"))),
    };
    let ctx = Ctx {
        web,
        path: rest.to_string(),
        query: Form::query(&url),
        form,
        files,
        session,
        config,
    };
    Routed::Reply(if read { get(&ctx) } else { post(&ctx) })
}

fn get(ctx: &Ctx) -> Reply {
    match ctx.path.as_str() {
        "/" => timeline::show(ctx),
        "/script.js" => reply::asset(view::SCRIPT, "text/javascript; charset=utf-8"),
        "/friends" => friends::show(ctx),
        "/friends/remove" => friends::confirm_remove(ctx),
        "/chat" => chat::list(ctx),
        "/chat/with" => chat::show(ctx),
        "/chat/clear" => chat::confirm_clear(ctx),
        "/settings" => settings::show(ctx),
        "/settings/rotate" => settings::confirm_rotate(ctx),
        "/compose" => posts::compose(ctx),
        "/posts" => posts::list(ctx),
        "/posts/edit" => posts::edit(ctx),
        "/posts/delete" => posts::confirm_delete(ctx),
        "/profile" => profile::show(ctx),
        p if p.starts_with("/media/") => super::write::media(ctx, &p["/media".len()..]),
        "/notifications" => notifications::show(ctx),
        "/webmentions" => webmentions::show(ctx),
        "/thread" => conversation::show(ctx),
        p if p.starts_with("/view/") || p == "/view" => private_view(ctx, &p["/view".len()..]),
        // The private view links its threads as /home/messages/NAME/.
        p if p.starts_with("/messages/") => private_view(ctx, p),
        _ => reply::text(404, "No such page."),
    }
}

fn post(ctx: &Ctx) -> Reply {
    match ctx.path.as_str() {
        "/logout" => login::logout(ctx),
        "/friends/add" => friends::add(ctx),
        "/friends/accept" => friends::accept(ctx),
        "/friends/reject" => friends::reject(ctx),
        "/friends/remove" => friends::remove(ctx),
        "/chat/send" => chat::send(ctx),
        "/chat/retry" => chat::retry(ctx),
        "/chat/clear" => chat::clear(ctx),
        "/settings/password" => settings::password(ctx),
        "/compose" | "/posts/edit" => posts::submit(ctx),
        "/posts/delete" => posts::delete(ctx),
        "/profile" => profile::save(ctx),
        "/settings/revoke" => settings::revoke(ctx),
        "/settings/outbox/retry" => settings::outbox_retry(ctx),
        "/settings/outbox/drop" => settings::outbox_drop(ctx),
        "/settings/rotate" => settings::rotate(ctx),
        "/notifications/read" => notifications::read(ctx),
        "/webmentions/approve" => webmentions::decide(ctx, true),
        "/webmentions/reject" => webmentions::decide(ctx, false),
        "/reply" => conversation::reply(ctx),
        "/react" => conversation::react(ctx),
        "/thread/hide" => conversation::hide(ctx),
        _ => reply::text(404, "No such action."),
    }
}

/// The private view the build writes (`.social/private/`), at `/home/view/`
/// (its threads also at `/home/messages/`, where its links point).
fn private_view(ctx: &Ctx, rest: &str) -> Reply {
    let rest = if rest.is_empty() { "/" } else { rest };
    match crate::http::files::resolve(&ctx.web.opts.private_view, rest) {
        Some(p) => match std::fs::read(&p) {
            Ok(bytes) => reply::file(bytes, &crate::http::files::content_type(&p)),
            Err(e) => ctx.failed(&anyhow::anyhow!("cannot read {}: {e}", p.display())),
        },
        None => reply::text(
            404,
            "No such page in the private view (is the site built?).",
        ),
    }
}
