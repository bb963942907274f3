//! The built-in theme's pages written directly: byte for byte what Tera
//! makes of the default templates, at a fraction of the cost (ARCHITECTURE.md,
//! "The built-in theme's fast path"). Each kind of page takes this path only
//! while the site overrides none of the templates it stands for;
//! `tests/builtin.rs` builds varied sites both ways and compares every page.
//! A change to one of those templates must be made here too, and that test
//! says where the two differ.
//!
//! `layout` is `base.html`, `post` is `post.html` with its partials, `lists`
//! the home, tag and timeline pages, `card` the card and its macros.

mod card;
mod layout;
mod lists;
mod post;

pub(super) use card::card;
pub(super) use lists::{home, tag, timeline, TagHead};
pub(super) use post::post_page;

use super::text::escape_into;

/// Which pages are written here rather than by Tera.
pub(super) struct Builtin {
    pub post: bool,
    pub card: bool,
    pub home: bool,
    pub tag: bool,
    pub timeline: bool,
}

/// The templates each fast path stands for, besides `base.html` and
/// `macros.html` (which every page here uses).
const POST: [&str; 3] = [
    "post.html",
    "partials/reactions.html",
    "partials/thread.html",
];

impl Builtin {
    pub fn detect(templates: &[(String, String)]) -> Builtin {
        let unchanged = |names: &[&str]| {
            names.iter().all(|name| {
                let default = super::theme::DEFAULT_TEMPLATES
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, t)| *t);
                let used = templates.iter().find(|(n, _)| n == name);
                default.is_some() && used.is_some_and(|(_, t)| Some(t.as_str()) == default)
            })
        };
        let page = |names: &[&str]| unchanged(&["base.html", "macros.html"]) && unchanged(names);
        Builtin {
            post: page(&POST),
            card: unchanged(&["macros.html", "partials/card.html"]),
            home: page(&["index.html"]),
            tag: page(&["tag.html"]),
            timeline: page(&["timeline.html"]),
        }
    }
}

/// Tera's truthiness of an optional string: absent or empty is false.
fn truthy(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// An HTML buffer: `raw` is template text or `| safe` HTML, `text` escapes
/// as Tera's autoescape does (`text::escape`).
struct Out(String);

impl Out {
    fn raw(&mut self, s: &str) -> &mut Out {
        self.0.push_str(s);
        self
    }

    fn text(&mut self, s: &str) -> &mut Out {
        escape_into(&mut self.0, s);
        self
    }

    fn num(&mut self, n: usize) -> &mut Out {
        self.raw(&n.to_string())
    }

    /// Writes `f` when `s` is there and not empty (`{% if s %}`).
    fn when(&mut self, s: Option<&str>, f: impl FnOnce(&mut Out, &str)) -> &mut Out {
        if let Some(s) = truthy(s) {
            f(self, s);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::Builtin;
    use crate::render::theme::DEFAULT_TEMPLATES;

    fn templates(change: Option<&str>) -> Vec<(String, String)> {
        DEFAULT_TEMPLATES
            .iter()
            .map(|(n, t)| match Some(*n) == change {
                true => (n.to_string(), format!("{{# mine #}}{t}")),
                false => (n.to_string(), t.to_string()),
            })
            .collect()
    }

    #[test]
    fn only_the_unchanged_default_templates_take_the_fast_path() {
        let all = Builtin::detect(&templates(None));
        assert!(all.post && all.card);
        let post = Builtin::detect(&templates(Some("partials/thread.html")));
        assert!(!post.post && post.card);
        let both = Builtin::detect(&templates(Some("macros.html")));
        assert!(!both.post && !both.card);
        let card = Builtin::detect(&templates(Some("partials/card.html")));
        assert!(card.post && !card.card);
        // A list template of the site's own does not matter here.
        let list = Builtin::detect(&templates(Some("index.html")));
        assert!(list.post && list.card);
    }
}
