//! Conversations in the owner web interface over HTTP, on real sidecars
//! (127.0.0.1 only, every wait bounded): the new pages need a session and
//! every new form its CSRF token; a reply and a reaction made from the web
//! reach the friend; payloads stay inert; the unread count follows.

mod support;

use microsocial::store::{Found, NotificationKind, Store};
use std::io::{BufRead as _, BufReader, Write as _};
use std::time::{Duration, Instant};
use support::web::{assert_inert, encode, keep_for_validation, Owner};
use support::*;

const XSS: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>";

const GETS: &[&str] = &[
    "/home/notifications",
    "/home/webmentions",
    "/home/thread?url=http%3A%2F%2F127.0.0.1%2Fposts%2Fx%2F",
];
const POSTS: &[&str] = &[
    "/home/notifications/read",
    "/home/webmentions/approve",
    "/home/webmentions/reject",
    "/home/reply",
    "/home/react",
    "/home/thread/hide",
];

/// The one-time note the last POST left, from the page it redirected to.
fn note_after(owner: &Owner, r: &support::web::Resp) -> String {
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.header("Location").unwrap().to_string();
    let page = owner.get(&to).body;
    let at = page.find("role=\"status\">").map_or(0, |i| i + 14);
    page[at..].split('<').next().unwrap_or("").to_string()
}

fn unread_badge(page: &str) -> Option<String> {
    let at = page.find("id=\"unread\"")?;
    let tag = &page[at..];
    if tag.split('>').next()?.contains("hidden") {
        return None;
    }
    let n = tag.find("id=\"unread-n\">")? + 14;
    Some(tag[n..].split('<').next()?.to_string())
}

#[test]
fn the_new_pages_need_a_session_and_their_forms_the_csrf_token() {
    let a = started("Ann");
    let anon = Owner::anonymous(a.port);
    for path in GETS {
        let r = anon.get(path);
        assert_eq!(r.status, 303, "{path}");
        assert_eq!(r.header("Location"), Some("/home/login"), "{path}");
    }
    let origin = anon.base.clone();
    for path in POSTS {
        let r = anon.send("POST", path, &[("Origin", &origin)], Some("x=1"));
        assert_eq!(r.status, 401, "{path}");
    }
    let owner = Owner::signed_in(a.root(), a.port);
    for path in GETS {
        assert_eq!(owner.get(path).status, 200, "{path}");
    }
    for path in POSTS {
        let body = encode(&[("url", "http://127.0.0.1/"), ("id", "1"), ("all", "1")]);
        let r = owner.send("POST", path, &[("Origin", &origin)], Some(&body));
        assert_eq!(r.status, 403, "{path}: no token");
        let bad = format!("csrf={}&{body}", "0".repeat(64));
        let r = owner.send("POST", path, &[("Origin", &origin)], Some(&bad));
        assert_eq!(r.status, 403, "{path}: a wrong token");
    }
}

/// Ann posts; Bo (her friend) replies and reacts from his web interface.
#[test]
fn a_reply_and_a_reaction_from_the_web_reach_the_friend() {
    let a = started("Ann");
    let b = started("Bo");
    befriend(&a, &b);
    a.ok(&["new", "Ann asks: tea or coffee?"]);
    a.ok(&["publish"]);
    let bo = Owner::signed_in(b.root(), b.port);
    wait_until("Ann's post on Bo's timeline", || {
        bo.get("/home/?show=new").body.contains("tea or coffee")
    });
    let timeline = bo.get("/home/").body;
    assert!(timeline.contains("action=\"/home/reply\""), "{timeline}");
    assert!(timeline.contains("action=\"/home/react\""));
    keep_for_validation("conv-timeline-friend", &timeline);
    let parent: String = b
        .db()
        .query_row("SELECT id FROM friend_items", [], |r| r.get(0))
        .unwrap();

    // A reply: a post file with `in_reply_to`, published, Ann is told.
    let text = format!("Bo says: tea {XSS}");
    let r = bo.post("/home/reply", &[("url", &parent), ("text", &text)]);
    let note = note_after(&bo, &r);
    assert!(note.contains("Replied to"), "{note}");
    let posts = b.root().join("content/posts");
    let found = std::fs::read_dir(&posts)
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .find(|s| s.contains("Bo says: tea"))
        .expect("the reply's post file");
    assert!(
        found.contains(&format!("in_reply_to = \"{parent}\"")),
        "{found}"
    );

    // A reaction; text and 100 emoji are refused with a note, nothing sent.
    let r = bo.post(
        "/home/react",
        &[("url", &parent), ("emoji", "👍"), ("op", "add")],
    );
    assert!(note_after(&bo, &r).contains("Reacted 👍"));
    for bad in ["hello", &"👍".repeat(100)] {
        let r = bo.post("/home/react", &[("url", &parent), ("emoji", bad)]);
        assert!(note_after(&bo, &r).starts_with("Failed"), "{bad}");
    }
    let ann = Owner::signed_in(a.root(), a.port);
    wait_until("the reply and the reaction at Ann's", || {
        a.count("replies") == 1 && a.count("reactions") == 1
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        a.count("reactions"),
        1,
        "the refused reactions stored nothing"
    );
    wait_until("the counts on Ann's timeline", || {
        ann.get("/home/?show=new").body.contains("1 reply · 👍 1")
    });

    // The thread: Bo's reply (inert), who reacted, Hide and Show.
    let q = encode(&[("url", &parent)]);
    let thread = ann.get(&format!("/home/thread?{q}")).body;
    assert!(thread.contains("Bo says: tea"), "{thread}");
    assert!(thread.contains("👍</span> 1 — Bo"), "{thread}");
    assert_inert(&thread, "thread");
    keep_for_validation("conv-thread", &thread);
    let reply_url: String = a
        .db()
        .query_row("SELECT url FROM replies", [], |r| r.get(0))
        .unwrap();
    let back = format!("/home/thread?{q}");
    let r = ann.post(
        "/home/thread/hide",
        &[("url", &reply_url), ("hidden", "1"), ("back", &back)],
    );
    assert!(note_after(&ann, &r).contains("Hid reply"));
    let hidden: bool = a
        .db()
        .query_row("SELECT hidden FROM replies", [], |r| r.get(0))
        .unwrap();
    assert!(hidden);
    assert!(ann.get(&back).body.contains(">Show</button>"));
    let r = ann.post("/home/thread/hide", &[("url", &reply_url), ("hidden", "0")]);
    assert!(note_after(&ann, &r).contains("Showed again"));

    // The notifications page: the reply and the reaction, inert; read.
    let page = ann.get("/home/notifications").body;
    assert!(
        page.contains("reply") && page.contains("reacted 👍"),
        "{page}"
    );
    assert_inert(&page, "notifications");
    keep_for_validation("conv-notifications", &page);
    assert!(unread_badge(&page).is_some_and(|n| n != "0"), "{page}");
    // Take the reaction back from the web.
    let r = bo.post(
        "/home/react",
        &[("url", &parent), ("emoji", "👍"), ("op", "remove")],
    );
    assert!(note_after(&bo, &r).contains("Took back 👍"));
    wait_until("the reaction gone at Ann's", || {
        let q = "SELECT count(*) FROM reactions WHERE present = 1";
        a.db().query_row(q, [], |r| r.get::<_, i64>(0)).unwrap() == 0
    });

    // A reply to a friends-only post is friends-only too.
    a.ok(&["new", "--friends-only", "Ann whispers: a secret"]);
    a.ok(&["publish"]);
    let mut secret = String::new();
    wait_until("Ann's friends-only post at Bo's", || {
        let q = "SELECT id FROM friend_items WHERE private = 1";
        b.db()
            .query_row(q, [], |r| r.get::<_, String>(0))
            .map(|id| secret = id)
            .is_ok()
    });
    let r = bo.post(
        "/home/reply",
        &[("url", &secret), ("text", "Bo whispers back")],
    );
    assert!(note_after(&bo, &r).contains("friends only"));
    let file = std::fs::read_dir(&posts)
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .find(|s| s.contains("Bo whispers back"))
        .expect("the friends-only reply's file");
    assert!(file.contains("visibility = \"friends\""), "{file}");
    // Its notification arrives with Ann's next pull: wait, or marking all
    // read below races it.
    wait_until("the friends-only reply at Ann's", || {
        let q = "SELECT count(*) FROM notifications WHERE text LIKE '%whispers back%'";
        a.db().query_row(q, [], |r| r.get::<_, i64>(0)).unwrap() == 1
    });

    let unread = || -> i64 {
        a.db()
            .query_row(
                "SELECT count(*) FROM notifications WHERE read = 0",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    // Other notifications may still be arriving: check the one marked.
    let one: i64 = a
        .db()
        .query_row(
            "SELECT max(id) FROM notifications WHERE read = 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let is_read = |id: i64| -> bool {
        a.db()
            .query_row("SELECT read FROM notifications WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
    };
    assert!(!is_read(one));
    let r = ann.post("/home/notifications/read", &[("id", &one.to_string())]);
    assert!(note_after(&ann, &r).contains("Marked 1 notification read"));
    assert!(is_read(one));
    let r = ann.post("/home/notifications/read", &[("all", "1")]);
    assert!(note_after(&ann, &r).contains("Marked "));
    let left: Vec<String> = {
        let db = a.db();
        let mut st = db
            .prepare("SELECT kind || ': ' || text FROM notifications WHERE read = 0")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(unread(), 0, "{left:?}");
    assert_eq!(unread_badge(&ann.get("/home/").body), None);
}

/// A held Webmention whose content is a payload: shown inert, approved.
#[test]
fn a_held_webmention_is_shown_inert_and_approved_from_the_web() {
    let a = started("Ann");
    let target = format!("{}posts/x/", a.url());
    {
        let st = Store::open(a.root()).unwrap();
        let id = st
            .queue_webmention("wm1", "https://elsewhere.example/p", &target, 1)
            .unwrap();
        let found = Found {
            kind: "mention".into(),
            author_name: Some(format!("Eve{XSS}")),
            author_url: None,
            content: Some(format!("nice {XSS}")),
            published: None,
        };
        st.webmention_verified(&id, &found, false, 2).unwrap();
    }
    let owner = Owner::signed_in(a.root(), a.port);
    let page = owner.get("/home/webmentions").body;
    assert!(page.contains("nice &lt;script&gt;"), "{page}");
    assert!(page.contains("action=\"/home/webmentions/approve\""));
    assert_inert(&page, "webmentions");
    keep_for_validation("conv-webmentions", &page);
    let r = owner.post("/home/webmentions/approve", &[("id", "wm1")]);
    assert!(note_after(&owner, &r).contains("Approved Webmention wm1"));
    let st = Store::open(a.root()).unwrap();
    let w = st.find_webmention("wm1").unwrap().unwrap();
    assert_eq!(w.status(), "approved");
    let r = owner.post("/home/webmentions/reject", &[("id", "nope")]);
    assert!(note_after(&owner, &r).contains("no Webmention `nope`"));
}

/// Reads the event stream until an `unread` event says `want`.
fn wait_for_unread(stream: &mut BufReader<std::net::TcpStream>, want: &str) {
    let start = Instant::now();
    let mut event = String::new();
    let mut line = String::new();
    while start.elapsed() < Duration::from_secs(20) {
        line.clear();
        if stream.read_line(&mut line).unwrap_or(0) == 0 {
            panic!("the event stream closed");
        }
        let l = line.trim_end();
        if let Some(e) = l.strip_prefix("event: ") {
            event = e.to_string();
        } else if let Some(d) = l.strip_prefix("data: ") {
            if event == "unread" && d == want {
                return;
            }
        }
    }
    panic!("no `unread` event with {want} in 20 s");
}

/// A notification stored by another process (as the CLI does) and one
/// from the inbox both reach an open page's stream; the page shows them.
#[test]
fn the_unread_count_changes_after_a_notification() {
    let a = started("Ann");
    let owner = Owner::signed_in(a.root(), a.port);
    assert_eq!(unread_badge(&owner.get("/home/").body), None);
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", a.port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let cookie = owner.cookie.clone().unwrap();
    write!(
        tcp,
        "GET /home/events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\r\n"
    )
    .unwrap();
    let mut stream = BufReader::new(tcp);
    Store::open(a.root())
        .unwrap()
        .add_notification(NotificationKind::Mention, "https://b.example/", None, XSS)
        .unwrap();
    wait_for_unread(&mut stream, "1");
    let c = started("Cy");
    c.ok(&["friends", "add", &a.url()]);
    wait_for_unread(&mut stream, "2");
    let page = owner.get("/home/notifications").body;
    assert_eq!(unread_badge(&page).as_deref(), Some("2"), "{page}");
    assert_inert(&page, "a notification's text");
}
