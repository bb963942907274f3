//! Which friends a post mentions: each whose site it links to, or whose
//! name follows an `@` in its text as a whole word. Pure text work, shared
//! by the page (an h-card link) and the `mention` message.

/// The (url, name) pairs of `friends` that `html` (with its plain `text`)
/// mentions, in the order given.
pub fn mentioned<'a>(html: &str, text: &str, friends: &'a [(String, String)]) -> Vec<&'a str> {
    friends
        .iter()
        .filter(|(url, name)| {
            html.contains(&format!("href=\"{url}"))
                || (!name.trim().is_empty() && at_name(text, name.trim()))
        })
        .map(|(url, _)| url.as_str())
        .collect()
}

/// Whether `@name` stands in `text` as a whole word.
fn at_name(text: &str, name: &str) -> bool {
    let needle = format!("@{name}");
    text.match_indices(&needle).any(|(i, _)| {
        let after = text[i + needle.len()..].chars().next();
        !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}
