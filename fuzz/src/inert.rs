//! The sanitiser's promise, checked on its output parsed again by html5ever's
//! tokenizer: no script-capable element, no `on*` handler, no `style`, and no
//! URL attribute that runs code (`javascript:`, `vbscript:`, `data:`).

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use std::cell::RefCell;

const BANNED_TAGS: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
    "button", "textarea", "select", "base", "meta", "link", "svg", "math", "template",
];
const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "poster",
    "background",
    "cite",
    "longdesc",
    "usemap",
    "xlink:href",
    "data",
];
const BAD_SCHEMES: &[&str] = &["javascript:", "vbscript:", "data:"];

#[derive(Default)]
struct Findings(RefCell<Vec<String>>);

impl TokenSink for Findings {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let Token::TagToken(tag) = token else {
            return TokenSinkResult::Continue;
        };
        if tag.kind != TagKind::StartTag {
            return TokenSinkResult::Continue;
        }
        let mut found = self.0.borrow_mut();
        let name = tag.name.to_string().to_ascii_lowercase();
        if BANNED_TAGS.contains(&name.as_str()) {
            found.push(format!("<{name}> element"));
        }
        for a in &tag.attrs {
            let attr = a.name.local.to_string().to_ascii_lowercase();
            if attr.starts_with("on") || attr == "style" {
                found.push(format!("`{attr}` attribute on <{name}>"));
            }
            if URL_ATTRS.contains(&attr.as_str()) && runs_code(&attr, &a.value) {
                found.push(format!("{attr}=\"{}\" on <{name}>", a.value));
            }
        }
        TokenSinkResult::Continue
    }
}

/// As a browser reads a URL: leading C0 and spaces dropped, tabs and
/// newlines removed anywhere, scheme case-insensitive.
fn runs_code(attr: &str, url: &str) -> bool {
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .to_ascii_lowercase();
    let bad = |u: &str| BAD_SCHEMES.iter().any(|s| u.trim().starts_with(s));
    if attr == "srcset" {
        // A list of `URL width` candidates.
        url.split([',', ' ']).any(bad)
    } else {
        bad(&url)
    }
}

/// Panics, naming what survived, if `html` could run code or style the page.
pub fn assert_inert(html: &str) {
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from_slice(html));
    let tok = Tokenizer::new(Findings::default(), TokenizerOpts::default());
    let _ = tok.feed(&queue);
    tok.end();
    let found = tok.sink.0.take();
    assert!(
        found.is_empty(),
        "sanitised HTML is not inert: {found:?} in {html}"
    );
}
