//! The owner interface's screens over HTTP, on real sidecars: each POST
//! does what the CLI would (through the same actions) and redirects.

mod support;

use support::web::{encode, Owner};
use support::{started, wait_until, Site};

fn note(owner: &Owner, path: &str) -> String {
    let page = owner.get(path).body;
    page.split("<p class=\"note\" role=\"status\">")
        .nth(1)
        .and_then(|s| s.split("</p>").next())
        .unwrap_or("")
        .to_string()
}

fn state(site: &Site, id: &str) -> String {
    site.db()
        .query_row("SELECT state FROM messages WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap_or_default()
}

#[test]
fn a_message_that_failed_for_good_shows_failed_and_retry_sends_it() {
    let a = started("Ada");
    let mut b = started("Bo");
    support::befriend(&a, &b);
    let owner = Owner::signed_in(a.root(), a.port);
    b.stop();
    let r = owner.post(
        "/home/chat/send",
        &[("who", &b.url()), ("text", "are you there?")],
    );
    assert_eq!(r.status, 303);
    let back = r.header("Location").unwrap_or("").to_string();
    assert!(back.starts_with("/home/chat/with?who="), "{back}");
    assert!(
        note(&owner, &back).contains("queued for Bo"),
        "offline is not a failure"
    );
    let id: String = a
        .db()
        .query_row(
            "SELECT id FROM messages WHERE body = 'are you there?'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    a.ok(&["outbox", "drop", &id]);
    assert_eq!(state(&a, &id), "failed");
    let page = owner.get(&back).body;
    assert!(
        page.contains("failed — not delivered") || page.contains("failed"),
        "{page}"
    );
    assert!(
        page.contains("action=\"/home/chat/retry\""),
        "a Retry button"
    );
    b.start();
    let r = owner.post("/home/chat/retry", &[("who", &b.url()), ("id", &id)]);
    assert_eq!(r.status, 303);
    wait_until("the retried message at Bo", || {
        b.db()
            .query_row(
                "SELECT count(*) FROM messages WHERE body = 'are you there?'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap_or(0)
            == 1
    });
}

#[test]
fn friends_are_added_rejected_and_removed_through_a_confirmation_page() {
    let a = started("Ada");
    let b = started("Bo");
    let c = started("Cy");
    let owner = Owner::signed_in(a.root(), a.port);
    let r = owner.post("/home/friends/add", &[("url", &b.url())]);
    assert_eq!(r.header("Location"), Some("/home/friends"));
    wait_until("Ada's request at Bo", || {
        b.state_of(&a).as_deref() == Some("incoming")
    });
    assert!(owner
        .get("/home/friends")
        .body
        .contains("waiting for an answer"));
    b.ok(&["friends", "accept", &a.url()]);
    wait_until("friends", || a.state_of(&b).as_deref() == Some("friend"));

    c.ok(&["friends", "add", &a.url()]);
    wait_until("Cy's request at Ada", || {
        a.state_of(&c).as_deref() == Some("incoming")
    });
    owner.post("/home/friends/reject", &[("who", &c.url())]);
    assert_eq!(a.state_of(&c), None, "rejected");

    let q = encode(&[("who", &b.url())]);
    let confirm = owner.get(&format!("/home/friends/remove?{q}"));
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("Remove Bo?"), "{}", confirm.body);
    assert_eq!(
        a.state_of(&b).as_deref(),
        Some("friend"),
        "asking changes nothing"
    );
    owner.post("/home/friends/remove", &[("who", &b.url())]);
    assert_eq!(a.state_of(&b), None);
    assert!(note(&owner, "/home/friends").to_lowercase().contains("bo"));
    let missing = owner.get("/home/friends/remove?who=https%3A%2F%2Fnobody.example%2F");
    assert_eq!(missing.status, 404);
}

#[test]
fn sessions_are_listed_and_revoked_from_settings_and_the_cli() {
    let a = started("Ada");
    let here = Owner::signed_in(a.root(), a.port);
    let other = Owner::signed_in(a.root(), a.port);
    let listed = a.ok(&["login", "--list"]);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    let page = here.get("/home/settings").body;
    assert!(page.contains("(this browser)"));
    // The other session's row is the one not marked as this browser.
    let rows: Vec<&str> = page.split("<li><code>").skip(1).collect();
    assert_eq!(rows.len(), 2);
    let theirs = rows.iter().find(|r| !r.contains("(this browser)")).unwrap();
    let field = "name=\"id\" value=\"";
    let at = theirs.find(field).unwrap() + field.len();
    let id = &theirs[at..at + 64];
    let r = here.post("/home/settings/revoke", &[("id", id)]);
    assert_eq!(r.status, 303);
    assert_eq!(
        other.get("/home/").status,
        303,
        "the revoked session is gone"
    );
    assert_eq!(here.get("/home/").status, 200, "this one stays");
    assert_eq!(a.ok(&["login", "--list"]).lines().count(), 1);
    let out = a.run(&["login", "--revoke", "ffffffffffff"]);
    assert!(!out.status.success(), "no such session: exit 1");
}

#[test]
fn the_outbox_is_retried_and_dropped_from_settings() {
    let a = started("Ada");
    let mut b = started("Bo");
    support::befriend(&a, &b);
    let owner = Owner::signed_in(a.root(), a.port);
    b.stop();
    owner.post(
        "/home/chat/send",
        &[("who", &b.url()), ("text", "queued one")],
    );
    let page = owner.get("/home/settings").body;
    assert!(page.contains("message to"), "{page}");
    let field = "action=\"/home/settings/outbox/drop\" class=\"inline\">";
    assert!(page.contains(field));
    let id: String = a
        .db()
        .query_row("SELECT id FROM outbox WHERE type = 'message'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let r = owner.post("/home/settings/outbox/retry", &[("id", &id)]);
    assert_eq!(r.header("Location"), Some("/home/settings"));
    let said = note(&owner, "/home/settings");
    assert!(said.to_lowercase().contains("retrying message"), "{said}");
    owner.post("/home/settings/outbox/drop", &[("id", &id)]);
    assert_eq!(a.count("outbox"), 0, "dropped");
    assert_eq!(state(&a, &id), "failed", "the message shows as failed");
}

#[test]
fn signing_out_ends_the_session_and_clears_the_cookie() {
    let a = started("Ada");
    let owner = Owner::signed_in(a.root(), a.port);
    let r = owner.post("/home/logout", &[]);
    assert_eq!(r.status, 303);
    assert_eq!(r.header("Location"), Some("/home/login"));
    assert!(r.header("Set-Cookie").unwrap_or("").contains("Max-Age=0"));
    assert_eq!(owner.get("/home/").status, 303, "the old cookie is dead");
}

#[test]
fn the_timeline_shows_own_posts_as_text_marks_friends_only_and_hides_drafts() {
    let a = started("Ada");
    a.ok(&["new", "--title", "Loud", "some **bold** and `code` words"]);
    a.ok(&["new", "--friends-only", "only for friends"]);
    a.ok(&["new", "--draft", "not ready yet"]);
    let owner = Owner::signed_in(a.root(), a.port);
    let page = owner.get("/home/?show=new").body;
    assert!(page.contains("some bold and code words"), "{page}");
    assert!(!page.contains("**bold**"));
    assert!(page.contains("only for friends") && page.contains("Friends only"));
    assert!(!page.contains("not ready yet"), "drafts stay out");
    assert!(page.contains("<time datetime=\""), "machine-readable times");
}
