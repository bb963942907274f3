//! Conversation messages of `microsocial/1` (PROTOCOL.md §13): replies,
//! reactions and mentions, and the replies an author relays in its own
//! change log. Pure, like the rest of `protocol`.

use super::Reject;
use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation as _;

/// `reply`: "my post `url` answers your post `in_reply_to`". The receiver
/// believes only what the sender's change log says (PROTOCOL.md §13.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub url: String,
    pub in_reply_to: String,
}

/// `reaction`: one emoji on one of the receiver's posts, added or removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reaction {
    pub post: String,
    pub emoji: String,
    /// `add` or `remove`.
    pub op: String,
    /// When the reactor acted (RFC 3339): later acts win, so a retried or
    /// late add cannot undo a newer remove.
    pub written: String,
}

/// `mention`: the sender's post `url` names the receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    pub url: String,
}

/// A reply as the parent's author relays it in its own change log, inside
/// the parent's item (`replies`), so friends of the author who do not know
/// the replier see the thread as the author shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadReply {
    pub url: String,
    /// The replier's site and name.
    pub author: String,
    pub author_name: String,
    /// The parent item's URL, or another reply's in the same thread.
    pub in_reply_to: String,
    pub published: String,
    pub content_html: String,
}

/// Most different reactions one site keeps on one post.
pub const MAX_REACTIONS_PER_PERSON: usize = 8;
/// Most replies an item relays; a reader ignores the rest.
pub const MAX_THREAD_REPLIES: usize = 200;

/// Checks a reaction: exactly one grapheme cluster, and an emoji.
pub fn check_emoji(s: &str) -> Result<(), Reject> {
    let clusters = s.graphemes(true).take(2).count();
    if clusters != 1 {
        return Err(Reject::Malformed(format!(
            "a reaction is one emoji, not {} characters",
            s.chars().count()
        )));
    }
    // Typed emoji often lack the variation selector U+FE0F the table lists.
    let bare: String = s.chars().filter(|c| *c != '\u{fe0f}').collect();
    if emojis::get(s).is_none() && emojis::get(&bare).is_none() {
        return Err(Reject::Malformed(format!("`{s}` is not an emoji")));
    }
    Ok(())
}

/// Checks a reaction body: an emoji and a known op.
pub fn check_reaction(r: &Reaction) -> Result<(), Reject> {
    check_emoji(&r.emoji)?;
    if r.op != "add" && r.op != "remove" {
        return Err(Reject::Malformed(format!(
            "reaction op must be `add` or `remove`, not `{}`",
            r.op
        )));
    }
    chrono::DateTime::parse_from_rfc3339(&r.written)
        .map_err(|_| Reject::Malformed("reaction `written` is not an RFC 3339 time".into()))?;
    Ok(())
}

/// Whether `url` is a page on the site whose normalised base URL is `site`.
pub fn on_site(url: &str, site: &str) -> bool {
    url.starts_with(site) && super::normalize_url(url).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_emoji_and_nothing_else_is_a_reaction() {
        for ok in ["👍", "❤️", "❤", "👍🏽", "👩‍👩‍👧", "🇫🇷"] {
            assert_eq!(check_emoji(ok), Ok(()), "{ok}");
        }
        let hundred = "👍".repeat(100);
        for bad in ["", "a", "👍👍", "<b>", "lol", hundred.as_str(), "1"] {
            assert!(check_emoji(bad).is_err(), "{bad} was taken");
        }
    }

    #[test]
    fn a_reaction_needs_a_known_op_and_time() {
        let mut r = Reaction {
            post: "https://a.example/posts/x/".into(),
            emoji: "🎉".into(),
            op: "add".into(),
            written: "2026-11-25T10:00:00.000Z".into(),
        };
        assert_eq!(check_reaction(&r), Ok(()));
        r.op = "toggle".into();
        assert!(check_reaction(&r).is_err());
        r.op = "remove".into();
        r.written = "soon".into();
        assert!(check_reaction(&r).is_err());
    }
}

#[cfg(test)]
mod shape_tests {
    use super::super::{Item, Message};

    #[test]
    fn a_bad_element_of_replies_is_dropped_alone() {
        let item: Item = serde_json::from_value(serde_json::json!({
            "url": "https://ann.example/posts/a/", "content_html": "<p>a</p>",
            "published": "2026-11-24T09:30:00Z",
            "replies": [
                {"url": "https://bo.example/r/", "author": "https://bo.example/",
                 "author_name": "Bo", "in_reply_to": "https://ann.example/posts/a/",
                 "published": "2026-11-24T10:00:00Z", "content_html": "<p>hi</p>"},
                {"url": 5, "author": "https://cy.example/"},
                "not an object"
            ]
        }))
        .unwrap();
        assert_eq!(item.replies.len(), 1);
        assert_eq!(item.replies[0].author_name, "Bo");
    }

    #[test]
    fn an_optional_written_that_is_no_time_string_counts_as_absent() {
        for written in [serde_json::json!(1764000000), serde_json::json!(null)] {
            let m: Message =
                serde_json::from_value(serde_json::json!({"ciphertext": "x", "written": written}))
                    .unwrap();
            assert_eq!(m.written, None);
        }
        let m: Message = serde_json::from_value(
            serde_json::json!({"ciphertext": "x", "written": "2026-11-24T09:30:00"}),
        )
        .unwrap();
        let order = super::super::order_time(
            m.written.as_deref(),
            "2026-11-24T09:31:00Z",
            chrono::DateTime::parse_from_rfc3339("2026-11-24T09:32:00Z")
                .unwrap()
                .into(),
        );
        assert_eq!(
            order, 1_795_512_660_000,
            "a zoneless `written` falls back to `sent`"
        );
    }
}
