//! Webmention end to end, against real sidecars and fixture sites on
//! 127.0.0.1: receiving (verified and held, no link refused, a private
//! source never fetched, a flood limited) and sending from `publish`
//! (endpoint discovery per the spec, nothing for friends-only posts).

mod support;

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::fixture::{html, Answer, Fixture};
use support::{wait_until, Site};

/// A site with one public post (and its sidecar running); returns the post's URL.
fn site_with_post(extra: &str) -> (Site, String) {
    let mut site = Site::with_port("Ann", support::free_port(), extra);
    site.ok(&["new", "--title", "Hello there", "A post to mention."]);
    site.ok(&["build"]);
    let url = format!("{}posts/hello-there/", site.url());
    assert!(site
        .root()
        .join("public/posts/hello-there/index.html")
        .is_file());
    site.start();
    (site, url)
}

/// POSTs a Webmention form; returns the status and the Retry-After header.
fn mention(site: &Site, source: &str, target: &str) -> (u16, Option<String>) {
    let r = ureq::post(&format!("{}webmention", site.url()))
        .send_form(&[("source", source), ("target", target)]);
    match r {
        Ok(r) => (r.status(), None),
        Err(ureq::Error::Status(code, r)) => (code, r.header("Retry-After").map(str::to_string)),
        Err(e) => panic!("transport error: {e}"),
    }
}

fn list_json(site: &Site) -> Vec<serde_json::Value> {
    serde_json::from_str(&site.ok(&["webmentions", "--json"])).unwrap()
}

fn state_of(site: &Site, source: &str) -> Option<String> {
    list_json(site)
        .iter()
        .find(|w| w["source"] == source)
        .map(|w| w["state"].as_str().unwrap_or("").to_string())
}

#[test]
fn a_valid_mention_is_verified_held_and_approved() {
    let (ann, post) = site_with_post("");
    let target = post.clone();
    let bo = Fixture::start(move |path, _| match path {
        "/notes/1" => html(&format!(
            r#"<article class="h-entry"><a class="p-author h-card" href="/">Bo</a>
               <a class="u-in-reply-to" href="{target}">re</a>
               <time class="dt-published" datetime="2026-11-25T10:00:00Z">now</time>
               <p class="e-content">Great post! <script>alert(1)</script>&lt;img src=x onerror=alert(2)&gt;</p></article>"#
        )),
        _ => (404, vec![], String::new()),
    });
    let source = bo.url("/notes/1");
    assert_eq!(mention(&ann, &source, &post).0, 202);
    wait_until("the mention verified", || {
        state_of(&ann, &source).as_deref() == Some("pending")
    });
    let w = list_json(&ann).remove(0);
    assert_eq!(w["kind"], "reply");
    assert_eq!(w["author_name"], "Bo");
    assert_eq!(w["author_url"], bo.url("/"));
    assert_eq!(w["content"], "Great post! <img src=x onerror=alert(2)>");
    assert_eq!(w["published"], "2026-11-25T10:00:00Z");
    // `list` prints the ID first, then state, source and target.
    let line = ann.ok(&["webmentions"]);
    let id = w["id"].as_str().unwrap();
    assert_eq!(line.trim(), format!("{id} pending {source} {post}"));
    // The owner is told once, even when the source sends it again.
    let held = |site: &Site| -> Vec<serde_json::Value> {
        let all: Vec<serde_json::Value> =
            serde_json::from_str(&site.ok(&["notifications", "--json"])).unwrap();
        all.into_iter()
            .filter(|n| n["kind"] == "webmention")
            .collect()
    };
    assert_eq!(held(&ann).len(), 1);
    assert_eq!(held(&ann)[0]["from"], source);
    assert!(held(&ann)[0]["text"]
        .as_str()
        .unwrap()
        .contains("awaits approval"));
    assert_eq!(mention(&ann, &source, &post).0, 202);
    wait_until("the mention verified again", || {
        state_of(&ann, &source).as_deref() == Some("pending")
    });
    assert_eq!(held(&ann).len(), 1);
    let node = microsocial::federation::friends::Node::open(ann.root()).unwrap();
    assert!(
        microsocial::actions::webmentions::approved_for(&node, &post)
            .unwrap()
            .is_empty()
    );
    let page =
        || std::fs::read_to_string(ann.root().join("public/posts/hello-there/index.html")).unwrap();
    ann.ok(&["build"]);
    assert!(
        !page().contains("Great post!"),
        "a held mention is not shown"
    );
    ann.ok(&["webmentions", "approve", &id[..6]]);
    assert_eq!(state_of(&ann, &source).as_deref(), Some("approved"));
    let shown = microsocial::actions::webmentions::approved_for(&node, &post).unwrap();
    assert_eq!(shown.len(), 1);
    // Approved: under the post like a reply, its text inert.
    let html = page();
    assert!(
        html.contains("Great post!") && html.contains(&source),
        "{html}"
    );
    assert!(
        html.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "{html}"
    );
    assert!(
        !html.contains("<img src=x") && !html.contains("alert(1)"),
        "{html}"
    );
    ann.ok(&["webmentions", "reject", id]);
    assert_eq!(state_of(&ann, &source).as_deref(), Some("rejected"));
    assert!(
        !page().contains("Great post!"),
        "a rejected mention is gone"
    );
}

#[test]
fn a_source_that_does_not_link_to_the_target_is_refused() {
    let (ann, post) = site_with_post("");
    let bo = Fixture::start(|_, _| {
        html(r#"<div class="h-entry"><p class="e-content">Nothing here</p></div>"#)
    });
    let source = bo.url("/notes/2");
    assert_eq!(mention(&ann, &source, &post).0, 202);
    wait_until("the mention refused", || {
        state_of(&ann, &source).as_deref() == Some("refused")
    });
    let w = list_json(&ann).remove(0);
    assert!(
        w["reason"].as_str().unwrap().contains("does not link"),
        "{w}"
    );
    assert!(w["content"].is_null());
    // Only a verified mention can be approved.
    let out = ann.run(&["webmentions", "approve", w["id"].as_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not verified"));
}

#[test]
fn bad_requests_are_refused_at_once() {
    let (ann, post) = site_with_post("");
    for (source, target) in [
        ("https://b.example/1", "https://elsewhere.example/"),
        ("not a url", post.as_str()),
        (post.as_str(), post.as_str()),
        (
            "https://b.example/1",
            &format!("{}federation/feed.json", ann.url()),
        ),
        (
            "https://b.example/1",
            &format!("{}posts/no-such-post/", ann.url()),
        ),
    ] {
        assert_eq!(mention(&ann, source, target).0, 400, "{source} → {target}");
    }
    assert!(list_json(&ann).is_empty());
    let get = ureq::get(&format!("{}webmention", ann.url())).call();
    assert!(matches!(get, Err(ureq::Error::Status(405, _))));
}

#[test]
fn a_source_on_a_private_address_is_never_fetched() {
    let (mut ann, post) = site_with_post("");
    // This site refuses private addresses, as every real one does.
    ann.stop();
    ann.refuse_private_addresses();
    ann.start();
    // A listener that only counts connections.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let source = format!("http://127.0.0.1:{port}/notes/3");
    assert_eq!(mention(&ann, &source, &post).0, 202);
    wait_until("the mention refused", || {
        state_of(&ann, &source).as_deref() == Some("refused")
    });
    let w = list_json(&ann).remove(0);
    assert!(
        w["reason"].as_str().unwrap().contains("private address"),
        "{w}"
    );
    assert!(
        listener.accept().is_err(),
        "a connection reached the private source"
    );
}

#[test]
fn a_flood_from_one_host_is_rate_limited() {
    let (ann, post) = site_with_post("");
    // Nothing listens there: each verification fails fast.
    let dead = support::free_port();
    let codes: Vec<_> = (0..25)
        .map(|i| mention(&ann, &format!("http://127.0.0.1:{dead}/n/{i}"), &post))
        .collect();
    let accepted = codes.iter().filter(|(c, _)| *c == 202).count();
    assert_eq!(accepted, 10, "{codes:?}");
    let (code, after) = &codes[24];
    assert_eq!(*code, 429);
    assert!(after
        .as_deref()
        .is_some_and(|s| s.parse::<u64>().is_ok_and(|n| n >= 1)));
    // Another host is not held back by the flood.
    assert_eq!(
        mention(&ann, &format!("http://localhost:{dead}/n/1"), &post).0,
        202
    );
}

#[test]
fn pages_advertise_the_endpoint() {
    let (ann, post) = site_with_post("");
    let r = ureq::get(&post).call().unwrap();
    let endpoint = format!("{}webmention", ann.url());
    assert_eq!(
        r.header("Link"),
        Some(format!("<{endpoint}>; rel=\"webmention\"").as_str())
    );
    let body = r.into_string().unwrap();
    assert!(
        body.contains(&format!("<link rel=\"webmention\" href=\"{endpoint}\">")),
        "{body}"
    );
    let css = ureq::get(&format!("{}style.css", ann.url()))
        .call()
        .unwrap();
    assert_eq!(css.header("Link"), None);
}

/// The fixture's pages, one per discovery case of the spec.
fn discovery_site(path: &str, port: u16) -> Answer {
    let link = |v: String| {
        vec![
            ("Link".to_string(), v),
            ("Content-Type".into(), "text/html".into()),
        ]
    };
    match path {
        "/t/abs" => (
            200,
            link(format!(
                "<http://127.0.0.1:{port}/wm/abs>; rel=\"webmention\""
            )),
            String::new(),
        ),
        "/t/rel" => (
            200,
            link("</wm/rel?x=1>; rel=webmention".into()),
            String::new(),
        ),
        "/t/multi" => (
            200,
            link("</wm/no>; rel=\"other\", </wm/multi>; rel=\"nope webmention\"".into()),
            String::new(),
        ),
        "/t/link" => html(r#"<head><link rel="webmention" href="/wm/link"></head>"#),
        "/t/a" => html(r#"<p><a rel="webmention" href="../wm/a">endpoint</a></p>"#),
        "/t/first" => html(
            r#"<!-- <link rel="webmention" href="/wm/comment"> --><a rel="webmention" href="/wm/first">x</a><link rel="webmention" href="/wm/second">"#,
        ),
        "/t/header-wins" => (
            200,
            link("</wm/header>; rel=webmention".into()),
            r#"<link rel="webmention" href="/wm/body">"#.into(),
        ),
        "/t/empty" => html(r#"<link rel="webmention" href="">"#),
        "/t/moved" => (
            302,
            vec![("Location".into(), "/r/new/".into())],
            String::new(),
        ),
        "/r/new/" => html(r#"<link rel="webmention" href="wm">"#),
        "/t/none" => html("<p>no endpoint</p>"),
        p if p.starts_with("/wm/") || p == "/t/empty" || p == "/r/new/wm" => {
            (202, vec![], String::new())
        }
        _ => (404, vec![], String::new()),
    }
}

#[test]
fn publish_discovers_endpoints_as_the_spec_says_and_skips_friends_only_posts() {
    let fx = Fixture::start(discovery_site);
    let mut ann = Site::new("Ann");
    let cases = [
        "abs",
        "rel",
        "multi",
        "link",
        "a",
        "first",
        "header-wins",
        "empty",
        "moved",
        "none",
    ];
    let links: Vec<String> = cases
        .iter()
        .map(|c| format!("[{c}]({})", fx.url(&format!("/t/{c}"))))
        .collect();
    let mine = format!("[mine]({}posts/)", ann.url());
    ann.ok(&[
        "new",
        "--title",
        "Links",
        &format!("{} {mine}", links.join(" ")),
    ]);
    let secret = fx.url("/t/secret");
    ann.ok(&[
        "new",
        "--title",
        "Secret",
        "--friends-only",
        &format!("[s]({secret})"),
    ]);
    let out = ann.ok(&["publish"]);
    assert!(out.contains("10 Webmention(s) queued"), "{out}");
    assert!(out.contains("notified 0 of 0 friends"), "{out}");
    let none = fx.url("/t/none");
    assert!(
        out.contains(&format!(
            "Webmention to {none} not sent: {none} advertises no Webmention endpoint"
        )),
        "{out}"
    );
    let source = format!("{}posts/links/", ann.url());
    let posts: Vec<(String, String)> = fx
        .seen()
        .into_iter()
        .filter(|(m, _, _)| m == "POST")
        .map(|(_, p, b)| (p, b))
        .collect();
    let expect = [
        ("abs", "/wm/abs"),
        ("rel", "/wm/rel?x=1"),
        ("multi", "/wm/multi"),
        ("link", "/wm/link"),
        ("a", "/wm/a"),
        ("first", "/wm/first"),
        ("header-wins", "/wm/header"),
        ("empty", "/t/empty"),
        ("moved", "/r/new/wm"),
    ];
    for (case, endpoint) in expect {
        let target = fx.url(&format!("/t/{case}"));
        let form = url_form(&source, &target);
        assert!(
            posts.iter().any(|(p, b)| p == endpoint && *b == form),
            "{case}: no POST of {form} to {endpoint} in {posts:?}"
        );
    }
    assert_eq!(posts.len(), expect.len(), "{posts:?}");
    // Nothing at all for the friends-only post, not even a discovery GET.
    assert!(fx.seen().iter().all(|(_, p, _)| p != "/t/secret"));
    let public = walk(&ann.root().join("public"));
    assert!(
        public.iter().all(|f| !f.contains("/t/secret")),
        "the secret link is public"
    );
    // The target without an endpoint failed for good; publishing again sends nothing new.
    let outbox = ann.ok(&["outbox", "--json"]);
    assert!(
        outbox.contains("advertises no Webmention endpoint"),
        "{outbox}"
    );
    let before = fx.seen().len();
    let again = ann.ok(&["publish"]);
    assert!(!again.contains("Webmention(s) queued"), "{again}");
    assert_eq!(fx.seen().len(), before);
    ann.stop();
}

fn url_form(source: &str, target: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("source", source)
        .append_pair("target", target)
        .finish()
}

/// The text of every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if e.file_type().is_file() {
            out.push(String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned());
        }
    }
    out
}

#[test]
fn the_answer_does_not_wait_for_a_slow_source() {
    // The sender gets 202 before the source answers.
    let (ann, post) = site_with_post("");
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = Arc::clone(&calls);
    let slow = Fixture::start(move |_, _| {
        c2.fetch_add(1, Ordering::Relaxed);
        std::thread::sleep(Duration::from_secs(2));
        html("<p>late</p>")
    });
    let started = std::time::Instant::now();
    assert_eq!(mention(&ann, &slow.url("/s"), &post).0, 202);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the answer waited for the source"
    );
    wait_until("the slow source refused", || {
        state_of(&ann, &slow.url("/s")).as_deref() == Some("refused")
    });
    assert_eq!(calls.load(Ordering::Relaxed), 1);
}

#[test]
fn a_friends_mention_is_approved_at_once_and_read_from_our_own_template() {
    let (ann, post) = site_with_post("");
    let mut bo = Site::new("Bo");
    bo.start();
    support::befriend(&ann, &bo);
    bo.ok(&[
        "new",
        "--title",
        "Answer",
        &format!("I liked [Ann's post]({post})."),
    ]);
    bo.ok(&["build"]);
    let source = format!("{}posts/answer/", bo.url());
    assert_eq!(mention(&ann, &source, &post).0, 202);
    wait_until("the friend's mention approved", || {
        state_of(&ann, &source).as_deref() == Some("approved")
    });
    let w = list_json(&ann).remove(0);
    assert_eq!(w["author_name"], "Bo");
    assert_eq!(w["kind"], "mention");
    assert!(
        w["content"]
            .as_str()
            .unwrap()
            .contains("I liked Ann's post."),
        "{w}"
    );
    let notes = ann.ok(&["notifications", "--json"]);
    assert!(!notes.contains("\"webmention\""), "{notes}");
    // The running sidecar rebuilds: the post's page shows it.
    let page = ann.root().join("public/posts/hello-there/index.html");
    wait_until("the mention under the post", || {
        std::fs::read_to_string(&page)
            .is_ok_and(|h| h.contains("I liked Ann") && h.contains(&source))
    });
}

/// A host of slow source pages delays only itself: another host's mention
/// is verified meanwhile (one worker used to check them one by one, 5 s
/// each), and that host's share of the queue is capped with a 429 for it.
#[test]
fn a_slow_source_host_does_not_hold_up_the_others() {
    let (ann, post) = site_with_post("");
    let target = post.clone();
    let fx = Fixture::start(move |path, _| {
        if path.starts_with("/slow/") {
            std::thread::sleep(Duration::from_secs(3));
        }
        html(&format!(r#"<p>See <a href="{target}">this</a>.</p>"#))
    });
    // Two host names for one fixture: 127.0.0.1 (slow) and localhost.
    let slow: Vec<String> = (0..6).map(|i| fx.url(&format!("/slow/{i}"))).collect();
    for s in &slow {
        assert_eq!(mention(&ann, s, &post).0, 202);
    }
    let fast = fx.url("/fast").replace("127.0.0.1", "localhost");
    assert_eq!(mention(&ann, &fast, &post).0, 202);
    let start = std::time::Instant::now();
    support::wait_within("the other host's mention", Duration::from_secs(10), || {
        state_of(&ann, &fast).as_deref() == Some("pending")
    });
    let took = start.elapsed();
    let slow_done = slow
        .iter()
        .filter(|s| state_of(&ann, s).as_deref() == Some("pending"))
        .count();
    assert!(
        slow_done < slow.len(),
        "the fast mention waited for every slow one ({took:?})"
    );
}
