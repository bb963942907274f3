//! Markdown to HTML with pulldown-cmark: GitHub-style extensions, heading
//! anchors, and link rewriting so post HTML works wherever it is shown
//! (timeline, feeds, a friend's site).

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;

pub const MORE_MARKER: &str = "<!-- more -->";

/// How relative link targets in one document resolve.
pub trait LinkResolver {
    /// URL for a link to another source file (`other-post.md`), given the
    /// target relative to the content folder; None when it does not exist.
    fn source_url(&self, target: &str) -> Option<String>;
    /// Absolute URL of the folder the document's relative assets live in.
    fn asset_base(&self) -> &str;
    /// Folder of the document relative to the content folder ("posts").
    fn source_dir(&self) -> &str;
}

#[derive(Debug, Default)]
pub struct Rendered {
    pub html: String,
    /// Text without markup, for labels and descriptions.
    pub text: String,
    /// `.md` link targets (content-relative), for fingerprints.
    pub source_links: Vec<String>,
    /// Broken `.md` links: (target, byte offset in the body).
    pub broken: Vec<(String, usize)>,
    /// Every link and image target with its byte offset, for `check`.
    pub links: Vec<(String, usize)>,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

pub fn render(body: &str, links: &dyn LinkResolver) -> Rendered {
    let mut out = Rendered::default();
    let mut events: Vec<Event> = Vec::new();
    let mut used_ids: HashSet<String> = HashSet::new();
    // Heading events are held back until the heading's text is known.
    let mut heading: Option<(usize, HeadingLevel, Vec<Event>, String)> = None;

    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        let event = match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = rewrite(dest_url, range.start, links, &mut out);
                Event::Start(Tag::Link {
                    link_type,
                    dest_url: dest,
                    title,
                    id,
                })
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = rewrite(dest_url, range.start, links, &mut out);
                Event::Start(Tag::Image {
                    link_type,
                    dest_url: dest,
                    title,
                    id,
                })
            }
            // pulldown-cmark's boxes have no accessible name (WCAG 4.1.2).
            Event::TaskListMarker(done) => Event::InlineHtml(CowStr::from(if done {
                "<input disabled=\"\" type=\"checkbox\" checked aria-label=\"done\">\n"
            } else {
                "<input disabled=\"\" type=\"checkbox\" aria-label=\"to do\">\n"
            })),
            other => other,
        };
        if let Event::Text(t) | Event::Code(t) = &event {
            if !out.text.is_empty() && !out.text.ends_with(' ') {
                out.text.push(' ');
            }
            out.text.push_str(t.trim());
        }
        match (&mut heading, event) {
            (None, Event::Start(Tag::Heading { level, id, .. })) if id.is_none() => {
                heading = Some((events.len(), level, Vec::new(), String::new()));
            }
            (Some((start, level, held, text)), Event::End(TagEnd::Heading(_))) => {
                let id = unique_id(&slug::slugify(text.as_str()), &mut used_ids);
                events.truncate(*start);
                events.push(Event::Start(Tag::Heading {
                    level: *level,
                    id: Some(CowStr::from(id)),
                    classes: Vec::new(),
                    attrs: Vec::new(),
                }));
                events.append(held);
                events.push(Event::End(TagEnd::Heading(*level)));
                heading = None;
            }
            (Some((_, _, held, text)), ev) => {
                if let Event::Text(t) | Event::Code(t) = &ev {
                    text.push_str(t);
                }
                held.push(ev);
            }
            (None, ev) => events.push(ev),
        }
    }
    html::push_html(&mut out.html, events.into_iter());
    // Kept for the whole build: the slack of its doubling growth would be
    // a quarter of all the posts' HTML.
    out.html.shrink_to_fit();
    out
}

fn unique_id(base: &str, used: &mut HashSet<String>) -> String {
    let base = if base.is_empty() { "section" } else { base };
    let mut id = base.to_string();
    let mut n = 1;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

fn is_relative(dest: &str) -> bool {
    !(dest.is_empty()
        || dest.starts_with('/')
        || dest.starts_with('#')
        || dest.starts_with('?')
        || dest.contains("://")
        || dest.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }))
}

fn rewrite<'a>(
    dest: CowStr<'a>,
    offset: usize,
    links: &dyn LinkResolver,
    out: &mut Rendered,
) -> CowStr<'a> {
    out.links.push((dest.to_string(), offset));
    if !is_relative(&dest) {
        return dest;
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest.as_ref(), None),
    };
    if path.ends_with(".md") {
        let target = normalize(links.source_dir(), path);
        out.source_links.push(target.clone());
        return match links.source_url(&target) {
            Some(url) => match fragment {
                Some(f) => CowStr::from(format!("{url}#{f}")),
                None => CowStr::from(url),
            },
            None => {
                out.broken.push((path.to_string(), offset));
                dest
            }
        };
    }
    CowStr::from(format!(
        "{}{}",
        links.asset_base(),
        dest.trim_start_matches("./")
    ))
}

/// Joins a relative path onto `dir`, resolving `.` and `..` (never above the root).
pub fn normalize(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Links;
    impl LinkResolver for Links {
        fn source_url(&self, target: &str) -> Option<String> {
            (target == "posts/other.md").then(|| "https://s.example/posts/other/".to_string())
        }
        fn asset_base(&self) -> &str {
            "https://s.example/posts/me/"
        }
        fn source_dir(&self) -> &str {
            "posts"
        }
    }

    #[test]
    fn extensions_render() {
        let r = render(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~x~~ [^1]\n\n- [x] done\n\n[^1]: note\n",
            &Links,
        );
        assert!(r.html.contains("<table>"), "{}", r.html);
        assert!(r.html.contains("<del>x</del>"));
        assert!(r.html.contains("checkbox"));
        assert!(r.html.contains("footnote-definition"));
    }

    #[test]
    fn task_list_boxes_have_names_for_screen_readers() {
        let r = render("- [x] bread\n- [ ] butter\n", &Links);
        assert!(
            r.html.contains("checked aria-label=\"done\">\nbread"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("aria-label=\"to do\">\nbutter"),
            "{}",
            r.html
        );
    }

    #[test]
    fn headings_get_unique_anchors() {
        let r = render(
            "# Hello *World*\n\n## Hello World\n\n## Own {#mine}\n",
            &Links,
        );
        assert!(
            r.html
                .contains("<h1 id=\"hello-world\">Hello <em>World</em></h1>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<h2 id=\"hello-world-1\">"));
        assert!(r.html.contains("<h2 id=\"mine\">"));
    }

    #[test]
    fn links_are_resolved_and_broken_ones_reported() {
        let r = render(
            "[a](other.md#x) [b](missing.md) ![i](pic.png) [c](https://x.example/) [m](mailto:a@b)",
            &Links,
        );
        assert!(
            r.html.contains("href=\"https://s.example/posts/other/#x\""),
            "{}",
            r.html
        );
        assert!(r
            .html
            .contains("src=\"https://s.example/posts/me/pic.png\""));
        assert!(r.html.contains("href=\"https://x.example/\""));
        assert!(r.html.contains("href=\"mailto:a@b\""));
        assert_eq!(r.broken, vec![("missing.md".to_string(), 16)]);
        assert_eq!(r.source_links, ["posts/other.md", "posts/missing.md"]);
    }

    #[test]
    fn text_is_plain() {
        let r = render("Hello **bold** `code`\n\n* item", &Links);
        assert_eq!(r.text, "Hello bold code item");
    }

    #[test]
    fn normalize_handles_dots() {
        assert_eq!(normalize("posts/a", "../b.md"), "posts/b.md");
        assert_eq!(normalize("posts", "../../../x.md"), "x.md");
        assert_eq!(normalize("", "./about.md"), "about.md");
    }
}
