//! Conversations across three real sites (issue 12): Ann is friends with Bo
//! and with Cy; Bo and Cy are not friends. Real sidecars on 127.0.0.1,
//! every wait bounded.

mod support;

use microsocial::federation::protocol::{self, types};
use support::*;

/// Ann, Bo and Cy, running; Ann befriends both.
fn three() -> (Site, Site, Site) {
    let a = started("Ann");
    let b = started("Bo");
    let c = started("Cy");
    befriend(&a, &b);
    befriend(&a, &c);
    (a, b, c)
}

/// The built page of `url` on `site`.
fn page(site: &Site, url: &str) -> String {
    let rel = url.strip_prefix(&site.url()).unwrap_or(url);
    std::fs::read_to_string(site.root().join("public").join(rel).join("index.html"))
        .unwrap_or_default()
}

fn private_view(site: &Site) -> String {
    std::fs::read_to_string(site.root().join(".social/private/index.html")).unwrap_or_default()
}

fn notifications(site: &Site, unread: bool) -> Vec<serde_json::Value> {
    let mut args = vec!["notifications", "--json"];
    if unread {
        args.push("--unread");
    }
    let v: serde_json::Value = serde_json::from_str(&site.ok(&args)).unwrap();
    v.as_array().unwrap().clone()
}

fn has_kind(site: &Site, kind: &str) -> bool {
    notifications(site, false).iter().any(|n| n["kind"] == kind)
}

/// Every file under `dir`, as text (lossy), for "no plain text anywhere".
fn all_text(dir: &std::path::Path) -> String {
    let mut out = String::new();
    for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if e.file_type().is_file() {
            out.push_str(&String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()));
        }
    }
    out
}

/// A message from `from` to `to`, signed with `from`'s key; (status, code).
fn send(from: &Site, to: &Site, kind: &str, body: serde_json::Value) -> (u16, String) {
    let raw = protocol::envelope_bytes(
        kind,
        &id(),
        &from.url(),
        &to.url(),
        chrono::Utc::now(),
        &body,
    );
    post(to, &raw, Some(&protocol::sign(&raw, &signing_key(from))))
}

#[test]
fn a_public_reply_is_checked_threaded_relayed_and_notified() {
    let (a, b, c) = three();
    a.ok(&["new", "Ann asks: tea or coffee?"]);
    a.ok(&["publish"]);
    let parent = held_id(&b, &a, "tea or coffee");
    let out = b.ok(&["new", "--reply-to", &parent, "Bo says: tea, always"]);
    let src = std::fs::read_to_string(b.root().join(out.trim())).unwrap();
    assert!(
        src.contains(&format!("in_reply_to = \"{parent}\"")),
        "{src}"
    );
    b.ok(&["publish"]);

    wait_until("Ann notified of the reply", || has_kind(&a, "reply"));
    let n = notifications(&a, true);
    let reply = n.iter().find(|n| n["kind"] == "reply").unwrap();
    assert_eq!(reply["from"], b.url());
    assert!(
        reply["text"].as_str().unwrap().contains("tea, always"),
        "{reply}"
    );
    for key in ["id", "kind", "from", "url", "text", "time", "read"] {
        assert!(reply.get(key).is_some(), "{key} missing in {reply}");
    }
    wait_until("the reply on Ann's public page", || {
        page(&a, &parent).contains("Bo says: tea, always")
    });
    assert!(page(&a, &parent).contains("class=\"thread\""));
    // Bo's own page says what it answers.
    let bo_reply = held_id(&a, &b, "tea, always");
    assert!(
        page(&b, &bo_reply).contains("u-in-reply-to"),
        "{}",
        page(&b, &bo_reply)
    );
    // Cy does not know Bo, but sees the reply under Ann's post.
    wait_until("Cy sees Bo's reply under Ann's post", || {
        private_view(&c).contains("Bo says: tea, always")
    });
    assert!(
        !c.timeline().contains("Bo says"),
        "Bo's own posts do not reach Cy"
    );

    // Hidden by Ann: gone from her page and, through her log, from Cy's view.
    a.ok(&["replies", "hide", &bo_reply]);
    assert!(!page(&a, &parent).contains("tea, always"));
    wait_until("the hidden reply gone at Cy's", || {
        !private_view(&c).contains("tea, always")
    });

    // Notifications are marked read.
    a.ok(&["notifications", "read", "--all"]);
    assert!(notifications(&a, true).is_empty());
    assert!(!notifications(&a, false).is_empty());
}

#[test]
fn a_reply_to_a_friends_only_post_stays_among_friends() {
    let (a, b, c) = three();
    a.ok(&[
        "new",
        "--friends-only",
        "Ann privately: the secret garden opens",
    ]);
    a.ok(&["publish"]);
    let parent = held_id(&b, &a, "secret garden");
    assert!(parent.contains(protocol::PRIVATE_DIR), "{parent}");
    let out = b.ok(&["new", "--reply-to", &parent, "Bo whispers: count me in"]);
    let src = std::fs::read_to_string(b.root().join(out.trim())).unwrap();
    assert!(
        src.contains("visibility = \"friends\""),
        "follows the parent: {src}"
    );
    b.ok(&["publish"]);
    wait_until("Ann notified", || has_kind(&a, "reply"));
    wait_until("Cy sees Bo's friends-only reply", || {
        private_view(&c).contains("Bo whispers: count me in")
    });
    for s in [&a, &b, &c] {
        let text = all_text(&s.root().join("public"));
        assert!(!text.contains("count me in"), "plain text in {}", s.url());
        assert!(!text.contains("secret garden"), "plain text in {}", s.url());
    }
}

#[test]
fn reactions_count_right_through_replays_and_duplicates() {
    let (a, b, c) = three();
    a.ok(&["new", "Ann: a photo of the sea"]);
    a.ok(&["publish"]);
    let post_url = held_id(&b, &a, "photo of the sea");
    b.ok(&["react", &post_url, "👍"]);
    c.ok(&["react", &post_url, "👍"]);
    c.ok(&["react", &post_url, "🎉"]);
    let count = || {
        a.db()
            .query_row(
                "SELECT count(*) FROM reactions WHERE present = 1",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
    };
    wait_until("three reactions", || count() == 3);
    wait_until("counts on Ann's public page", || {
        page(&a, &post_url).contains("class=\"reactions\"")
    });
    let html = page(&a, &post_url);
    assert!(
        !html.contains("Bo") || !html.contains("class=\"who\""),
        "public page names nobody"
    );
    wait_until("who reacted, in Ann's private view", || {
        private_view(&a).contains("class=\"who\"")
    });

    // A replayed envelope is refused; an old add sent again after a remove changes nothing.
    let t = chrono::Utc::now();
    let body = |op: &str, at: chrono::DateTime<chrono::Utc>| {
        serde_json::json!({"post": post_url, "emoji": "👍", "op": op,
            "written": protocol::written_now(at)})
    };
    let raw = protocol::envelope_bytes(
        types::REACTION,
        &id(),
        &b.url(),
        &a.url(),
        t,
        &body("remove", t),
    );
    let sig = protocol::sign(&raw, &signing_key(&b));
    assert_eq!(post(&a, &raw, Some(&sig)).0, 202);
    assert_eq!(post(&a, &raw, Some(&sig)), (409, "replay".into()));
    let old_add = body("add", t - chrono::Duration::seconds(5));
    assert_eq!(send(&b, &a, types::REACTION, old_add).0, 202);
    assert_eq!(send(&b, &a, types::REACTION, body("remove", t)).0, 202);
    assert_eq!(
        count(),
        2,
        "Cy's two stay; Bo's is removed once and for all"
    );
    // Removing and adding again through the CLI.
    c.ok(&["react", &post_url, "🎉", "--remove"]);
    wait_until("Cy's 🎉 removed", || count() == 1);
    assert!(has_kind(&a, "reaction"));
}

#[test]
fn hostile_conversation_messages_are_refused_and_store_nothing() {
    let (a, b, c) = three();
    let stranger = started("Dee");
    a.ok(&["new", "Ann: hello"]);
    a.ok(&["publish"]);
    let post_url = held_id(&b, &a, "Ann: hello");
    let claim = |url: String| serde_json::json!({"url": url, "in_reply_to": post_url});

    // A reply from a site that is no friend.
    let r = send(
        &stranger,
        &a,
        types::REPLY,
        claim(format!("{}posts/x/", stranger.url())),
    );
    assert_eq!(r, (403, "not_friend".into()));
    // A reply that Bo's log does not hold.
    let fake = format!("{}posts/never-written/", b.url());
    assert_eq!(send(&b, &a, types::REPLY, claim(fake.clone())).0, 202);
    wait_until("the claim refused", || a.log().contains("refused reply"));
    // A reaction of 100 emoji, or of text.
    for emoji in ["👍".repeat(100), "lol".to_string(), "<script>".to_string()] {
        let body = serde_json::json!({"post": post_url, "emoji": emoji, "op": "add",
            "written": protocol::written_now(chrono::Utc::now())});
        assert_eq!(send(&c, &a, types::REACTION, body).0, 400, "{emoji}");
    }
    assert_eq!((a.count("replies"), a.count("reactions")), (0, 0));
    assert!(!has_kind(&a, "reply") && !has_kind(&a, "reaction"));

    // XSS in a real reply: stored, but inert everywhere it shows.
    b.ok(&[
        "new",
        "--reply-to",
        &post_url,
        "Bo: <script>alert(1)</script><img src=x onerror=alert(2)> hi",
    ]);
    b.ok(&["publish"]);
    wait_until("the reply on Ann's page", || {
        page(&a, &post_url).contains("Bo: ")
    });
    wait_until("Ann's private view", || {
        private_view(&a).contains("class=\"thread\"")
    });
    for html in [page(&a, &post_url), private_view(&a)] {
        let start = html.find("class=\"thread\"").unwrap();
        let thread = &html[start..start + html[start..].find("</section>").unwrap()];
        assert!(
            !thread.contains("<script") && !thread.contains(" onerror="),
            "{thread}"
        );
    }
}

#[test]
fn an_older_peer_is_not_sent_types_it_does_not_list() {
    let (a, b, _c) = three();
    a.ok(&["new", "Ann: old software here"]);
    a.ok(&["publish"]);
    let post_url = held_id(&b, &a, "old software");
    // Ann's discovery document as a version before conversations lists it.
    let base: Vec<&str> = types::BASE_SET.to_vec();
    assert!(!base.contains(&types::REPLY) && !base.contains(&types::REACTION));
    b.db()
        .execute(
            "UPDATE friends SET accepts = ?1 WHERE url = ?2",
            [base.join("\n"), a.url()],
        )
        .unwrap();
    let out = b.run(&["react", &post_url, "👍"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not take reactions"));
    b.ok(&["new", "--reply-to", &post_url, "Bo: still works"]);
    let said = b.ok(&["publish"]);
    assert!(said.contains("does not take `reply`"), "{said}");
    let queued: i64 = b
        .db()
        .query_row(
            "SELECT count(*) FROM outbox WHERE type IN ('reply', 'reaction')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(queued, 0);
    // Discovery lists the new types.
    let disc_url = format!("{}{}", a.url(), protocol::DISCOVERY_PATH);
    let text = ureq::get(&disc_url).call().unwrap().into_string().unwrap();
    let disc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let accepts = disc["accepts"].as_array().unwrap();
    for t in [types::REPLY, types::REACTION, types::MENTION] {
        assert!(accepts.iter().any(|x| x == t), "{t} not listed");
    }
}

#[test]
fn a_mention_notifies_the_friend_named() {
    let (a, b, _c) = three();
    b.ok(&["new", "Thanks @Ann for the tea"]);
    b.ok(&["publish"]);
    wait_until("Ann notified of the mention", || has_kind(&a, "mention"));
    let n = notifications(&a, false);
    let url = n.iter().find(|n| n["kind"] == "mention").unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.starts_with(&b.url()), "{url}");
    // Bo's page links Ann as an h-card.
    let html = page(&b, &url);
    assert!(
        html.contains(&format!("class=\"h-card u-category\" href=\"{}\"", a.url())),
        "{html}"
    );
}
