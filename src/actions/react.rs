//! Reacting to a friend's post with one emoji, or taking it back.

use super::{deliver, Outcome};
use crate::federation::friends::Node;
use crate::federation::outbox::lock;
use crate::federation::protocol;

/// Queues a signed `reaction` to the friend whose post `url` is, and tries
/// delivery at once.
pub fn react(
    node: &Node,
    url: &str,
    emoji: &str,
    remove: bool,
    force: bool,
) -> anyhow::Result<Outcome> {
    let url = super::replies::checked_url(url)
        .ok_or_else(|| anyhow::anyhow!("`{url}` is not an http(s) URL"))?;
    let emoji = emoji_of(emoji)?;
    if !force && !remove {
        super::replies::check_known(&lock(&node.store), &url)?;
    }
    let f = crate::federation::reaction::send(&lock(&node.store), &url, &emoji, !remove)?;
    let verb = if remove { "took back" } else { "reacted" };
    let mut out = Outcome::said(format!("{verb} {emoji} on {url} ({})", f.name));
    out.enqueued = 1;
    out.sent = deliver(node)?;
    Ok(out)
}

/// The emoji a person means: one emoji as typed, or its name (`wave`,
/// `:thumbsup:`). Anything else is refused here, before it is sent.
pub fn emoji_of(given: &str) -> anyhow::Result<String> {
    let given = given.trim();
    if protocol::check_emoji(given).is_ok() {
        return Ok(given.to_string());
    }
    let name = given.trim_matches(':');
    match emojis::get_by_shortcode(name) {
        Some(e) => Ok(e.as_str().to_string()),
        None => anyhow::bail!(
            "`{given}` is not an emoji: a reaction is one emoji character, such as 👍 or ❤️ \
             (its name works too, e.g. `wave` or `:thumbsup:`), and a post keeps at most \
             {} different reactions from you",
            protocol::MAX_REACTIONS_PER_PERSON
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn emoji_names_become_emoji_and_words_are_refused() {
        assert_eq!(super::emoji_of("wave").unwrap(), "👋");
        assert_eq!(super::emoji_of(":thumbsup:").unwrap(), "👍");
        assert_eq!(super::emoji_of(" 🎉 ").unwrap(), "🎉");
        let err = super::emoji_of("hello there").unwrap_err().to_string();
        assert!(
            err.contains("is not an emoji") && err.contains("👍"),
            "{err}"
        );
    }
}
