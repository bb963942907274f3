//! An HTML page as a tree (html5ever's parser into ammonia's `RcDom`, both
//! already dependencies), with the few queries Webmention needs: elements
//! in document order, attributes, classes and text.

use html5ever::tendril::{StrTendril, TendrilSink as _};
use html5ever::tokenizer::{BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer};
use markup5ever_rcdom::{Handle, NodeData, RcDom};
use std::cell::Cell;
use url::Url;

/// Deepest element nesting read. html5ever's tree builder checks scopes
/// down the stack of open elements for every tag, so a page of 50,000
/// nested `<div>`s takes minutes; real pages nest a few dozen deep.
pub const MAX_DEPTH: usize = 256;

pub struct Page {
    root: Handle,
    /// The page's own URL (after redirects): relative links resolve against it.
    pub url: Url,
}

impl Page {
    /// The page as a tree; an error when it nests deeper than [`MAX_DEPTH`].
    pub fn parse(html: &str, url: Url) -> Result<Page, String> {
        let depth = depth(html);
        if depth > MAX_DEPTH {
            return Err(format!(
                "the page nests elements {depth} deep (at most {MAX_DEPTH} are read)"
            ));
        }
        let dom = html5ever::parse_document(RcDom::default(), Default::default()).one(html);
        Ok(Page {
            root: dom.document,
            url,
        })
    }

    /// Every element, in document order.
    pub fn elements(&self) -> Vec<Handle> {
        descendants(&self.root, |_| true)
    }

    /// `href` (or `src`) of `el` resolved against the page URL; an empty
    /// value is the page itself. None for a missing or unusable value.
    pub fn resolve(&self, value: &str) -> Option<Url> {
        let mut u = self.url.join(value.trim()).ok()?;
        if value.trim().is_empty() {
            u.set_fragment(None);
        }
        Some(u)
    }
}

/// How deep the page's elements nest, by a cheap pass of html5ever's
/// tokenizer. Void elements and those whose end tag may be left out
/// (`p`, `li`…) do not count: the tree builder closes those itself.
fn depth(html: &str) -> usize {
    struct Depth {
        now: Cell<usize>,
        max: Cell<usize>,
    }
    impl TokenSink for Depth {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            if let Token::TagToken(tag) = token {
                let counted = !tag.self_closing
                    && !matches!(
                        &*tag.name,
                        "area"
                            | "base"
                            | "br"
                            | "col"
                            | "embed"
                            | "hr"
                            | "img"
                            | "input"
                            | "link"
                            | "meta"
                            | "source"
                            | "track"
                            | "wbr"
                            | "p"
                            | "li"
                            | "dt"
                            | "dd"
                            | "option"
                            | "optgroup"
                            | "tr"
                            | "td"
                            | "th"
                            | "thead"
                            | "tbody"
                            | "tfoot"
                            | "rb"
                            | "rt"
                            | "rp"
                            | "rtc"
                            | "colgroup"
                            | "caption"
                            | "html"
                            | "head"
                            | "body"
                    );
                match tag.kind {
                    TagKind::StartTag if counted => {
                        self.now.set(self.now.get() + 1);
                        self.max.set(self.max.get().max(self.now.get()));
                    }
                    TagKind::EndTag if counted => self.now.set(self.now.get().saturating_sub(1)),
                    _ => {}
                }
            }
            TokenSinkResult::Continue
        }
    }
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tok = Tokenizer::new(
        Depth {
            now: Cell::new(0),
            max: Cell::new(0),
        },
        Default::default(),
    );
    let _ = tok.feed(&input);
    tok.end();
    tok.sink.max.get()
}

/// The elements under `h` in document order; children of an element for
/// which `enter` says false are skipped (the element itself is listed).
/// Iterative, so a deeply nested page cannot overflow the stack.
pub fn descendants(h: &Handle, enter: impl Fn(&Handle) -> bool) -> Vec<Handle> {
    let mut out = Vec::new();
    let mut stack: Vec<Handle> = h.children.borrow().iter().rev().cloned().collect();
    while let Some(n) = stack.pop() {
        if !matches!(n.data, NodeData::Element { .. }) {
            continue;
        }
        out.push(n.clone());
        if enter(&n) {
            stack.extend(n.children.borrow().iter().rev().cloned());
        }
    }
    out
}

/// The element's local name (`a`, `link`…), or "" for other nodes.
pub fn tag(h: &Handle) -> &str {
    match &h.data {
        NodeData::Element { name, .. } => &name.local,
        _ => "",
    }
}

pub fn attr(h: &Handle, name: &str) -> Option<String> {
    match &h.data {
        NodeData::Element { attrs, .. } => attrs
            .borrow()
            .iter()
            .find(|a| a.name.ns.is_empty() && &*a.name.local == name)
            .map(|a| a.value.to_string()),
        _ => None,
    }
}

/// The space-separated tokens of an attribute (`class`, `rel`).
pub fn tokens(h: &Handle, name: &str) -> Vec<String> {
    attr(h, name)
        .map(|v| v.split_ascii_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// True when the `rel` attribute lists `rel` (ASCII case-insensitive).
pub fn has_rel(h: &Handle, rel: &str) -> bool {
    tokens(h, "rel").iter().any(|r| r.eq_ignore_ascii_case(rel))
}

/// Text content with runs of white space folded to one space. Scripts and
/// styles are not text.
pub fn text(h: &Handle) -> String {
    let mut raw = String::new();
    let mut stack = vec![h.clone()];
    while let Some(n) = stack.pop() {
        match &n.data {
            NodeData::Text { contents } => raw.push_str(&contents.borrow()),
            NodeData::Element { .. } if matches!(tag(&n), "script" | "style" | "template") => {}
            _ => stack.extend(n.children.borrow().iter().rev().cloned()),
        }
    }
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(html: &str) -> Page {
        Page::parse(html, Url::parse("https://a.example/dir/post").unwrap()).unwrap()
    }

    #[test]
    fn elements_come_in_document_order_and_text_skips_scripts() {
        let p = page("<p id=1>Hi <b id=2>there</b><script>x()</script></p><i id=3> you </i>");
        let ids: Vec<_> = p.elements().iter().filter_map(|e| attr(e, "id")).collect();
        assert_eq!(ids, ["1", "2", "3"]);
        let first = p.elements().into_iter().find(|e| tag(e) == "p").unwrap();
        assert_eq!(text(&first), "Hi there");
    }

    #[test]
    fn links_resolve_against_the_page_and_empty_is_the_page() {
        let p = page("");
        assert_eq!(p.resolve("../x").unwrap().as_str(), "https://a.example/x");
        assert_eq!(
            p.resolve("").unwrap().as_str(),
            "https://a.example/dir/post"
        );
        assert!(p.resolve("http://[::1").is_none());
    }

    #[test]
    fn deep_nesting_is_refused_quickly_and_lists_and_paragraphs_are_not_deep() {
        let started = std::time::Instant::now();
        let html = "<div>".repeat(50_000) + "<a href=x>y</a>";
        let url = Url::parse("https://a.example/").unwrap();
        let err = Page::parse(&html, url.clone()).err().unwrap();
        assert!(err.contains("50001 deep (at most 256"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        let deep_ok = "<div>".repeat(MAX_DEPTH) + &"<li><p>x".repeat(5_000);
        let p = Page::parse(&deep_ok, url).unwrap();
        assert_eq!(
            p.elements().iter().filter(|e| tag(e) == "li").count(),
            5_000
        );
    }
}
