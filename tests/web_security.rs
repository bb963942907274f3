//! The owner interface's security over HTTP, on a real sidecar: the
//! session gate on every `/home/` path, one-time links, CSRF and
//! same-origin checks, the password's rate limit, the headers of every
//! response, and friends' payloads staying inert.

mod support;

use std::io::Write as _;
use std::process::{Command, Stdio};
use support::web::{assert_inert, encode, keep_for_validation, login_path, Owner, Resp};

const GETS: &[&str] = &[
    "/home/",
    "/home/friends",
    "/home/friends/remove?who=x",
    "/home/chat",
    "/home/chat/with?who=x",
    "/home/chat/clear?who=x",
    "/home/settings",
    "/home/settings/rotate",
    "/home/events",
    "/home/script.js",
    "/home/view/",
    "/home/view/index.html",
    "/home/no/such/page",
    "/home/login/../settings",
];

const POSTS: &[&str] = &[
    "/home/logout",
    "/home/friends/add",
    "/home/friends/accept",
    "/home/friends/reject",
    "/home/friends/remove",
    "/home/chat/send",
    "/home/chat/retry",
    "/home/chat/clear",
    "/home/settings/password",
    "/home/settings/revoke",
    "/home/settings/outbox/retry",
    "/home/settings/outbox/drop",
    "/home/settings/rotate",
    "/home/nothing",
];

fn assert_headers(r: &Resp, what: &str) {
    let csp = r.header("Content-Security-Policy").unwrap_or("");
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{what}: CSP lacks {part}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(r.header("Referrer-Policy"), Some("no-referrer"), "{what}");
    assert_eq!(
        r.header("X-Content-Type-Options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("Cache-Control"), Some("no-store"), "{what}");
}

#[test]
fn every_home_path_needs_a_session() {
    let site = support::started("Ada");
    let mut forged = Owner::anonymous(site.port);
    forged.cookie = Some(format!("microsocial={}", "ab".repeat(32)));
    for who in [Owner::anonymous(site.port), forged] {
        for path in GETS {
            for method in ["GET", "HEAD"] {
                let r = who.send(method, path, &[], None);
                assert_eq!(r.status, 303, "{method} {path}");
                assert_eq!(r.header("Location"), Some("/home/login"), "{path}");
                assert_headers(&r, path);
            }
        }
        for path in POSTS {
            let origin = who.base.clone();
            let r = who.send("POST", path, &[("Origin", &origin)], Some("csrf=x"));
            assert_eq!(r.status, 401, "POST {path}");
            assert_headers(&r, path);
            let r = who.send("DELETE", path, &[], None);
            assert_eq!(r.status, 401, "DELETE {path}");
        }
    }
    // Without a session the sign-in page and its stylesheet are all there is.
    let r = Owner::anonymous(site.port).get("/home/login");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("microsocial login"), "{}", r.body);
    assert_headers(&r, "/home/login");
    assert_eq!(Owner::anonymous(site.port).get("/home").status, 303);
}

#[test]
fn sign_in_links_work_once_and_expire() {
    let site = support::started("Ada");
    let path = login_path(site.root(), &[]);
    assert!(
        path.len() >= "/home/login/".len() + 32,
        "128 bits at least: {path}"
    );
    let mut owner = Owner::anonymous(site.port);
    // A link previewer only GETs: that signs nobody in and spends nothing.
    for _ in 0..2 {
        let preview = Owner::anonymous(site.port).get(&path);
        assert_eq!(preview.status, 200);
        assert!(preview.header("Set-Cookie").is_none());
        assert!(
            preview.body.contains("Sign in on this browser"),
            "{}",
            preview.body
        );
    }
    // The button posts from this origin only.
    let cross = Owner::anonymous(site.port).send(
        "POST",
        &path,
        &[("Origin", "http://evil.example")],
        Some(""),
    );
    assert_eq!(cross.status, 403, "sign-in link CSRF");
    let first = owner.redeem(&path);
    assert_eq!(first.status, 303);
    assert_eq!(first.header("Location"), Some("/home/"));
    let cookie = first.header("Set-Cookie").unwrap_or("").to_string();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=2592000"] {
        assert!(cookie.contains(part), "{part}: {cookie}");
    }
    // http origin: no Secure, so no __Host- prefix (browsers would drop it).
    assert!(cookie.starts_with("microsocial="), "{cookie}");
    owner.keep_cookie(&first);
    let home = owner.get("/home/");
    assert_eq!(home.status, 200);
    assert_headers(&home, "/home/");

    let reused = Owner::anonymous(site.port).redeem(&path);
    assert_eq!(reused.status, 401, "reused link");
    assert!(reused.header("Set-Cookie").is_none());
    assert!(reused.body.contains("used, expired or unknown"));

    // A link made eleven minutes ago has expired.
    let old = login_path(
        site.root(),
        &[("MICROSOCIAL_TEST_CLOCK_OFFSET_SECS", "-660")],
    );
    let r = Owner::anonymous(site.port).redeem(&old);
    assert_eq!(r.status, 401, "expired link");
    assert!(r.header("Set-Cookie").is_none());

    let forged = format!("/home/login/{}", "0f".repeat(32));
    let r = Owner::anonymous(site.port).redeem(&forged);
    assert_eq!(r.status, 401, "forged link");
    assert!(r.header("Set-Cookie").is_none());

    // `login --revoke-all` ends the session at once.
    site.ok(&["login", "--revoke-all"]);
    assert_eq!(owner.get("/home/").status, 303);
}

fn password_set(site: &support::Site) -> bool {
    site.db()
        .query_row(
            "SELECT count(*) FROM site_meta WHERE key = 'owner_password'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
        == 1
}

#[test]
fn posts_need_the_csrf_token_and_the_same_origin() {
    let site = support::started("Ada");
    let owner = Owner::signed_in(site.root(), site.port);
    let token = owner.csrf();
    let good = encode(&[
        ("csrf", &token),
        ("current", "a long enough password"),
        ("password", "a long enough password"),
    ]);
    let no_token = encode(&[("password", "a long enough password")]);
    let wrong = encode(&[
        ("csrf", &"1".repeat(64)),
        ("password", "a long enough password"),
    ]);
    let origin = owner.base.clone();
    let path = "/home/settings/password";
    let refused: &[(&[(&str, &str)], &str)] = &[
        (&[("Origin", &origin)], no_token.as_str()),
        (&[("Origin", &origin)], wrong.as_str()),
        (&[("Origin", "http://evil.example")], good.as_str()),
        (&[("Origin", "null")], good.as_str()),
        (
            &[("Origin", &origin), ("Sec-Fetch-Site", "cross-site")],
            good.as_str(),
        ),
        (&[("Sec-Fetch-Site", "same-site")], good.as_str()),
        (&[], good.as_str()),
    ];
    for (headers, body) in refused {
        let r = owner.send("POST", path, headers, Some(body));
        assert_eq!(r.status, 403, "{headers:?} {body}");
        assert_headers(&r, "403");
        assert!(!password_set(&site), "a refused POST changed something");
    }
    let r = owner.send("POST", path, &[("Origin", &origin)], Some(&good));
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(password_set(&site));
    // Sec-Fetch-Site alone (no Origin), or with the `Origin: null` that
    // browsers send under no-referrer, is enough when it says same-origin.
    for headers in [
        &[("Sec-Fetch-Site", "same-origin")][..],
        &[("Sec-Fetch-Site", "same-origin"), ("Origin", "null")][..],
    ] {
        let r = owner.send("POST", "/home/settings/password", headers, Some(&good));
        assert_eq!(r.status, 303, "{headers:?}");
    }
}

fn set_password(site: &support::Site, pw: &str) {
    let mut child = Command::new(support::BIN)
        .arg("--root")
        .arg(site.root())
        .arg("password")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{pw}").unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn the_password_signs_in_and_brute_force_reaches_429() {
    let site = support::started("Ada");
    set_password(&site, "correct horse battery");
    let origin = format!("http://127.0.0.1:{}", site.port);
    let try_pw = |pw: &str| {
        Owner::anonymous(site.port).send(
            "POST",
            "/home/login",
            &[("Origin", &origin)],
            Some(&encode(&[("password", pw)])),
        )
    };
    let ok = try_pw("correct horse battery");
    assert_eq!(ok.status, 303);
    assert!(ok.header("Set-Cookie").is_some());
    let cross = Owner::anonymous(site.port).send(
        "POST",
        "/home/login",
        &[("Origin", "http://evil.example")],
        Some(&encode(&[("password", "correct horse battery")])),
    );
    assert_eq!(cross.status, 403, "login CSRF");
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(try_pw("wrong guess").status);
    }
    let limited = try_pw("correct horse battery");
    assert_eq!(limited.status, 429, "after {statuses:?}");
    let wait: u64 = limited.header("Retry-After").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    assert_headers(&limited, "429");
    assert!(
        statuses.contains(&401) && statuses.contains(&429),
        "{statuses:?}"
    );
    support::wait_until("failed attempts logged", || {
        site.log()
            .contains("failed password sign-in from 127.0.0.1")
    });
}

const XSS: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>";

/// Also fills every screen (a friend, a request, a post, a message, a
/// queued entry) and keeps the pages for the HTML validator.
#[test]
fn payloads_in_friends_posts_names_and_messages_stay_inert() {
    let a = support::started("Ada");
    let b = support::started(&format!("Bo{XSS}"));
    let c = support::started("Cy");
    support::befriend(&a, &b);
    c.ok(&["friends", "add", &a.url()]);
    b.ok(&[
        "new",
        "--title",
        &format!("T{XSS}"),
        // A `javascript:` link loses its href; ammonia keeps `<a rel>`,
        // which vnu rejects, so it is checked in the message instead.
        &format!("Body {XSS} <a href=\"https://ok.example/\">x</a>"),
    ]);
    b.ok(&["publish"]);
    b.ok(&["chat", &a.url(), &format!("hi {XSS} javascript:alert(3)")]);
    let owner = Owner::signed_in(a.root(), a.port);
    support::wait_until("the post and the message at Ada", || {
        owner.get("/home/").body.contains("Body ")
            && owner.get("/home/chat").body.contains("1 unread")
    });
    let q = encode(&[("who", &b.url())]);
    support::wait_until("Cy's request", || {
        owner.get("/home/friends").body.contains("Accept Cy")
    });
    owner.post("/home/chat/send", &[("who", &b.url()), ("text", "a reply")]);
    for (name, path) in [
        ("timeline", "/home/".to_string()),
        ("friends", "/home/friends".into()),
        ("chats", "/home/chat".into()),
        ("chat", format!("/home/chat/with?{q}")),
        ("clear", format!("/home/chat/clear?{q}")),
        ("remove", format!("/home/friends/remove?{q}")),
        ("settings", "/home/settings".into()),
    ] {
        let r = owner.get(&path);
        assert_eq!(r.status, 200, "{path}");
        keep_for_validation(name, &r.body);
        assert_inert(&r.body, &path);
        assert!(!r.body.contains("href=\"javascript:"), "{path}");
        assert!(
            r.body.contains("&lt;script&gt;") || name == "timeline" || name == "settings",
            "{path}: escaped text shown"
        );
    }
    // The other screens, for the validator.
    for (name, path) in [
        ("rotate", "/home/settings/rotate"),
        ("compose", "/home/compose"),
        ("posts", "/home/posts"),
        ("profile", "/home/profile"),
    ] {
        let r = owner.get(path);
        assert_eq!(r.status, 200, "{path}");
        keep_for_validation(name, &r.body);
    }
    let login = Owner::anonymous(a.port).get("/home/login");
    keep_for_validation("login", &login.body);
    let link = Owner::anonymous(a.port).get(&format!("/home/login/{}", "0f".repeat(32)));
    keep_for_validation("login-link", &link.body);
    let refused = Owner::anonymous(a.port).redeem(&format!("/home/login/{}", "0f".repeat(32)));
    keep_for_validation("login-refused", &refused.body);
}
