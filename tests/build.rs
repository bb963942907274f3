//! The static-site core, through the real binary on fixture sites in
//! temporary folders: output, feeds, pagination, drafts, errors, atomicity.

mod sites;
use sites::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `href`s in `html` that point into the site, as output-relative paths.
fn internal_links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in html.split("href=\"").skip(1) {
        let url = &part[..part.find('"').unwrap()];
        let path = url
            .strip_prefix("https://t.example")
            .or_else(|| url.strip_prefix('/').map(|_| url));
        if let Some(p) = path {
            let p = p.split('#').next().unwrap().trim_start_matches('/');
            // The sidecar's Webmention endpoint, not a file of the build.
            if p == "webmention" {
                continue;
            }
            out.push(if p.is_empty() || p.ends_with('/') {
                format!("{p}index.html")
            } else {
                p.to_string()
            });
        }
    }
    out
}

#[test]
fn build_writes_the_whole_site_and_valid_feeds() {
    let dir = site(10);
    let root = dir.path();
    for d in 1..=25 {
        post(
            root,
            d,
            &format!("p{d}"),
            "tags = [\"Rust\", \"walks\"]\n",
            &format!("Body **{d}** [link](https://x.example/)"),
        );
    }
    write(
        root,
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\nHi.\n",
    );
    write(
        root,
        "content/posts/2026-02-01-untitled.md",
        "Just a short note without a title, quite long words here.\n",
    );
    let summary = ok(root, &["build"]);
    assert!(summary.contains("written"), "{summary}");
    for f in [
        "index.html",
        "posts/p1/index.html",
        "posts/untitled/index.html",
        "about/index.html",
        "tags/index.html",
        "tags/rust/index.html",
        "404.html",
        "atom.xml",
        "feed.json",
        "sitemap.xml",
        "robots.txt",
        "style.css",
        ".well-known/microsocial.json",
        "timeline/index.html",
        "friends/index.html",
    ] {
        assert!(root.join("public").join(f).is_file(), "missing {f}");
    }

    let atom =
        feed_rs::parser::parse(read(root, "public/atom.xml").as_bytes()).expect("Atom parses");
    assert_eq!(atom.entries.len(), 20, "newest 20 posts");
    let first = &atom.entries[0];
    assert_eq!(
        first.title.as_ref().unwrap().content,
        "Just a short note without a title, quite long words here."
    );
    assert!(first
        .content
        .as_ref()
        .unwrap()
        .body
        .as_ref()
        .unwrap()
        .contains("<p>Just a short note"));
    assert!(atom.entries[1].links[0].href.ends_with("/posts/p25/"));
    let json_text = read(root, "public/feed.json");
    let json = feed_rs::parser::parse(json_text.as_bytes()).expect("JSON Feed parses");
    assert_eq!(json.entries.len(), 20);
    let v: serde_json::Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(v["version"], "https://jsonfeed.org/version/1.1");
    assert!(v["items"][1]["content_html"]
        .as_str()
        .unwrap()
        .contains("<strong>25</strong>"));

    let sitemap = read(root, "public/sitemap.xml");
    for d in 1..=25 {
        assert!(sitemap.contains(&format!("<loc>https://t.example/posts/p{d}/</loc>")));
    }
    let index = read(root, "public/index.html");
    for mf in [
        "h-feed",
        "h-entry",
        "h-card",
        "u-url",
        "dt-published",
        "e-content",
        "p-category",
    ] {
        assert!(index.contains(mf), "microformat {mf}");
    }
    assert!(index.contains("og:title") && index.contains("rel=\"microsocial\""));
}

#[test]
fn pagination_links_resolve_and_old_pages_stay_put() {
    let dir = site(3);
    let root = dir.path();
    for d in 1..=10 {
        post(root, d, &format!("p{d}"), "", "text");
    }
    ok(root, &["build"]);
    let public = root.join("public");
    let files = snapshot(&public);
    for (path, bytes) in &files {
        if path.extension().is_some_and(|e| e == "html") {
            for link in internal_links(&String::from_utf8_lossy(bytes)) {
                assert!(
                    public.join(&link).is_file(),
                    "{} links to missing {link}",
                    path.display()
                );
            }
        }
    }
    // Walk "older" links from home: every post exactly once.
    let mut seen = Vec::new();
    let mut page = "index.html".to_string();
    for _ in 0..20 {
        let html = read(&public, &page);
        for part in html
            .split("class=\"u-url u-uid\" href=\"https://t.example/posts/")
            .skip(1)
        {
            seen.push(part[..part.find('/').unwrap()].to_string());
        }
        match html.split("rel=\"next\" href=\"").nth(1) {
            Some(rest) => {
                page = format!(
                    "{}index.html",
                    rest[..rest.find('"').unwrap()].trim_start_matches('/')
                )
            }
            None => break,
        }
    }
    seen.sort();
    let mut want: Vec<String> = (1..=10).map(|d| format!("p{d}")).collect();
    want.sort();
    assert_eq!(seen, want);

    // Page 1 holds the oldest posts and is untouched by a new post.
    let p1 = read(&public, "page/1/index.html");
    assert!(p1.contains("posts/p1/") && p1.contains("posts/p3/") && !p1.contains("posts/p4/"));
    let mtime = std::fs::metadata(public.join("page/1/index.html"))
        .unwrap()
        .modified()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    post(root, 20, "newest", "", "fresh");
    let out = ok(root, &["build"]);
    assert!(
        !out.contains("(full)"),
        "an added post is an incremental build: {out}"
    );
    assert_eq!(read(&public, "page/1/index.html"), p1);
    assert_eq!(
        std::fs::metadata(public.join("page/1/index.html"))
            .unwrap()
            .modified()
            .unwrap(),
        mtime
    );
    assert!(read(&public, "index.html").contains("posts/newest/"));
}

#[test]
fn rebuilds_touch_only_what_changed() {
    let dir = site(10);
    let root = dir.path();
    for d in 1..=5 {
        post(root, d, &format!("p{d}"), "", "text");
    }
    ok(root, &["build"]);
    assert!(ok(root, &["build"]).contains(" 0 written, 0 removed"));
    let keep = root.join("public/posts/p1/index.html");
    let mtime = std::fs::metadata(&keep).unwrap().modified().unwrap();
    post(root, 3, "p3", "", "edited text");
    ok(root, &["build"]);
    assert!(read(root, "public/posts/p3/index.html").contains("edited text"));
    assert_eq!(
        std::fs::metadata(&keep).unwrap().modified().unwrap(),
        mtime,
        "untouched page not rewritten"
    );
    std::fs::remove_file(root.join("content/posts/2026-01-02-p2.md")).unwrap();
    ok(root, &["build"]);
    assert!(
        !root.join("public/posts/p2").exists(),
        "deleted post leaves the site"
    );
    assert!(!read(root, "public/index.html").contains("posts/p2/"));
}

#[test]
fn drafts_stay_out_unless_asked() {
    let dir = site(10);
    let root = dir.path();
    post(root, 1, "public", "", "visible");
    post(root, 2, "secret", "draft = true\n", "draft-body-xyz");
    ok(root, &["build"]);
    let all: String = snapshot(&root.join("public"))
        .values()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    assert!(!all.contains("draft-body-xyz") && !all.contains("posts/secret/"));
    let preview = root.join("preview");
    ok(
        root,
        &["build", "--drafts", "--output", preview.to_str().unwrap()],
    );
    assert!(read(&preview, "posts/secret/index.html").contains("draft-body-xyz"));
    // A preview with drafts never enters the federation change log.
    assert!(!read(root, "public/federation/feed.json").contains("secret"));
}

#[test]
fn bad_config_and_front_matter_fail_clearly_and_write_nothing() {
    let dir = site(10);
    let root = dir.path();
    post(root, 1, "good", "", "fine");
    ok(root, &["build"]);
    let before = snapshot(&root.join("public"));

    let config = read(root, "social.toml");
    std::fs::write(
        root.join("social.toml"),
        format!("{config}colour = \"red\"\n"),
    )
    .unwrap();
    let err = fails(root, &["build"]);
    assert!(
        err.contains("social.toml:6:") && err.contains("colour"),
        "{err}"
    );
    std::fs::write(
        root.join("social.toml"),
        "[site]\ntitle = \"x\nbase_url = 1\n",
    )
    .unwrap();
    assert!(fails(root, &["build"]).contains("social.toml:2:"));
    std::fs::write(root.join("social.toml"), &config).unwrap();

    post(root, 2, "typo", "autor = \"me\"\n", "x");
    post(root, 3, "wrongtype", "draft = \"yes\"\n", "x");
    post(root, 4, "baddate", "date = \"yesterday\"\n", "x");
    let err = fails(root, &["build"]);
    assert!(
        err.contains("content/posts/2026-01-02-typo.md:3:") && err.contains("autor"),
        "{err}"
    );
    assert!(
        err.contains("content/posts/2026-01-03-wrongtype.md:3:"),
        "{err}"
    );
    assert!(
        err.contains("content/posts/2026-01-04-baddate.md:3:") && err.contains("date"),
        "{err}"
    );
    assert_eq!(
        snapshot(&root.join("public")),
        before,
        "a failed build changes nothing"
    );

    let err = fails(root, &["check"]);
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("content/posts/"))
            .count(),
        3,
        "{err}"
    );
    for f in ["typo", "wrongtype", "baddate"] {
        std::fs::remove_file(root.join(format!(
                "content/posts/2026-01-0{}-{f}.md",
                ["typo", "wrongtype", "baddate"]
                    .iter()
                    .position(|x| *x == f)
                    .unwrap()
                    + 2
            )))
        .unwrap();
    }
    assert!(ok(root, &["check"]).contains("no problems"));

    post(
        root,
        5,
        "links",
        "",
        "See [missing](nope.md) and [gone](/posts/nothing/) and [ok](2026-01-01-good.md).",
    );
    let err = fails(root, &["check"]);
    assert!(
        err.contains("2026-01-05-links.md:5: link to `nope.md`"),
        "{err}"
    );
    assert!(err.contains("link to `/posts/nothing/`"), "{err}");
    assert!(fails(root, &["build"]).contains("link to `nope.md`"));
}

#[test]
fn leftovers_of_the_old_journal_are_confined_and_never_block() {
    let dir = built_site();
    let root = dir.path();
    let before = snapshot(&root.join("public"));

    // A planted journal entry pointing outside the output deletes nothing.
    write(
        root,
        ".public.microsocial-journal",
        "{\"writes\":[\"posts/one/index.html\"],\"deletes\":[\"../social.toml\"]}",
    );
    write(
        root,
        ".public.microsocial-staging/posts/one/index.html",
        "HALF-WRITTEN",
    );
    write(root, "..public.microsocial-journal.tmp4242", "leaked");
    ok(root, &["build"]);
    assert!(root.join("social.toml").is_file(), "config survived");
    assert_eq!(snapshot(&root.join("public")), before);
    for leftover in [
        ".public.microsocial-journal",
        ".public.microsocial-staging",
        "..public.microsocial-journal.tmp4242",
    ] {
        assert!(!root.join(leftover).exists(), "{leftover} left behind");
    }

    // A damaged journal blocks nothing, `--force` included.
    write(root, ".public.microsocial-journal", "{not json");
    ok(root, &["build"]);
    write(root, ".public.microsocial-journal", "\u{0}\u{0}");
    ok(root, &["build", "--force"]);
    assert_eq!(snapshot(&root.join("public")), before);
}

#[test]
fn outputs_missing_or_changed_on_disk_are_written_again() {
    let dir = site(3);
    let root = dir.path();
    for d in 1..=5 {
        post(root, d, &format!("p{d}"), "", "text");
    }
    ok(root, &["build"]);
    let public = root.join("public");
    let before = snapshot(&public);

    std::fs::remove_dir_all(&public).unwrap();
    ok(root, &["build"]);
    assert_eq!(snapshot(&public), before, "rm -rf public");

    for e in std::fs::read_dir(&public).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            std::fs::remove_dir_all(p).unwrap();
        } else {
            std::fs::remove_file(p).unwrap();
        }
    }
    ok(root, &["build"]);
    assert_eq!(snapshot(&public), before, "rm -rf public/*");

    std::fs::write(public.join("index.html"), "").unwrap();
    std::fs::remove_file(public.join("posts/p2/index.html")).unwrap();
    let page = public.join("posts/p3/index.html");
    let len = std::fs::metadata(&page).unwrap().len() as usize;
    std::fs::write(&page, "x".repeat(len)).unwrap(); // same size, new bytes
    let out = ok(root, &["build"]);
    assert_eq!(snapshot(&public), before, "damaged files: {out}");
}

/// The one build cache of the site at `root`.
fn cache_file(root: &Path) -> std::path::PathBuf {
    let dir = root.join(".social/cache");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("build-")
        })
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

#[test]
fn a_damaged_cache_is_ignored_and_an_unsaved_one_is_a_warning() {
    let dir = site(10);
    let root = dir.path();
    write(
        root,
        "content/posts/2026-01-01-zebra.md",
        "+++\ntitle = \"Zebra unique\"\n+++\n\nstripes\n",
    );
    ok(root, &["build"]);
    let before = snapshot(&root.join("public"));

    // Same length, still decodable: only a checksum can tell.
    let cache = cache_file(root);
    let bytes = std::fs::read(&cache).unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert!(text.contains("Zebra unique"));
    let needle = b"Zebra unique";
    let mut damaged = bytes.clone();
    for i in 0..damaged.len() - needle.len() {
        if &damaged[i..i + needle.len()] == needle {
            damaged[i..i + needle.len()].copy_from_slice(b"Zebra UNIQUE");
        }
    }
    std::fs::write(&cache, &damaged).unwrap();
    let out = run(root, &["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning") && stderr.contains(&cache.display().to_string()),
        "{stderr}"
    );
    assert_eq!(
        snapshot(&root.join("public")),
        before,
        "nothing damaged was published"
    );

    // The site went live; a cache that cannot be saved is only a warning.
    std::fs::remove_file(&cache).unwrap();
    std::fs::create_dir(&cache).unwrap();
    post(root, 2, "later", "", "written after");
    let out = run(root, &["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning") && stderr.contains("cache"),
        "{stderr}"
    );
    assert!(read(root, "public/posts/later/index.html").contains("written after"));
}

#[test]
fn a_damaged_state_database_names_the_file_and_the_table() {
    let dir = built_site();
    let root = dir.path();
    let db = root.join(".social/state.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO friends (url, name, state, signing_key, encryption_key, inbox, feed, created)
         VALUES ('https://f.example/', CAST(X'C328' AS TEXT), 'friend', 'k', 'e', 'i', 'f', 0)",
        [],
    )
    .unwrap();
    drop(conn);
    let err = fails(root, &["build"]);
    assert!(
        err.contains(&db.display().to_string()) && err.contains("friends"),
        "{err}"
    );
}

#[test]
fn folder_posts_copy_their_files_and_links_work_everywhere() {
    let dir = site(10);
    let root = dir.path();
    write(
        root,
        "content/posts/2026-01-02-trip/index.md",
        "+++\ntitle = \"Trip\"\n+++\n\n![a pic](pic.png)\n",
    );
    std::fs::write(
        root.join("content/posts/2026-01-02-trip/pic.png"),
        b"\x89PNG fake",
    )
    .unwrap();
    ok(root, &["build"]);
    assert!(root.join("public/posts/trip/pic.png").is_file());
    let src = "src=\"https://t.example/posts/trip/pic.png\"";
    assert!(read(root, "public/posts/trip/index.html").contains(src));
    assert!(
        read(root, "public/index.html").contains(src),
        "works on the home page too"
    );
}

#[test]
fn init_and_new_behave() {
    let dir = tempfile::tempdir().unwrap();
    let site_dir = dir.path().join("s");
    let out = Command::new(BIN)
        .args([
            "init",
            "--title",
            "Mine",
            "--url",
            "https://m.example",
            "--author",
            "Me",
        ])
        .arg(&site_dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        read(&site_dir, ".gitignore").contains("public/")
            && read(&site_dir, ".gitignore").contains(".social/")
    );
    assert!(read(&site_dir, "social.toml").contains("base_url = \"https://m.example/\""));
    let again = Command::new(BIN)
        .arg("init")
        .arg(&site_dir)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));

    let a = ok(&site_dir, &["new", "Same words twice", "--tag", "x"]);
    let b = ok(&site_dir, &["new", "Same words twice"]);
    assert_ne!(a, b, "never overwrites");
    let text = read(&site_dir, a.trim());
    assert!(
        text.starts_with("+++\n")
            && text.contains("tags = [\"x\"]")
            && text.contains("Same words twice")
    );
    assert!(ok(&site_dir, &["new", "--title", "Fresh Start", "body"])
        .trim()
        .ends_with("-fresh-start.md"));
    // The welcome post already has the slug hello-world: a new one moves aside.
    assert!(ok(&site_dir, &["new", "--title", "Hello World", "body"])
        .trim()
        .ends_with("-hello-world-2.md"));
    let piped = Command::new(BIN)
        .arg("--root")
        .arg(&site_dir)
        .arg("new")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write as _;
            c.stdin.take().unwrap().write_all(b"from stdin")?;
            c.wait_with_output()
        })
        .unwrap();
    let path = String::from_utf8_lossy(&piped.stdout).trim().to_string();
    assert!(read(&site_dir, &path).contains("from stdin"));
    assert!(fails(&site_dir, &["new"]).contains("nothing to post"));
    ok(&site_dir, &["build"]);
    assert!(read(&site_dir, "public/index.html").contains("from stdin"));
}

#[test]
fn publish_runs_the_deploy_command_and_stops_when_it_fails() {
    let dir = site(10);
    let root = dir.path();
    post(root, 1, "one", "", "text");
    let config = read(root, "social.toml");
    std::fs::write(
        root.join("social.toml"),
        format!("{config}\n[sidecar]\ndeploy_command = \"cp public/index.html deployed.html\"\n"),
    )
    .unwrap();
    let out = ok(root, &["publish"]);
    assert!(
        out.contains("deployed") && out.contains("notified 0 of 0"),
        "{out}"
    );
    assert!(read(root, "deployed.html").contains("posts/one/"));
    std::fs::write(
        root.join("social.toml"),
        format!("{config}\n[sidecar]\ndeploy_command = \"exit 3\"\n"),
    )
    .unwrap();
    let err = fails(root, &["publish"]);
    assert!(
        err.contains("deploy_command `exit 3` failed") && err.contains("friends were not notified"),
        "{err}"
    );
}

#[test]
fn incremental_builds_match_a_fresh_build_at_every_step() {
    let dir = site(3);
    let root = dir.path();
    for d in 1..=6 {
        post(root, d, &format!("p{d}"), "", "text");
    }
    write(root, "static/thing.txt", "a file");
    let fresh = root.join("fresh");
    let same_as_fresh = |step: &str| {
        ok(root, &["build"]);
        let _ = std::fs::remove_dir_all(&fresh);
        ok(
            root,
            &["build", "--force", "--output", fresh.to_str().unwrap()],
        );
        let (public, fresh) = (snapshot(&root.join("public")), snapshot(&fresh));
        let names = |t: &BTreeMap<PathBuf, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
        assert_eq!(names(&public), names(&fresh), "after {step}");
        for (path, bytes) in &public {
            assert!(fresh[path] == *bytes, "{} after {step}", path.display());
        }
    };
    same_as_fresh("the first build");
    post(root, 2, "p2", "", "edited");
    same_as_fresh("an edit");
    std::fs::remove_file(root.join("content/posts/2026-01-03-p3.md")).unwrap();
    same_as_fresh("a deletion");
    // A file becomes a folder and back, through recycled trees.
    std::fs::remove_file(root.join("static/thing.txt")).unwrap();
    write(root, "static/thing.txt/inner.txt", "now a folder");
    post(root, 9, "p9", "", "added");
    same_as_fresh("a file turned folder");
    std::fs::remove_dir_all(root.join("static/thing.txt")).unwrap();
    write(root, "static/thing.txt", "a file again");
    same_as_fresh("a folder turned file");
    same_as_fresh("no change");
}
