//! Images in friends' posts would load from their hosts when the owner opens
//! the private view: tracking pixels. With `remote_images = "link"` each
//! image becomes a link to it instead. ammonia cleans first (it can filter
//! attributes but not change an element); html5ever's tokenizer and
//! serializer then swap `<img>` for `<a>`, so all escaping is theirs.

use html5ever::serialize::{HtmlSerializer, SerializeOpts, Serializer as _};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer,
};
use html5ever::{local_name, ns, Attribute, LocalName, QualName};
use std::cell::{Cell, RefCell};

/// Replaces every `<img>` in `html` (ammonia's output) with a link to the
/// image, labelled with its alt text; an image inside a link becomes text.
pub fn images_to_links(html: &str) -> String {
    let opts = SerializeOpts {
        create_missing_parent: true, // a stray end tag must not panic
        ..SerializeOpts::default()
    };
    let sink = Sink {
        out: RefCell::new(HtmlSerializer::new(Vec::new(), opts)),
        in_link: Cell::new(0),
        failed: Cell::new(false),
    };
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tok = Tokenizer::new(sink, Default::default());
    let _ = tok.feed(&input);
    tok.end();
    let sink = tok.sink;
    if sink.failed.get() {
        return String::new(); // writing to a Vec cannot fail; show nothing rather than half
    }
    String::from_utf8(sink.out.into_inner().writer).unwrap_or_default()
}

struct Sink {
    out: RefCell<HtmlSerializer<Vec<u8>>>,
    /// Open `<a>` elements: links cannot nest.
    in_link: Cell<usize>,
    failed: Cell<bool>,
}

fn html(local: LocalName) -> QualName {
    QualName::new(None, ns!(html), local)
}

fn attr<'a>(tag: &'a Tag, name: &LocalName) -> Option<&'a str> {
    tag.attrs
        .iter()
        .find(|a| &a.name.local == name)
        .map(|a| &*a.value)
}

/// Elements without content or end tag (ammonia allows these).
fn is_void(name: &LocalName) -> bool {
    matches!(
        *name,
        local_name!("br")
            | local_name!("hr")
            | local_name!("img")
            | local_name!("wbr")
            | local_name!("col")
            | local_name!("area")
    )
}

impl Sink {
    fn write(&self, token: Token) -> std::io::Result<()> {
        let mut out = self.out.borrow_mut();
        match token {
            Token::TagToken(tag)
                if tag.name == local_name!("img") && tag.kind == TagKind::StartTag =>
            {
                self.image(&mut out, &tag)?;
            }
            Token::TagToken(tag) if tag.name == local_name!("img") => {}
            Token::TagToken(tag) => {
                let name = html(tag.name.clone());
                let is_link = tag.name == local_name!("a");
                match tag.kind {
                    TagKind::StartTag => {
                        let attrs = tag.attrs.iter().map(|a| (&a.name, &*a.value));
                        out.start_elem(name.clone(), attrs)?;
                        if is_void(&tag.name) {
                            out.end_elem(name)?;
                        } else if is_link {
                            self.in_link.set(self.in_link.get() + 1);
                        }
                    }
                    TagKind::EndTag if !is_void(&tag.name) => {
                        if is_link {
                            self.in_link.set(self.in_link.get().saturating_sub(1));
                        }
                        out.end_elem(name)?;
                    }
                    TagKind::EndTag => {}
                }
            }
            Token::CharacterTokens(text) => out.write_text(&text)?,
            // Comments, doctypes, NULs: ammonia leaves none; drop any anyway.
            _ => {}
        }
        Ok(())
    }

    fn image(&self, out: &mut HtmlSerializer<Vec<u8>>, tag: &Tag) -> std::io::Result<()> {
        let alt = attr(tag, &local_name!("alt")).map(str::trim).unwrap_or("");
        let label = if alt.is_empty() {
            "[image]".to_string()
        } else {
            format!("[image: {alt}]")
        };
        let src = attr(tag, &local_name!("src"))
            .filter(|s| s.starts_with("https://") || s.starts_with("http://"));
        // A friend's sealed image, opened here: it loads from this site.
        if src.is_some_and(|s| super::media::opened_name(s).is_some()) {
            let attrs = tag.attrs.iter().map(|a| (&a.name, &*a.value));
            out.start_elem(html(local_name!("img")), attrs)?;
            return out.end_elem(html(local_name!("img")));
        }
        match src {
            Some(src) if self.in_link.get() == 0 => {
                let href = Attribute {
                    name: QualName::new(None, ns!(), local_name!("href")),
                    value: src.into(),
                };
                let a = html(local_name!("a"));
                out.start_elem(a.clone(), std::iter::once((&href.name, &*href.value)))?;
                out.write_text(&label)?;
                out.end_elem(a)
            }
            _ => out.write_text(&label),
        }
    }
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        if self.write(token).is_err() {
            self.failed.set(true);
        }
        TokenSinkResult::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_become_links_and_nothing_else_changes() {
        let out = images_to_links(
            r#"<p>a &amp; b <img src="https://t.example/p.gif?u=1&amp;v=2" alt="a &quot;cat&quot;"> <em>x</em><br>y</p>"#,
        );
        assert_eq!(
            out,
            r#"<p>a &amp; b <a href="https://t.example/p.gif?u=1&amp;v=2">[image: a "cat"]</a> <em>x</em><br>y</p>"#
        );
    }

    #[test]
    fn an_image_inside_a_link_becomes_text_and_odd_input_is_safe() {
        let out = images_to_links(r#"<a href="https://a/">go <img src="https://t/x.png"></a>"#);
        assert_eq!(out, r#"<a href="https://a/">go [image]</a>"#);
        let out = images_to_links(r#"</p></a><img src="javascript:alert(1)" alt="<b>">"#);
        assert!(
            !out.contains("<img") && !out.contains("javascript") && !out.contains("<b>"),
            "{out}"
        );
    }
}
