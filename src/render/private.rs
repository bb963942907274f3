//! The owner's private view: the front page with friends-only posts and the
//! conversations, and one page per conversation.

use super::Renderer;
use serde::Serialize;

/// A conversation for the private view.
pub struct Thread<'a> {
    pub slug: String,
    pub name: &'a str,
    pub url: &'a str,
    pub unread: i64,
    pub messages: Vec<ChatLine>,
}

/// One message of a conversation, as the private view shows it.
pub struct ChatLine {
    /// Sent by the owner (else received).
    pub mine: bool,
    pub body: String,
    /// Milliseconds since the epoch.
    pub at: i64,
    pub state: String,
}

#[derive(Serialize)]
struct MessageCtx<'a> {
    mine: bool,
    body: &'a str,
    at: String,
    at_display: String,
    state: &'a str,
}

fn ms_time(ms: i64) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .fixed_offset()
}

impl Renderer<'_> {
    /// The private view's front page: the newest `limit` timeline entries
    /// (friends-only posts included) and the conversations.
    pub fn render_home(&self, limit: usize, threads: &[Thread<'_>]) -> anyhow::Result<Vec<u8>> {
        let mut ctx = self.page_ctx("home/");
        let entries = self
            .site
            .timeline
            .iter()
            .take(limit)
            .map(|r| self.card(*r))
            .collect::<anyhow::Result<Vec<_>>>()?;
        ctx.insert("entries", &entries);
        let convs: Vec<_> = threads
            .iter()
            .map(|t| {
                serde_json::json!({"name": t.name, "friend_url": t.url, "unread": t.unread,
                    "count": t.messages.len(), "url": format!("/home/messages/{}/", t.slug)})
            })
            .collect();
        ctx.insert("conversations", &convs);
        self.tera("home.html", &ctx)
    }

    pub fn render_thread(&self, t: &Thread<'_>) -> anyhow::Result<Vec<u8>> {
        let mut ctx = self.page_ctx("home/");
        let messages: Vec<MessageCtx> = t
            .messages
            .iter()
            .map(|m| MessageCtx {
                mine: m.mine,
                body: &m.body,
                at: ms_time(m.at).to_rfc3339(),
                at_display: self.when(&ms_time(m.at)),
                state: &m.state,
            })
            .collect();
        ctx.insert("friend", &serde_json::json!({"name": t.name, "url": t.url}));
        ctx.insert("messages", &messages);
        self.tera("thread.html", &ctx)
    }
}
