//! Cards rendered once per build (issue 14, direction 1): list pages built
//! from the reused card HTML are byte-identical to list pages that call the
//! `card` macro per page, as a site's own list templates still may.

mod sites;

use sites::*;
use std::path::Path;

/// A site of 7 posts, 3 per page, with tags shared across pages, a summary
/// and a post without a title, so cards recur on home, archive and tag pages.
fn fill(root: &Path) {
    for day in 1..=7u32 {
        let tags = format!("tags = [\"all\", \"t{}\"]\n", day % 2);
        let body = match day {
            3 => "Short intro.\n\n<!-- more -->\n\nThe rest.".to_string(),
            _ => format!("Body of **{day}** with a [link](https://example.org/{day})."),
        };
        post(root, day, &format!("p{day}"), &tags, &body);
    }
    write(
        root,
        "content/posts/2026-01-08-untitled.md",
        "+++\ndate = 2026-01-08T09:00:00Z\n+++\n\nA note without a title.\n",
    );
}

/// The built-in list template as it was before cards were reused: a macro
/// call per card, over the cards' fields.
fn per_page_macro(name: &str, default: &str) -> String {
    let from = match name {
        "timeline.html" => "{% for e in entries %}{{ m::card(e=e, full=false) }}",
        _ => "{% for post in posts %}{{ m::card(e=post, full=false) }}",
    };
    let text = default.replace("{% for card in cards %}{{ card | safe }}", from);
    assert_ne!(text, default, "{name} no longer loops over `cards`");
    text
}

#[test]
fn reused_cards_match_a_macro_call_per_page_byte_for_byte() {
    let reused = site(3);
    fill(reused.path());
    let per_page = site(3);
    fill(per_page.path());
    for (name, default) in [
        (
            "index.html",
            include_str!("../themes/default/templates/index.html"),
        ),
        (
            "tag.html",
            include_str!("../themes/default/templates/tag.html"),
        ),
        (
            "timeline.html",
            include_str!("../themes/default/templates/timeline.html"),
        ),
    ] {
        write(
            per_page.path(),
            &format!("themes/default/templates/{name}"),
            &per_page_macro(name, default),
        );
    }
    ok(reused.path(), &["build"]);
    ok(per_page.path(), &["build"]);
    let html = |root: &Path| {
        snapshot(&root.join("public"))
            .into_iter()
            .filter(|(p, _)| p.extension().is_some_and(|e| e == "html"))
            .collect::<Vec<_>>()
    };
    let (a, b) = (html(reused.path()), html(per_page.path()));
    assert!(a.len() > 15, "too few pages: {}", a.len());
    for ((pa, ba), (pb, bb)) in a.iter().zip(&b) {
        assert_eq!(pa, pb);
        assert!(
            ba == bb,
            "{} differs:\n--- reused\n{}\n--- per page\n{}",
            pa.display(),
            String::from_utf8_lossy(ba),
            String::from_utf8_lossy(bb)
        );
    }
    assert_eq!(a.len(), b.len());
    // The pages really hold the cards: the home page shows the newest page
    // and the posts not yet on a full archive page (3 to 5 of 8).
    let home = read(reused.path(), "public/index.html");
    let cards = home.matches("<article class=\"h-entry entry").count();
    assert!((3..=5).contains(&cards), "{cards} cards on the home page");
    let tag = read(reused.path(), "public/tags/all/page/1/index.html");
    assert!(tag.contains("Continue reading"), "{tag}");
}
