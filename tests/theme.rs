//! The public theme as a reader sees it (issue #13): the welcome post rule,
//! times in the owner's zone, the friends-only badge, navigation state.

mod sites;

use sites::*;
use std::path::Path;
use std::process::Command;

fn init(dir: &Path) {
    let out = Command::new(BIN)
        .args(["init", "--url", "https://w.example/", "--author", "Wren"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every published file's text, to search for the welcome post.
fn published_text(root: &Path) -> String {
    snapshot(&root.join("public"))
        .into_values()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect()
}

#[test]
fn the_welcome_post_stays_out_of_build_until_the_owner_publishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("s");
    init(&root);
    ok(&root, &["build"]);
    let text = published_text(&root);
    assert!(
        !text.contains("Hello, world") && !root.join("public/posts/hello-world").exists(),
        "the welcome post was published (and so federated) by a plain build"
    );
    // Friends read the change log: it must not carry the welcome post either.
    assert!(!text.contains("hello-world"), "the change log names it");
    // The post says how to publish it; doing so publishes it.
    let posts = root.join("content/posts");
    let file = std::fs::read_dir(&posts)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("-hello-world.md"))
        .expect("init writes a welcome post");
    let source = std::fs::read_to_string(&file).unwrap();
    assert!(source.contains("draft = true"), "{source}");
    std::fs::write(&file, source.replace("draft = true\n", "")).unwrap();
    ok(&root, &["build"]);
    assert!(read(&root, "public/posts/hello-world/index.html").contains("Hello, world"));
    assert!(read(&root, "public/timeline/index.html").contains("Hello, world"));
}

#[test]
fn times_show_in_the_site_time_zone_across_a_dst_boundary() {
    let dir = site(10);
    let root = dir.path();
    let cfg =
        read(root, "social.toml").replace("[site]\n", "[site]\ntimezone = \"Europe/Paris\"\n");
    write(root, "social.toml", &cfg);
    // Summer time in Paris ends on 2026-10-25 at 01:00 UTC.
    write(
        root,
        "content/posts/summer.md",
        "+++\ntitle = \"Summer\"\ndate = 2026-10-25T00:59:00Z\n+++\n\nLast minute of summer time.\n",
    );
    write(
        root,
        "content/posts/winter.md",
        "+++\ntitle = \"Winter\"\ndate = 2026-10-25T01:00:00Z\nupdated = 2026-12-01T23:30:00Z\n+++\n\nFirst minute of winter time.\n",
    );
    ok(root, &["build"]);
    let summer = read(root, "public/posts/summer/index.html");
    assert!(summer.contains(">2026-10-25 02:59 CEST</time>"), "{summer}");
    // The machine-readable time is untouched.
    assert!(
        summer.contains("datetime=\"2026-10-25T00:59:00+00:00\""),
        "{summer}"
    );
    let winter = read(root, "public/posts/winter/index.html");
    assert!(winter.contains(">2026-10-25 02:00 CET</time>"), "{winter}");
    // The local date of an update can be the next day.
    assert!(winter.contains(">2026-12-02 00:30 CET</time>"), "{winter}");
    // Lists and the timeline use the same formatting.
    for page in ["public/index.html", "public/timeline/index.html"] {
        let html = read(root, page);
        assert!(
            html.contains("2026-10-25 02:59 CEST") && html.contains("2026-10-25 02:00 CET"),
            "{page}: {html}"
        );
    }
}

#[test]
fn the_friends_only_badge_is_inside_the_card_header_with_words_for_screen_readers() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("s");
    init(&root);
    write(
        &root,
        "content/posts/2026-01-02-secret.md",
        "+++\ntitle = \"Secret\"\nvisibility = \"friends\"\n+++\n\nOnly for friends.\n",
    );
    ok(&root, &["build"]);
    let home = read(&root, ".social/private/index.html");
    let card = home
        .split("<article")
        .find(|a| a.contains("Secret"))
        .unwrap_or_else(|| panic!("no card for the friends-only post: {home}"));
    let header = card
        .split("<header")
        .nth(1)
        .and_then(|h| h.split("</header>").next())
        .unwrap_or_else(|| panic!("the card has no header: {card}"));
    assert!(
        header.contains("class=\"badge\""),
        "badge outside the header: {card}"
    );
    assert!(header.contains("Friends only"), "{header}");
    assert!(
        header.contains("<svg") && header.contains("aria-hidden=\"true\""),
        "the icon is decorative: {header}"
    );
    assert!(
        header.contains("visually-hidden\">: only friends can read this post"),
        "{header}"
    );
}

#[test]
fn the_navigation_marks_the_current_page_and_section() {
    let dir = site(1);
    let root = dir.path();
    post(root, 1, "a", "tags = [\"x\"]\n", "one");
    post(root, 2, "b", "", "two");
    ok(root, &["build"]);
    let current = |page: &str| -> Vec<String> {
        read(root, page)
            .split("<a ")
            .filter(|a| a.contains("aria-current"))
            .map(|a| a.split('>').next().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(
        current("public/timeline/index.html"),
        ["href=\"/timeline/\" aria-current=\"page\""]
    );
    assert_eq!(
        current("public/friends/index.html"),
        ["href=\"/friends/\" aria-current=\"page\""]
    );
    assert_eq!(
        current("public/index.html"),
        ["href=\"/\" aria-current=\"page\""]
    );
    assert_eq!(
        current("public/tags/x/index.html"),
        ["href=\"/tags/\" aria-current=\"true\""]
    );
    assert_eq!(
        current("public/page/1/index.html"),
        ["href=\"/\" aria-current=\"true\""]
    );
    assert!(current("public/posts/a/index.html").is_empty());
}

#[test]
fn every_page_kind_has_exactly_one_h1() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("s");
    init(&root);
    write(
        &root,
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\n\nMe.\n",
    );
    post(&root, 1, "a", "tags = [\"x\"]\n", "one");
    ok(&root, &["build"]);
    for page in [
        "public/index.html",
        "public/posts/a/index.html",
        "public/about/index.html",
        "public/tags/index.html",
        "public/tags/x/index.html",
        "public/timeline/index.html",
        "public/friends/index.html",
        "public/404.html",
        ".social/private/index.html",
    ] {
        let html = read(&root, page);
        assert_eq!(html.matches("<h1").count(), 1, "{page}: {html}");
    }
}
