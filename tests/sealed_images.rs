//! Images of a friends-only post: published only sealed, opened and shown
//! in a friend's private view.

mod support;

use std::path::Path;
use support::*;

/// The pixel data (IDAT) of `support::PNG`, to search for.
const IDAT: &[u8] = &[0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F];

fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            let b = std::fs::read(e.path()).unwrap_or_default();
            b.windows(needle.len()).any(|w| w == needle)
        })
        .map(|e| e.path().display().to_string())
        .collect()
}

#[test]
fn a_friends_only_image_is_sealed_and_reaches_the_friend() {
    let a = started("Ann");
    let b = started("Bo");
    befriend(&a, &b);
    let folder = a.root().join("content/posts/2026-11-20-pic");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("index.md"),
        "+++\nvisibility = \"friends\"\n+++\n\nsecret-picture-7731\n\n![dot](dot.png)\n",
    )
    .unwrap();
    std::fs::write(folder.join("dot.png"), PNG).unwrap();
    a.ok(&["publish"]);

    let home = |s: &Site| {
        std::fs::read_to_string(s.root().join(".social/private/index.html")).unwrap_or_default()
    };
    wait_until("Bo's private view shows the post", || {
        home(&b).contains("secret-picture-7731")
    });
    // Never in plain bytes in any public file, on either side.
    for s in [&a, &b] {
        assert_eq!(
            files_containing(&s.root().join("public"), IDAT),
            Vec::<String>::new()
        );
    }
    // Bo holds the opened image and his private view shows it from /home/.
    let media = files_containing(&b.root().join(".social/media"), PNG);
    assert_eq!(media.len(), 1, "{media:?}");
    let name = Path::new(&media[0])
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    assert!(name.ends_with(".png") && name.len() == 64 + 4, "{name}");
    let view = home(&b);
    assert!(
        view.contains(&format!("<img src=\"/home/media/{name}\"")),
        "{view}"
    );
}
