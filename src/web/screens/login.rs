//! Signing in (one-time link or password) and out.

use crate::actions::sessions::{self, SESSION_DAYS};
use crate::federation::limit::source_key;
use crate::web::form::Form;
use crate::web::reply::{self, Reply};
use crate::web::{auth, view, Ctx, Web};
use std::time::Instant;

/// Password attempts per minute from one address (a burst limit; failures
/// also wait longer and longer, see `store::logins`).
const PER_SOURCE: u32 = 5;

pub fn form(web: &Web, problem: Option<&str>) -> Reply {
    page(web, problem, None)
}

/// The sign-in page; with `link`, the one button that redeems that link.
fn page(web: &Web, problem: Option<&str>, link: Option<&str>) -> Reply {
    let has_password = web.store().password_hash().ok().flatten().is_some();
    let mut c = tera::Context::new();
    c.insert("has_password", &has_password);
    c.insert("problem", &problem);
    c.insert("link", &link);
    let status = if problem.is_some() { 401 } else { 200 };
    match view::render("login.html", &c) {
        Ok(body) => reply::html(status, body),
        Err(e) => reply::text(500, &format!("{e:#}")),
    }
}

fn who(req: &tiny_http::Request) -> String {
    crate::http::peer(req).map_or_else(|| "an unknown address".into(), |ip| ip.to_string())
}

/// Sets the cookie and goes to the timeline.
fn signed_in(web: &Web, opened: &sessions::Opened) -> Reply {
    reply::see_other("/home/").with_header(auth::set_cookie(
        web.https(),
        Some(&opened.cookie),
        SESSION_DAYS,
    ))
}

/// `GET /home/login/TOKEN`: the link from `microsocial login` shows a
/// button and redeems nothing. Chat apps and mail scanners fetch links to
/// preview them; a GET that signed in would spend the link on them.
pub fn link(web: &Web, token: &str) -> Reply {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return form(web, Some(UNUSABLE));
    }
    page(web, None, Some(token))
}

const UNUSABLE: &str =
    "This sign-in link is used, expired or unknown. Run `microsocial login` for a new one.";

/// `POST /home/login/TOKEN`: the button on that page signs in.
pub fn redeem(web: &Web, req: &tiny_http::Request, token: &str) -> Reply {
    if let Err(why) = auth::same_origin(req, &web.opts.origin) {
        return reply::text(403, &format!("Refused: {why}."));
    }
    let how = format!("link from {}", who(req));
    // The store's lock must be released before `form` takes it again.
    let redeemed = sessions::redeem(&web.store(), token, &how);
    match redeemed {
        Ok(Some(opened)) => signed_in(web, &opened),
        Ok(None) => {
            (web.opts.log)(&format!(
                "home: refused a used, expired or unknown sign-in link from {}",
                who(req)
            ));
            form(web, Some(UNUSABLE))
        }
        Err(e) => reply::text(500, &format!("{e:#}")),
    }
}

/// `POST /home/login`: the password form, rate-limited.
pub fn password(web: &Web, req: &mut tiny_http::Request) -> Reply {
    if let Err(why) = auth::same_origin(req, &web.opts.origin) {
        return reply::text(403, &format!("Refused: {why}."));
    }
    let source = crate::http::peer(req).map_or_else(|| "ip:?".to_string(), source_key);
    // Failures wait longer and longer per address (counted in the database,
    // so `serve` and the sidecar share them); a burst is cut in memory
    // before any password is hashed.
    let now = crate::store::now_ms();
    let waited = web.store().login_wait(&source, now);
    let burst = web.logins.allow(&[(&source, PER_SOURCE)], Instant::now());
    let wait = match (waited, burst) {
        (Err(e), _) => return reply::text(500, &format!("{e:#}")),
        (Ok(ms), Err(burst)) => burst.max(std::time::Duration::from_millis(ms as u64)),
        (Ok(ms), Ok(())) => std::time::Duration::from_millis(ms as u64),
    };
    if !wait.is_zero() {
        (web.opts.log)(&format!(
            "home: too many sign-in attempts ({source}); refused"
        ));
        return reply::too_many(wait);
    }
    let form_data = match Form::read(req) {
        Ok(f) => f,
        Err(e) => return reply::text(400, &format!("{e:#}")),
    };
    let pw = form_data.get("password").unwrap_or("");
    let how = format!("password from {}", who(req));
    let checked = sessions::sign_in_with_password(&web.store(), pw, &how);
    match checked {
        Ok(Some(opened)) => {
            if let Err(e) = web.store().login_succeeded(&source) {
                (web.opts.log)(&format!("home: {e:#}"));
            }
            signed_in(web, &opened)
        }
        Ok(None) => {
            if let Err(e) = web.store().login_failed(&source, crate::store::now_ms()) {
                (web.opts.log)(&format!("home: {e:#}"));
            }
            (web.opts.log)(&format!("home: failed password sign-in from {}", who(req)));
            form(web, Some("Wrong password."))
        }
        Err(e) => reply::text(500, &format!("{e:#}")),
    }
}

/// `POST /home/logout`: ends this session and drops the cookie.
pub fn logout(ctx: &Ctx) -> Reply {
    if let Err(e) = ctx.store().revoke_session(&ctx.session.id) {
        return ctx.failed(&e);
    }
    ctx.web.close_ended_streams();
    reply::see_other("/home/login").with_header(auth::set_cookie(ctx.web.https(), None, 0))
}
