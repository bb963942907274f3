//! Mentions (PROTOCOL.md §12.4): a post that names a friend, by `@name` or
//! by a link to the friend's site, tells that friend.

use super::protocol::{self, Envelope, Reject};
use crate::store::{Friend, NotificationKind, Store};

/// Applies a friend's `mention`: a notification pointing at their post.
pub fn apply(s: &Store, env: &Envelope, f: &Friend) -> anyhow::Result<Result<(), Reject>> {
    let body: protocol::Mention = match protocol::body(env) {
        Ok(b) => b,
        Err(r) => return Ok(Err(r)),
    };
    if !protocol::on_site(&body.url, &f.url) {
        return Ok(Err(Reject::Malformed(format!(
            "{} is not on the sender's site",
            body.url
        ))));
    }
    if !s.has_notification(NotificationKind::Mention, &body.url)? {
        let text = format!("{} mentioned you", f.name);
        s.add_notification(NotificationKind::Mention, &f.url, Some(&body.url), &text)?;
    }
    Ok(Ok(()))
}

/// The friends a post mentions: each friend whose site it links to, or
/// whose name follows an `@` in its text. `friends` are (url, name).
pub fn mentioned<'a>(html: &str, friends: &'a [(String, String)]) -> Vec<&'a str> {
    let text = super::reply::excerpt_all(html);
    friends
        .iter()
        .filter(|(url, name)| {
            html.contains(&format!("href=\"{url}"))
                || (!name.trim().is_empty() && at_name(&text, name.trim()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_friend_is_mentioned_by_link_or_at_name() {
        let friends = vec![
            ("https://bo.example/".to_string(), "Bo".to_string()),
            ("https://cy.example/".to_string(), "Cy Young".to_string()),
        ];
        let html = r#"<p>Hi @Bo, see <a href="https://cy.example/posts/x/">this</a></p>"#;
        assert_eq!(
            mentioned(html, &friends),
            ["https://bo.example/", "https://cy.example/"]
        );
        assert!(mentioned("<p>@Bobby and bo@mail</p>", &friends).is_empty());
        assert_eq!(
            mentioned("<p>thanks @Cy Young!</p>", &friends),
            ["https://cy.example/"]
        );
    }
}
