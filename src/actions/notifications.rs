//! Listing notifications and marking them read.

use super::Outcome;
use crate::store::{Notification, Store};
use crate::words::count;
use anyhow::bail;
use std::sync::Mutex;

/// Notifications, newest first; only unread ones when `unread_only`.
pub fn list(store: &Mutex<Store>, unread_only: bool) -> anyhow::Result<Vec<Notification>> {
    crate::federation::outbox::lock(store).notifications(unread_only)
}

/// How many are unread.
pub fn unread(store: &Mutex<Store>) -> anyhow::Result<i64> {
    crate::federation::outbox::lock(store).unread_notifications()
}

/// What to mark read.
pub enum Which<'a> {
    Ids(&'a [i64]),
    All,
}

/// Marks notifications read. Unknown ids are an error, after the known
/// ones are marked.
pub fn mark_read(store: &Mutex<Store>, which: Which<'_>) -> anyhow::Result<Outcome> {
    let st = crate::federation::outbox::lock(store);
    match which {
        Which::All => {
            let n = st.mark_all_notifications_read()?;
            Ok(Outcome::said(format!(
                "marked {} read",
                count(n, "notification")
            )))
        }
        Which::Ids([]) => bail!("name the notifications to mark read (IDs), or pass --all"),
        Which::Ids(ids) => {
            let missing = st.mark_notifications_read(ids)?;
            if !missing.is_empty() {
                let list: Vec<String> = missing.iter().map(i64::to_string).collect();
                bail!(
                    "no notification with id {} (see `microsocial notifications`)",
                    list.join(", ")
                );
            }
            Ok(Outcome::said(format!(
                "marked {} read",
                count(ids.len(), "notification")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NotificationKind;

    #[test]
    fn unknown_ids_are_named() {
        let store = Mutex::new(Store::in_memory().unwrap());
        let id = store
            .lock()
            .unwrap()
            .add_notification(NotificationKind::Mention, "https://b.example/", None, "hi")
            .unwrap();
        let err = mark_read(&store, Which::Ids(&[id, id + 40])).unwrap_err();
        assert!(err.to_string().contains(&(id + 40).to_string()), "{err}");
        assert_eq!(unread(&store).unwrap(), 0, "the known id was marked");
        assert!(mark_read(&store, Which::Ids(&[])).is_err());
        assert_eq!(list(&store, false).unwrap().len(), 1);
    }
}
