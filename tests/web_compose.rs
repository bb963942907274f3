//! Compose, posts and profile in the owner interface: over HTTP (session,
//! CSRF, uploads checked) and in a real browser with JavaScript off (post
//! with an image, see it on the public page and in a friend's timeline).

mod support;

use support::web::{multipart, Owner};
use support::webdriver::{driver_path, Browser};
use support::*;

const GETS: &[&str] = &[
    "/home/compose",
    "/home/posts",
    "/home/posts/edit?id=posts%2Fx.md",
    "/home/posts/delete?id=posts%2Fx.md",
    "/home/profile",
    "/home/media/x.png",
];
const POSTS: &[&str] = &[
    "/home/compose",
    "/home/posts/edit",
    "/home/posts/delete",
    "/home/profile",
];

/// POSTs a multipart form as the owner's browser would; the status.
fn post_multipart(o: &Owner, path: &str, csrf: Option<&str>, file: Option<(&str, &[u8])>) -> u16 {
    let mut fields = vec![("title", "Uploaded"), ("body", "text"), ("do", "post")];
    if let Some(t) = csrf {
        fields.push(("csrf", t));
    }
    let (kind, body) = multipart(&fields, file);
    let agent = ureq::AgentBuilder::new()
        .redirects(0)
        .timeout(std::time::Duration::from_secs(30))
        .build();
    let mut req = agent
        .post(&format!("{}{path}", o.base))
        .set("Content-Type", &kind)
        .set("Origin", &o.base);
    if let Some(c) = &o.cookie {
        req = req.set("Cookie", c);
    }
    match req.send_bytes(&body) {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r.status(),
        Err(e) => panic!("POST {path}: {e}"),
    }
}

#[test]
fn compose_paths_need_a_session_and_the_csrf_token() {
    let site = started("Ann");
    let anon = Owner::anonymous(site.port);
    for path in GETS {
        assert_eq!(anon.get(path).status, 303, "GET {path}");
    }
    for path in POSTS {
        assert_eq!(post_multipart(&anon, path, Some("x"), None), 401, "{path}");
    }
    let owner = Owner::signed_in(site.root(), site.port);
    let before = std::fs::read_dir(site.root().join("content/posts"))
        .unwrap()
        .count();
    // A multipart form without the session's token changes nothing.
    assert_eq!(
        post_multipart(&owner, "/home/compose", None, Some(("a.png", PNG))),
        403
    );
    assert_eq!(
        post_multipart(&owner, "/home/compose", Some(&"0".repeat(64)), None),
        403
    );
    // HTML called .png is refused, and the text typed is shown again.
    let csrf = owner.csrf();
    let html = b"<html><script>alert(1)</script></html>";
    assert_eq!(
        post_multipart(&owner, "/home/compose", Some(&csrf), Some(("x.png", html))),
        200
    );
    let after = std::fs::read_dir(site.root().join("content/posts"))
        .unwrap()
        .count();
    assert_eq!(before, after, "nothing was written");
    // A real image is stored beside its post.
    assert_eq!(
        post_multipart(&owner, "/home/compose", Some(&csrf), Some(("a.png", PNG))),
        303
    );
    let folder = site.root().join("content/posts");
    let stored = walkdir::WalkDir::new(&folder)
        .into_iter()
        .filter_map(Result::ok)
        .any(|e| e.file_name() == "a.png");
    assert!(stored, "the image is under content/posts/");
    keep_pages(&owner, site.root());
}

/// Saves every compose screen, filled, for the HTML validator
/// (`.ci/validate-html` checks `target/home-pages/`).
fn keep_pages(owner: &Owner, root: &std::path::Path) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/home-pages");
    std::fs::create_dir_all(&dir).unwrap();
    let id = microsocial::actions::post::list(root).unwrap()[0]
        .id
        .as_str()
        .replace('/', "%2F");
    let csrf = owner.csrf();
    let (kind, body) = multipart(
        &[
            ("csrf", &csrf),
            ("title", "T"),
            ("body", "**b** <script>x</script>"),
            ("do", "preview"),
        ],
        None,
    );
    let preview = ureq::post(&format!("{}/home/compose", owner.base))
        .set("Content-Type", &kind)
        .set("Origin", &owner.base)
        .set("Cookie", owner.cookie.as_deref().unwrap_or(""))
        .send_bytes(&body)
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        preview.contains("<strong>b</strong>") && !preview.contains("<script>x"),
        "{preview}"
    );
    std::fs::write(dir.join("compose-preview.html"), preview).unwrap();
    for (name, path) in [
        ("compose", "/home/compose".to_string()),
        ("posts", "/home/posts".to_string()),
        ("post-edit", format!("/home/posts/edit?id={id}")),
        ("post-delete", format!("/home/posts/delete?id={id}")),
        ("profile", "/home/profile".to_string()),
    ] {
        let r = owner.get(&path);
        assert_eq!(r.status, 200, "{path}");
        std::fs::write(dir.join(format!("{name}.html")), r.body).unwrap();
    }
}

/// The browser test of issue 11: post with an image (JavaScript off), see
/// it on the public page and in a friend's timeline; a friends-only image
/// reaches the friend only sealed and is shown from its own `/home/media/`.
#[test]
fn browser_post_with_an_image_reaches_the_public_page_and_a_friends_timeline() {
    let Some(driver) = driver_path() else {
        return;
    };
    let a = started("Ann");
    let b = started("Bo");
    befriend(&a, &b);
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("Garden Dot.png");
    std::fs::write(&image, PNG).unwrap();
    let browser = Browser::start(&driver, false, 1000);

    browser.go(&format!(
        "{}{}",
        a.url().trim_end_matches('/'),
        web::login_path(a.root(), &[])
    ));
    browser.click("form[action^='/home/login/'] button");
    browser.wait_source("the timeline after signing in", |s| {
        s.contains("<h1>Timeline</h1>")
    });
    let compose = |title: &str, friends: bool| {
        browser.go(&format!("{}home/compose", a.url()));
        browser.wait_source("the compose form", |s| s.contains("id=\"title\""));
        browser.type_into("#title", title);
        browser.type_into("#body", &format!("Text of {title}."));
        if friends {
            browser.click("#vis-friends");
        }
        browser.type_into("#images", &image.display().to_string());
        if !friends {
            // README screenshots, when asked for (as tests/browser.rs does).
            for width in [1000, 375] {
                browser.resize(width, 900);
                if let Ok(dir) = std::env::var("MICROSOCIAL_SCREENS") {
                    let file = std::path::Path::new(&dir).join(format!("compose-{width}.png"));
                    std::fs::write(file, browser.screenshot()).unwrap();
                }
            }
            browser.resize(1000, 900);
        }
        browser.click("button[value=post]");
        browser.wait_source("the posts list", |s| {
            s.contains("Your posts") && s.contains(title)
        });
    };
    compose("Public garden 4411", false);
    compose("Secret garden 4412", true);

    // The public page shows the image, whose bytes are the upload's.
    browser.go(&format!("{}posts/public-garden-4411/", a.url()));
    browser.wait_source("the public page", |s| s.contains("garden-dot.png"));
    let img = ureq::get(&format!(
        "{}posts/public-garden-4411/garden-dot.png",
        a.url()
    ))
    .call()
    .unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut img.into_reader(), &mut bytes).unwrap();
    assert_eq!(bytes, PNG);
    // The friends-only one is not public in any form.
    assert!(ureq::get(&format!("{}posts/secret-garden-4412/", a.url()))
        .call()
        .is_err());

    // Bo's timeline, in a new session of the same browser.
    browser.go(&format!(
        "{}{}",
        b.url().trim_end_matches('/'),
        web::login_path(b.root(), &[])
    ));
    browser.click("form[action^='/home/login/'] button");
    browser.wait_source("the timeline after signing in", |s| {
        s.contains("<h1>Timeline</h1>")
    });
    browser.wait_source("Bo's timeline with both posts", |s| {
        s.contains("Public garden 4411") && s.contains("Secret garden 4412")
    });
    let page = browser.source();
    let opened = walkdir::WalkDir::new(b.root().join(".social/media"))
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_type().is_file())
        .expect("Bo opened the sealed image");
    let name = opened.file_name().to_string_lossy().to_string();
    assert_eq!(std::fs::read(opened.path()).unwrap(), PNG);
    assert!(
        page.contains(&format!("src=\"/home/media/{name}\"")),
        "{page}"
    );
    // The browser loads it from Bo's own interface.
    browser.go(&format!("{}home/media/{name}", b.url()));
    assert!(browser.title().contains(&name) || browser.source().contains("<img"));
}

/// Sends only the head of a large upload and reads what the server says
/// before any body byte: 413 at once, or nothing yet (it waits for the body).
fn head_only_upload(port: u16, cookie: Option<&str>, len: usize) -> Option<String> {
    use std::io::{Read as _, Write as _};
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(2)))
        .unwrap();
    let cookie = cookie.map_or(String::new(), |c| format!("Cookie: {c}\r\n"));
    write!(
        tcp,
        "POST /home/compose HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{cookie}\
         Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {len}\r\n\r\n"
    )
    .unwrap();
    let mut buf = [0u8; 512];
    match tcp.read(&mut buf) {
        Ok(n) if n > 0 => Some(String::from_utf8_lossy(&buf[..n]).into_owned()),
        _ => None,
    }
}

#[test]
fn a_large_upload_is_read_only_from_a_signed_in_owner() {
    let site = started("Ann");
    let len = 5 * 1024 * 1024;
    // Without a session (or with a forged one) the front refuses the body
    // before reading it: a stranger cannot make the server take megabytes.
    let anon = head_only_upload(site.port, None, len).expect("an answer at once");
    assert!(anon.starts_with("HTTP/1.1 413"), "{anon}");
    let forged = head_only_upload(
        site.port,
        Some(&format!("microsocial={}", "0".repeat(64))),
        len,
    )
    .expect("an answer at once");
    assert!(forged.starts_with("HTTP/1.1 413"), "{forged}");
    // Signed in, the same head is accepted: the server waits for the body.
    let owner = Owner::signed_in(site.root(), site.port);
    let cookie = owner.cookie.clone().unwrap();
    assert_eq!(head_only_upload(site.port, Some(&cookie), len), None);
}
