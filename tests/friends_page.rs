//! The friends page and friends' avatars with two real sites on 127.0.0.1
//! (issue #13): bio from the discovery document, "friends since", latest
//! post, and no image loaded from a friend's host unless the owner chose it.

mod support;

use support::*;

fn friends_page(site: &Site) -> String {
    std::fs::read_to_string(site.root().join("public/friends/index.html")).unwrap_or_default()
}

#[test]
fn the_friends_page_shows_bio_since_latest_post_and_a_monogram() {
    let mut a = Site::new("Ann");
    let cfg = std::fs::read_to_string(a.root().join("social.toml")).unwrap();
    let cfg = cfg
        .replacen(
            "[site]\n",
            "[site]\navatar = \"https://cdn.example/ann.png\"\n",
            1,
        )
        .replace(
            "bio = \"Writing on my own corner of the web.\"",
            "bio = \"Kites, hills & patient dogs.\"",
        );
    std::fs::write(a.root().join("social.toml"), cfg).unwrap();
    a.ok(&["build"]);
    a.start();
    let b = started("Bo");
    befriend(&a, &b);
    a.ok(&["new", "--title", "Kites on the hill", "Forty kites."]);
    a.ok(&["publish"]);
    wait_until("Ann's post in Bo's timeline", || {
        b.timeline().contains("Kites on the hill")
    });
    // Ann's bio reaches Bo through her discovery document.
    let bio = "<p class=\"p-note\">Kites, hills &amp; patient dogs.</p>";
    wait_until("Ann's bio on Bo's friends page", || {
        friends_page(&b).contains(bio)
    });
    let page = friends_page(&b);
    let card = page
        .split("<li class=\"h-card friend-card\">")
        .nth(1)
        .unwrap_or_else(|| panic!("no friend card: {page}"));
    assert!(card.contains(&format!("href=\"{}\"", a.url())), "{card}");
    assert!(
        card.contains(&format!("127.0.0.1:{}", a.port)),
        "the host: {card}"
    );
    assert!(card.contains("Friends since"), "{card}");
    assert!(
        card.contains(">Kites on the hill</a>"),
        "the latest post: {card}"
    );
    // remote_images = "link" (the default): a monogram, never Ann's image.
    assert!(
        card.contains("class=\"avatar monogram\"") && card.contains(">A</text>"),
        "{card}"
    );
    for page in [friends_page(&b), b.timeline()] {
        assert!(
            !page.contains("cdn.example"),
            "a third-party image is loaded: {page}"
        );
    }
    // Bo chooses to load friends' images: Ann's avatar is shown.
    let mut cfg = std::fs::read_to_string(b.root().join("social.toml")).unwrap();
    cfg.push_str("remote_images = \"load\"\n");
    std::fs::write(b.root().join("social.toml"), cfg).unwrap();
    b.ok(&["build"]);
    let avatar = "<img class=\"u-photo avatar\" src=\"https://cdn.example/ann.png\"";
    assert!(friends_page(&b).contains(avatar), "{}", friends_page(&b));
    assert!(b.timeline().contains(avatar), "{}", b.timeline());
}
