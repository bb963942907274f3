//! Text helpers shared by the templates and the feeds.

/// Escapes text for HTML and XML. Unlike Tera's default it leaves `/`
/// alone: escaping it is not needed in text or quoted attributes, and it
/// makes every URL three times longer.
pub fn escape(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 8);
    escape_into(&mut out, input);
    out
}

/// `escape`, appended to `out`.
pub(super) fn escape_into(out: &mut String, input: &str) {
    let mut from = 0;
    for (at, b) in input.bytes().enumerate() {
        let with = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&input[from..at]);
        out.push_str(with);
        from = at + 1;
    }
    out.push_str(&input[from..]);
}

/// Tera's errors nest the useful part; flatten the chain into one message.
pub fn tera_message(err: &tera::Error) -> String {
    let mut msg = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// Text of sanitised HTML, for labels (tags dropped, entities kept escaped).
pub(super) fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}
