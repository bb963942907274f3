//! The owner interface in a real browser: headless Chromium through
//! ChromeDriver (Debian's `chromium` and `chromium-driver`), driven from
//! Rust over WebDriver. Without chromedriver these tests skip loudly, or
//! fail when `MICROSOCIAL_BROWSER_TESTS=required` (as in `.ci/run`).
//!
//! Set `MICROSOCIAL_SCREENS=DIR` to also save PNG screenshots there.

mod support;

use support::web::login_path;
use support::webdriver::{driver_path, Browser};
use support::{started, wait_until, Site};

fn home(site: &Site, path: &str) -> String {
    format!("http://127.0.0.1:{}{path}", site.port)
}

fn sign_in(b: &Browser, site: &Site) {
    b.go(&home(site, &login_path(site.root(), &[])));
    b.click("form[action^='/home/login/'] button");
    // The click returns before the form's navigation ends.
    b.wait_source("the timeline after signing in", |s| {
        s.contains("<h1>Timeline</h1>")
    });
    assert!(b.url().ends_with("/home/"), "{}", b.url());
}

fn message_count(site: &Site, body: &str) -> i64 {
    site.db()
        .query_row(
            "SELECT count(*) FROM messages WHERE body = ?1",
            [body],
            |r| r.get(0),
        )
        .unwrap_or(0)
}

fn encryption_key(site: &Site) -> String {
    site.ok(&["keys", "show"])
}

fn shot(b: &Browser, name: &str) {
    if let Ok(dir) = std::env::var("MICROSOCIAL_SCREENS") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            std::path::Path::new(&dir).join(format!("{name}.png")),
            b.screenshot(),
        )
        .unwrap();
    }
}

/// JavaScript off: sign in through a link, accept a request, send a
/// message that arrives at the friend, clear the chat through its
/// confirmation page, rotate the key.
#[test]
fn the_owner_runs_the_site_without_javascript() {
    let Some(driver) = driver_path() else { return };
    let ada = started("Ada");
    let bo = started("Bo");
    // init's welcome post is a draft: Bo's first post is a real one.
    bo.ok(&["new", "--title", "Hello from Bo", "First post."]);
    bo.ok(&["publish"]);
    bo.ok(&["friends", "add", &ada.url()]);
    wait_until("Bo's request at Ada", || {
        ada.state_of(&bo).as_deref() == Some("incoming")
    });
    let b = Browser::start(&driver, false, 1000);
    sign_in(&b, &ada);

    b.go(&home(&ada, "/home/friends"));
    b.click("form[action='/home/friends/accept'] button");
    assert!(
        b.url().ends_with("/home/friends"),
        "POST-redirect-GET: {}\n{}",
        b.url(),
        b.source()
    );
    wait_until("friends on both sides", || {
        ada.state_of(&bo).as_deref() == Some("friend")
            && bo.state_of(&ada).as_deref() == Some("friend")
    });

    let q = support::web::encode(&[("who", &bo.url())]);
    b.go(&home(&ada, &format!("/home/chat/with?{q}")));
    b.type_into("#text", "tea at five?");
    b.click("form[action='/home/chat/send'] button");
    wait_until("the message at Bo", || {
        message_count(&bo, "tea at five?") == 1
    });
    b.wait_source("delivered", |s| {
        s.contains("tea at five?") && s.contains("delivered")
    });
    bo.ok(&["chat", &ada.url(), "yes, see you"]);
    b.go(&home(&ada, &format!("/home/chat/with?{q}")));
    b.wait_source("Bo's answer", |s| s.contains("yes, see you"));
    shot(&b, "chat-1000");

    // Without JavaScript, what arrived since the last look waits behind a
    // link. First Bo's earlier post must be in, or it would count as new.
    wait_until("Bo's first post at Ada", || {
        ada.db()
            .query_row("SELECT count(*) FROM friend_items", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap_or(0)
            >= 1
    });
    b.go(&home(&ada, "/home/?show=new"));
    bo.ok(&[
        "new",
        "--title",
        "Fresh from Bo",
        "Kettle is on, come over.",
    ]);
    bo.ok(&["publish"]);
    wait_until("Bo's post at Ada", || {
        ada.db()
            .query_row(
                "SELECT count(*) FROM friend_items WHERE title = 'Fresh from Bo'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap_or(0)
            == 1
    });
    b.go(&home(&ada, "/home/"));
    // Once seen under load: the first read of the source right after the
    // navigation was not yet the new page (the next read was).
    b.wait_source("the new-items link", |s| s.contains("1 new — show"));
    assert!(!b.source().contains("Fresh from Bo"));
    b.click(".new a");
    assert!(b.source().contains("Fresh from Bo"));

    b.resize(375, 800);
    b.go(&home(&ada, &format!("/home/chat/with?{q}")));
    shot(&b, "chat-375");
    b.go(&home(&ada, "/home/"));
    shot(&b, "timeline-375");
    b.resize(1000, 900);
    b.go(&home(&ada, "/home/"));
    shot(&b, "timeline-1000");

    b.go(&home(&ada, &format!("/home/chat/with?{q}")));
    b.click("a[href^='/home/chat/clear']");
    assert!(b.source().contains("asked to be deleted"), "{}", b.source());
    b.click("form[action='/home/chat/clear'] button");
    wait_until("the chat cleared on both sides", || {
        message_count(&ada, "tea at five?") == 0 && message_count(&bo, "tea at five?") == 0
    });

    let before = encryption_key(&ada);
    b.go(&home(&ada, "/home/settings"));
    b.click("a[href='/home/settings/rotate']");
    assert!(b.source().contains("Rotate the encryption key?"));
    b.click("form[action='/home/settings/rotate'] button");
    // The POST rotates, tells friends and rebuilds before it redirects: a
    // loaded machine may still be on the confirmation page for a moment.
    wait_until("back on the settings page", || {
        b.url().ends_with("/home/settings")
    });
    assert_ne!(encryption_key(&ada), before, "the key changed");
    assert!(b.source().contains("new encryption key"), "{}", b.source());
}

const PAYLOAD: &str =
    "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>";

/// JavaScript on: a friend's new post appears without a reload, and
/// payloads in the friend's name, posts and messages never run.
#[test]
fn a_friends_post_arrives_live_and_payloads_stay_inert() {
    let Some(driver) = driver_path() else { return };
    let ada = started("Ada");
    let bo = started(&format!("Bo{PAYLOAD}"));
    support::befriend(&ada, &bo);
    bo.ok(&["chat", &ada.url(), &format!("hello {PAYLOAD}")]);
    let b = Browser::start(&driver, true, 1000);
    sign_in(&b, &ada);
    let q = support::web::encode(&[("who", &bo.url())]);
    for path in [
        "/home/friends",
        "/home/chat",
        &format!("/home/chat/with?{q}"),
    ] {
        b.go(&home(&ada, path));
        assert_ne!(b.title(), "pwned", "{path} ran a payload");
    }
    b.go(&home(&ada, "/home/"));
    assert!(!b.source().contains("kettle-live-42"));
    bo.ok(&["new", &format!("kettle-live-42 {PAYLOAD}")]);
    bo.ok(&["publish"]);
    // No navigation: the page's own script fetches the new entry.
    b.wait_source("the new post without a reload", |s| {
        s.contains("kettle-live-42")
    });
    assert!(b.url().ends_with("/home/"));
    assert_ne!(b.title(), "pwned", "the timeline ran a payload");
}
