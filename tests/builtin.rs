//! The built-in theme's fast path (issue 14, direction 2): post pages and
//! cards written without Tera are byte-identical to Tera's rendering of the
//! same default templates. A site that overrides a template gets Tera; the
//! overrides here are the default templates with a comment put in front, so
//! Tera renders exactly the default theme and every file must match.

mod sites;
mod support;

use sites::{ok, snapshot, write};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const FORCED_TERA: [(&str, &str); 7] = [
    (
        "base.html",
        include_str!("../themes/default/templates/base.html"),
    ),
    (
        "post.html",
        include_str!("../themes/default/templates/post.html"),
    ),
    (
        "macros.html",
        include_str!("../themes/default/templates/macros.html"),
    ),
    (
        "partials/reactions.html",
        include_str!("../themes/default/templates/partials/reactions.html"),
    ),
    (
        "partials/thread.html",
        include_str!("../themes/default/templates/partials/thread.html"),
    ),
    (
        "partials/card.html",
        include_str!("../themes/default/templates/partials/card.html"),
    ),
    (
        "index.html",
        include_str!("../themes/default/templates/index.html"),
    ),
];

/// Puts the default templates into the site's theme folder, so Tera renders them.
fn force_tera(root: &Path) {
    for (name, text) in FORCED_TERA {
        write(
            root,
            &format!("themes/default/templates/{name}"),
            &format!("{{# the same as the default, read by Tera #}}{text}"),
        );
    }
}

fn remove_forced(root: &Path) {
    std::fs::remove_dir_all(root.join("themes/default/templates")).unwrap();
}

/// Every page of `dirs` under `root` (sealed files differ on every build:
/// they are encrypted afresh).
fn files(root: &Path, dirs: &[&str]) -> BTreeMap<PathBuf, Vec<u8>> {
    dirs.iter()
        .flat_map(|d| {
            snapshot(&root.join(d))
                .into_iter()
                .filter(|(p, _)| p.extension().is_some_and(|e| e == "html"))
                .map(move |(p, b)| (Path::new(d).join(p), b))
        })
        .collect()
}

fn assert_same(fast: &BTreeMap<PathBuf, Vec<u8>>, tera: &BTreeMap<PathBuf, Vec<u8>>) {
    assert_eq!(
        fast.keys().collect::<Vec<_>>(),
        tera.keys().collect::<Vec<_>>()
    );
    for (path, a) in fast {
        let b = &tera[path];
        if a != b {
            let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
            let at = a
                .bytes()
                .zip(b.bytes())
                .position(|(x, y)| x != y)
                .unwrap_or(a.len().min(b.len()));
            let from = at.saturating_sub(120);
            panic!(
                "{} differs at byte {at}:\n--- fast path\n{}\n--- Tera\n{}",
                path.display(),
                a.get(from..(at + 200).min(a.len())).unwrap_or(&a),
                b.get(from..(at + 200).min(b.len())).unwrap_or(&b),
            );
        }
    }
}

/// A site with every case the post page and card templates branch on.
fn varied(root: &Path) {
    write(
        root,
        "social.toml",
        "[site]\ntitle = \"Tess & \\\"Co\\\" <b>\"\nbase_url = \"https://t.example/blog/\"\n\
         author = \"Tess O'Neil\"\nlanguage = \"fr\"\navatar = \"me.png\"\nposts_per_page = 3\n",
    );
    write(root, "static/me.png", "not really a png");
    write(
        root,
        "content/about.md",
        "+++\ntitle = \"About <me>\"\n+++\n\nAbout me.\n",
    );
    write(
        root,
        "content/now.md",
        "+++\ntitle = \"Now\"\n+++\n\nNow.\n",
    );
    let posts = [
        (
            "a-title",
            "title = \"A <b>bold</b> & 'quoted' title\"\ntags = [\"x&y\", \"<t>\"]\n",
            "Body with **bold** & an [a link](https://e.example/?a=1&b=2).",
        ),
        (
            "untitled",
            "",
            "A note without a title, with \"quotes\" & <angle> text.",
        ),
        (
            "updated",
            "title = \"Updated\"\nupdated = 2026-02-03T04:05:06+01:00\n",
            "Changed later.",
        ),
        (
            "summary",
            "title = \"Summary\"\ntags = [\"x&y\"]\n",
            "The intro.\n\n<!-- more -->\n\nThe rest.",
        ),
        (
            "explicit-summary",
            "title = \"Explicit\"\nsummary = \"Said <here> & there\"\n",
            "Long text.",
        ),
        (
            "reply",
            "in_reply_to = \"https://else.example/p/1\"\n",
            "An answer.",
        ),
        ("draft", "title = \"Draft\"\ndraft = true\n", "Not yet."),
        ("empty-title", "title = \"\"\n", "Empty title."),
    ];
    for (day, (slug, extra, body)) in posts.iter().enumerate() {
        write(
            root,
            &format!("content/posts/2026-01-{:02}-{slug}.md", day + 1),
            &format!(
                "+++\n{extra}date = 2026-01-{:02}T10:00:00Z\n+++\n\n{body}\n",
                day + 1
            ),
        );
    }
}

/// Builds `root` with `args` through the fast path, then through Tera, and
/// compares every page; returns how many there were.
fn same_both_ways(root: &Path, args: &[&str]) -> usize {
    ok(root, args);
    let fast = files(root, &["public"]);
    force_tera(root);
    ok(root, args);
    let tera = files(root, &["public"]);
    remove_forced(root);
    assert_same(&fast, &tera);
    fast.len()
}

#[test]
fn a_varied_site_is_the_same_through_the_fast_path_and_through_tera() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    varied(root);
    assert!(same_both_ways(root, &["build", "--force"]) > 15);
    assert!(same_both_ways(root, &["build", "--drafts", "--force"]) > 15);
    // The cases were really there.
    let home = std::fs::read_to_string(root.join("public/index.html")).unwrap();
    assert!(home.contains("badge draft"), "{home}");
    let reply = std::fs::read_to_string(root.join("public/posts/reply/index.html")).unwrap();
    assert!(reply.contains("u-in-reply-to"), "{reply}");
    // A bio to escape, no author (the title stands in), no avatar.
    let cfg = std::fs::read_to_string(root.join("social.toml")).unwrap();
    let cfg = cfg
        .replace(
            "author = \"Tess O'Neil\"\n",
            "bio = \"Bio <with> & \\\"quotes\\\"\"\n",
        )
        .replace("avatar = \"me.png\"\n", "");
    write(root, "social.toml", &cfg);
    same_both_ways(root, &["build", "--force"]);
    let home = std::fs::read_to_string(root.join("public/index.html")).unwrap();
    assert!(
        home.contains("<p class=\"p-note\">Bio &lt;with&gt;"),
        "{home}"
    );
    // No posts at all: the empty lists.
    for f in std::fs::read_dir(root.join("content/posts")).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    same_both_ways(root, &["build", "--force"]);
    let home = std::fs::read_to_string(root.join("public/index.html")).unwrap();
    assert!(home.contains("No posts yet."), "{home}");
}

#[test]
fn friends_replies_and_reactions_are_the_same_both_ways() {
    use support::*;
    let mut a = started("Ann");
    let mut b = started("Bo");
    befriend(&a, &b);
    a.ok(&["new", "--title", "Tea <or> coffee?", "Ann asks & waits."]);
    a.ok(&["new", "--friends-only", "Ann, for friends only."]);
    a.ok(&["publish"]);
    wait_until("Ann's posts at Bo's", || b.timeline().contains("Ann asks"));
    let post = held_id(&b, &a, "Ann asks");
    b.ok(&["new", "--reply-to", &post, "Bo says: tea, @Ann"]);
    b.ok(&[
        "new",
        "--reply-to",
        &post,
        "Bo adds: <b>green</b> tea & honey",
    ]);
    b.ok(&["react", &post, "👍"]);
    b.ok(&["publish"]);
    let rel = post.strip_prefix(&a.url()).unwrap_or(&post).to_string();
    let page = a.root().join("public").join(rel).join("index.html");
    wait_until("the reply and reaction on Ann's page", || {
        let html = std::fs::read_to_string(&page).unwrap_or_default();
        html.contains("2 replies") && html.contains("class=\"reactions\"")
    });
    wait_until("Ann's friends-only post in Bo's private view", || {
        std::fs::read_to_string(b.root().join(".social/private/index.html"))
            .is_ok_and(|v| v.contains("for friends only"))
    });
    a.stop();
    b.stop();
    for site in [&a, &b] {
        let root = site.root();
        ok(root, &["build", "--force"]);
        let fast = files(root, &["public", ".social/private"]);
        force_tera(root);
        ok(root, &["build", "--force"]);
        let tera = files(root, &["public", ".social/private"]);
        remove_forced(root);
        assert_same(&fast, &tera);
    }
    let timeline = b.timeline();
    assert!(timeline.contains("Tea &lt;or&gt; coffee?"), "{timeline}");
}
