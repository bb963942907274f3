//! The post, profile and upload actions on a real site folder: names that
//! never clobber, edits that keep the front matter, uploads checked from
//! their bytes with location metadata gone, and git commits.

mod support;

use microsocial::actions::post::{self, Draft, Hooks, PostId};
use microsocial::actions::profile::{self, Profile};
use microsocial::upload::{safe_name, Image, Kind, MAX_IMAGE_BYTES};
use std::path::Path;
use support::{Site, PNG};

fn draft(title: &str, body: &str) -> Draft {
    Draft {
        title: Some(title.into()),
        body: body.into(),
        ..Draft::default()
    }
}

fn no_deploy(_: &Path, _: &str) -> anyhow::Result<()> {
    anyhow::bail!("no deploy in this test")
}

/// A 1×1 JPEG with an EXIF block whose GPS IFD holds a latitude.
fn jpeg_with_gps() -> (Vec<u8>, Vec<u8>) {
    let latitude: Vec<u8> = [52u32, 1, 30, 1, 1234, 100]
        .iter()
        .flat_map(|n| n.to_be_bytes())
        .collect();
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    // IFD0: one entry, GPSInfo (0x8825) → offset 26.
    tiff.extend([0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    // GPS IFD: GPSLatitude (2), 3 rationals at offset 44.
    tiff.extend([0, 1, 0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 44, 0, 0, 0, 0]);
    tiff.extend(&latitude);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(&tiff);
    let mut jpeg = vec![0xFF, 0xD8];
    jpeg.extend([0xFF, 0xE0, 0, 16]);
    jpeg.extend(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    jpeg.extend([0xFF, 0xE1]);
    jpeg.extend(((app1.len() + 2) as u16).to_be_bytes());
    jpeg.extend(&app1);
    jpeg.extend([0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0, 0x12, 0x34, 0xFF, 0xD9]);
    (jpeg, latitude)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_taken_slug_moves_on_and_nothing_is_replaced() {
    let site = Site::new("Ann");
    let a = post::create(site.root(), &draft("Hello", "one")).unwrap();
    let b = post::create(site.root(), &draft("Hello", "two")).unwrap();
    let mut with_image = draft("Hello", "three");
    with_image.images = vec![Image::check("x.png", PNG).unwrap()];
    let c = post::create(site.root(), &with_image).unwrap();
    let names: Vec<String> = [&a, &b, &c]
        .iter()
        .map(|w| w.id.as_ref().unwrap().as_str().to_string())
        .collect();
    assert!(names[0].ends_with("-hello.md"), "{names:?}");
    assert!(names[1].ends_with("-hello-2.md"), "{names:?}");
    assert!(names[2].ends_with("-hello-3/index.md"), "{names:?}");
    let first = std::fs::read_to_string(a.id.unwrap().path(site.root())).unwrap();
    assert!(first.ends_with("one\n"), "{first}");
    // A slug used on another day is taken too (it is the URL).
    std::fs::write(
        site.root().join("content/posts/2020-01-01-again.md"),
        "old\n",
    )
    .unwrap();
    let d = post::create(site.root(), &draft("Again", "new")).unwrap();
    assert!(d.id.unwrap().as_str().ends_with("-again-2.md"));
}

#[test]
fn the_cli_writes_what_the_action_writes() {
    let site = Site::new("Ann");
    let out = site.ok(&[
        "new",
        "--title",
        "Tea",
        "--tag",
        "drinks",
        "--friends-only",
        "Green.",
    ]);
    let path = site.root().join(out.trim());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("+++\ntitle = \"Tea\"\ndate = "), "{text}");
    assert!(
        text.ends_with("tags = [\"drinks\"]\nvisibility = \"friends\"\n+++\n\nGreen.\n"),
        "{text}"
    );
}

#[test]
fn an_edit_keeps_what_the_form_does_not_hold() {
    let site = Site::new("Ann");
    let rel = "posts/2026-01-02-kept.md";
    std::fs::write(
        site.root().join("content").join(rel),
        "+++\n# a comment\ntitle = \"Old\"\ndate = 2026-01-02\nsummary = \"S\"\ntags = [\"x\"]\n+++\n\nOld body\n",
    )
    .unwrap();
    let id = PostId::parse(rel).unwrap();
    let mut d = draft("New", "New body");
    d.friends_only = true;
    post::edit(site.root(), &id, &d).unwrap();
    let text = std::fs::read_to_string(id.path(site.root())).unwrap();
    assert!(
        text.starts_with("+++\n# a comment\ntitle = \"New\"\ndate = 2026-01-02\nsummary = \"S\"\n"),
        "{text}"
    );
    assert!(!text.contains("tags"), "{text}");
    assert!(
        text.contains("visibility = \"friends\"\nupdated = "),
        "{text}"
    );
    assert!(text.ends_with("+++\n\nNew body\n"), "{text}");
    let back = post::load(site.root(), &id).unwrap();
    assert_eq!(back.draft.body, "New body");
    assert!(back.draft.friends_only);
    // Adding an image turns it into a folder post with the same slug.
    d.images = vec![Image::check("p.png", PNG).unwrap()];
    let w = post::edit(site.root(), &id, &d).unwrap();
    let moved = w.id.unwrap();
    assert_eq!(moved.as_str(), "posts/2026-01-02-kept/index.md");
    assert!(!id.path(site.root()).exists());
    assert!(moved.path(site.root()).with_file_name("p.png").is_file());
    site.ok(&["build"]);
}

#[test]
fn delete_removes_the_folder_and_its_images() {
    let site = Site::new("Ann");
    let mut d = draft("Pics", "look");
    d.images = vec![
        Image::check("a.png", PNG).unwrap(),
        Image::check("a.png", PNG).unwrap(),
    ];
    let w = post::create(site.root(), &d).unwrap();
    let id = w.id.unwrap();
    let folder = id.folder(site.root()).unwrap();
    assert!(folder.join("a.png").is_file() && folder.join("a-2.png").is_file());
    let text = std::fs::read_to_string(id.path(site.root())).unwrap();
    assert!(
        text.contains("![a](a.png)") && text.contains("![a 2](a-2.png)"),
        "{text}"
    );
    post::delete(site.root(), &id).unwrap();
    assert!(!folder.exists());
    let e = post::delete(site.root(), &id).unwrap_err();
    assert!(e.to_string().contains("does not exist"), "{e}");
}

#[test]
fn an_upload_keeps_no_gps() {
    let (jpeg, latitude) = jpeg_with_gps();
    assert!(contains(&jpeg, &latitude) && contains(&jpeg, b"Exif"));
    let img = Image::check("IMG_0001.JPG", &jpeg).unwrap();
    assert_eq!(img.name, "img-0001.jpg");
    assert!(!contains(&img.bytes, &latitude), "GPS latitude survived");
    assert!(!contains(&img.bytes, b"Exif"));
    assert!(contains(&img.bytes, b"JFIF"), "the image itself stays");
    let site = Site::new("Ann");
    let mut d = draft("Trip", "");
    d.images = vec![img];
    let id = post::create(site.root(), &d).unwrap().id.unwrap();
    let stored = std::fs::read(id.path(site.root()).with_file_name("img-0001.jpg")).unwrap();
    assert!(!contains(&stored, &latitude));
}

#[test]
fn the_type_comes_from_the_bytes_and_the_size_is_capped() {
    let e = Image::check("cat.png", b"<!doctype html><script>alert(1)</script>").unwrap_err();
    assert!(e.to_string().contains("cat.png: not a PNG"), "{e}");
    let img = Image::check("Holiday Pic.GIF", PNG).unwrap();
    assert_eq!(
        (img.kind, img.name.as_str()),
        (Kind::Png, "holiday-pic.png")
    );
    assert_eq!(safe_name("../../etc/passwd", Kind::Jpeg), "passwd.jpg");
    assert_eq!(safe_name("…", Kind::Gif), "image.gif");
    let mut big = PNG.to_vec();
    big.resize(MAX_IMAGE_BYTES + 1, 0);
    let e = Image::check("big.png", &big).unwrap_err();
    assert!(e.to_string().contains("over the 10 MiB limit"), "{e}");
    // A GIF carrying XMP (which may hold a location) is refused, a plain one kept.
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
    assert_eq!(Image::check("a.gif", &gif).unwrap().bytes, gif);
    let mut xmp = gif[..13].to_vec();
    xmp.extend(b"\x21\xff\x0bXMP DataXMP<x:xmpmeta/>\x00;");
    let e = Image::check("a.gif", &xmp).unwrap_err();
    assert!(e.to_string().contains("XMP"), "{e}");
}

#[test]
fn preview_is_safe_and_writes_nothing() {
    let html = post::preview(
        "# Hi\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) ![p](p.png)",
        "https://a.example/posts/x/",
    );
    assert!(html.contains("<h1"), "{html}");
    assert!(
        !html.contains("<script") && !html.contains("javascript:"),
        "{html}"
    );
    assert!(html.contains("https://a.example/posts/x/p.png"), "{html}");
}

#[test]
fn profile_edit_keeps_the_file_and_stores_the_avatar() {
    let site = Site::new("Ann");
    let path = site.root().join("social.toml");
    let before = std::fs::read_to_string(&path).unwrap();
    let hooks = Hooks {
        deploy: &no_deploy,
        record: None,
    };
    let p = Profile {
        name: Some("Ann Lee".into()),
        avatar: Some(Image::check("me.png", PNG).unwrap()),
        ..Profile::default()
    };
    profile::update(site.root(), &p, &hooks).unwrap();
    let after = std::fs::read_to_string(&path).unwrap();
    // Every byte stays, but the changed name and one new line.
    assert_eq!(
        after.replacen("avatar = \"avatar.png\"\n", "", 1),
        before.replace("author = \"Ann\"", "author = \"Ann Lee\"")
    );
    assert_eq!(
        std::fs::read(site.root().join("static/avatar.png")).unwrap(),
        PNG
    );
    assert!(
        std::fs::read_to_string(site.root().join("public/index.html"))
            .unwrap()
            .contains("Ann Lee")
    );
}

#[test]
fn web_changes_are_committed_by_the_site_author() {
    let site = Site::new("Ann");
    let git = |args: &[&str]| {
        let out = support::succeed(
            std::process::Command::new("git")
                .arg("-C")
                .arg(site.root())
                .args(args)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", site.root()),
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    git(&["init", "-q"]);
    let author = microsocial::vcs::author_of("Ann", &site.url()).unwrap();
    let record = move |root: &Path, paths: &[std::path::PathBuf], msg: &str| {
        microsocial::vcs::commit(root, paths, msg, &author)
    };
    let hooks = Hooks {
        deploy: &no_deploy,
        record: Some(&record),
    };
    let mut d = draft("Saved", "draft text");
    d.draft = true;
    let (w, out) = post::post(site.root(), &d, &hooks).unwrap();
    assert!(
        out.done.contains(&"committed to git".to_string()),
        "{out:?}"
    );
    let id = w.id.unwrap();
    let del = post::delete(site.root(), &id).unwrap();
    let record_only = Hooks {
        deploy: &no_deploy,
        record: Some(&record),
    };
    // A delete publishes; the deploy hook is not called without a deploy_command.
    post::publish(site.root(), &del, &record_only).unwrap();
    let log = git(&["log", "--format=%an <%ae>|%s", "--name-status"]);
    assert!(
        log.contains("Ann <microsocial@127.0.0.1>|deleted post content/posts/"),
        "{log}"
    );
    assert!(
        log.contains("Ann <microsocial@127.0.0.1>|new draft content/posts/"),
        "{log}"
    );
    assert!(
        log.contains(&format!("D\tcontent/{}", id.as_str())),
        "{log}"
    );
    // Only the post was committed: the rest of the site stays untracked.
    assert!(!log.contains("social.toml"), "{log}");
}

#[test]
fn the_cli_deletes_only_with_yes() {
    let site = Site::new("Ann");
    let out = site.ok(&["new", "--title", "Gone soon", "text"]);
    let path = site.root().join(out.trim());
    let asked = site.run(&["delete", out.trim()]);
    assert!(!asked.status.success());
    assert!(String::from_utf8_lossy(&asked.stderr).contains("add --yes"));
    assert!(path.is_file());
    let outside = site.run(&["delete", "--yes", "social.toml"]);
    assert!(!outside.status.success());
    assert!(site.root().join("social.toml").is_file());
    site.ok(&["delete", "--yes", out.trim()]);
    assert!(!path.exists());
}
