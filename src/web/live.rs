//! The unread-notifications count, pushed to open pages. Notifications
//! are added by the inbox, pulls, deliveries, Webmention checks and other
//! processes (the CLI), so the count is read back, not announced by each.

use super::Web;

/// The live-update event that carries the unread count as its data.
pub const UNREAD_EVENT: &str = "unread";

impl Web {
    /// Sends the unread count to every open page when it changed since the
    /// last call. Cheap (one count query): callers run it after each
    /// inbound message, each rebuild, and once a second.
    pub fn check_unread(&self) {
        let n = match crate::actions::notifications::unread(&self.store) {
            Ok(n) => n,
            Err(e) => {
                (self.opts.log)(&format!("home: cannot count notifications: {e:#}"));
                return;
            }
        };
        let mut last = self.unread.lock().unwrap_or_else(|p| p.into_inner());
        if *last != Some(n) {
            *last = Some(n);
            self.events.send_data(UNREAD_EVENT, &n.to_string());
        }
    }

    /// The unread count for the navigation (0 when it cannot be read).
    pub fn unread_now(&self) -> i64 {
        crate::actions::notifications::unread(&self.store).unwrap_or(0)
    }
}
