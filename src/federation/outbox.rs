//! The durable outbox: every outgoing message is stored before it is sent,
//! and retried with exponential backoff and jitter until it is delivered,
//! refused for good, or seven days old.

use super::client::{Client, Delivery};
use super::{protocol, Me};
use crate::store::{now_ms, Lane, NotificationKind, OutMsg, Store};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

pub const MAX_BACKOFF_MS: i64 = 24 * 3600 * 1000;
pub const GIVE_UP_MS: i64 = 7 * 24 * 3600 * 1000;
/// How long a claimed message is reserved for the process sending it.
pub const LEASE_MS: i64 = 30_000;
/// Parallel deliveries (fan-out to many friends).
pub const WORKERS: usize = 16;

/// Entries one pass claims. Friends' messages are quick and many at once
/// (a fan-out); a Webmention can take a full lease on a slow host, so a
/// pass takes one per worker and every claim is sent within its lease.
fn batch(lane: Lane) -> usize {
    match lane {
        Lane::Messages => 1000,
        Lane::Webmentions => WORKERS,
    }
}

/// Stores a message for `recipient`; returns its id.
pub fn enqueue(
    store: &Store,
    recipient: &str,
    inbox: &str,
    kind: &str,
    body: &serde_json::Value,
) -> anyhow::Result<String> {
    enqueue_with_id(store, &super::new_id()?, recipient, inbox, kind, body)
}

/// Like [`enqueue`] with a chosen id (a private message keeps one id from
/// the conversation log to the recipient's de-duplication).
pub fn enqueue_with_id(
    store: &Store,
    id: &str,
    recipient: &str,
    inbox: &str,
    kind: &str,
    body: &serde_json::Value,
) -> anyhow::Result<String> {
    if !protocol::accepts(store.accepts(recipient)?.as_deref(), kind) {
        anyhow::bail!(
            "{recipient} does not accept `{kind}` messages (its discovery document does not list the type)"
        );
    }
    let id = id.to_string();
    let now = now_ms();
    store.enqueue(&OutMsg {
        id: id.clone(),
        recipient: recipient.into(),
        inbox: inbox.into(),
        kind: kind.into(),
        body: serde_json::to_string(body)?,
        created: now,
        attempts: 0,
        next_attempt: now,
        last_error: None,
        state: "pending".into(),
    })?;
    Ok(id)
}

/// Delay before retry number `attempts + 1`: `initial · 2^attempts`, capped
/// at 24 h, plus up to 25 % jitter (`jitter` in [0, 1)) so a crowd of
/// senders does not retry in step.
pub fn backoff_ms(initial_ms: u64, attempts: i64, jitter: f64) -> i64 {
    let base = (initial_ms as f64) * 2f64.powi(attempts.clamp(0, 40) as i32);
    let capped = base.min(MAX_BACKOFF_MS as f64);
    (capped * (1.0 + 0.25 * jitter.clamp(0.0, 1.0))) as i64
}

fn jitter() -> f64 {
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        return 0.5;
    }
    u32::from_le_bytes(b) as f64 / (u32::MAX as f64 + 1.0)
}

/// How an entry of a kind that is no Microsocial message is sent (a
/// Webmention today, ActivityPub later). The layer that owns the kind
/// passes it in, so this queue knows nothing of what it carries.
pub type Courier = fn(&Client, &OutMsg) -> Delivery;

/// The couriers a caller registers, by entry kind.
pub type Couriers<'a> = &'a [(&'a str, Courier)];

/// Sends one attempt of `m`: through its kind's courier, or as a signed
/// Microsocial message (fresh `sent` and signature, same id).
pub fn attempt(client: &Client, me: &Me, m: &OutMsg, couriers: Couriers) -> Delivery {
    if let Some((_, send)) = couriers.iter().find(|(kind, _)| *kind == m.kind) {
        return send(client, m);
    }
    let body: serde_json::Value = match serde_json::from_str(&m.body) {
        Ok(b) => b,
        Err(e) => return Delivery::Refused(format!("stored body is damaged: {e}")),
    };
    let payload = protocol::envelope_bytes(
        &m.kind,
        &m.id,
        &me.url,
        &m.recipient,
        super::clock::now(),
        &body,
    );
    let sig = protocol::sign(&payload, &me.keys.signing);
    client.post_envelope(&m.inbox, &payload, &sig)
}

/// Records the outcome of one attempt.
pub fn settle(
    store: &Store,
    m: &OutMsg,
    outcome: &Delivery,
    retry_initial_ms: u64,
) -> anyhow::Result<()> {
    let now = now_ms();
    match outcome {
        Delivery::Delivered => store.delivered(&m.id),
        // They no longer count us as a friend: what the removal asked for.
        Delivery::Refused(reason)
            if m.kind == protocol::types::FRIEND_REMOVE && reason.ends_with(" not_friend") =>
        {
            store.delivered(&m.id)
        }
        Delivery::Refused(reason) => give_up(store, m, reason),
        Delivery::Retry { reason, after } => {
            if now - m.created > GIVE_UP_MS {
                return give_up(store, m, &format!("gave up after 7 days: {reason}"));
            }
            let wait = backoff_ms(retry_initial_ms, m.attempts, jitter())
                .max(after.map_or(0, |d| d.as_millis() as i64));
            store.retry_later(&m.id, now + wait, reason)
        }
    }
}

/// Marks an entry failed for good and tells the owner.
fn give_up(store: &Store, m: &OutMsg, reason: &str) -> anyhow::Result<()> {
    store.give_up(&m.id, reason)?;
    let text = format!("{} {} was not delivered: {reason}", m.kind, m.id);
    store.add_notification(NotificationKind::DeliveryFailed, &m.recipient, None, &text)?;
    Ok(())
}

/// Claims the due messages of `lane` and delivers them in parallel.
/// Returns each message with its outcome.
pub fn deliver_due(
    store: &Mutex<Store>,
    client: &Client,
    me: &Me,
    retry_initial_ms: u64,
    lane: Lane,
    couriers: Couriers,
) -> anyhow::Result<Vec<(OutMsg, Delivery)>> {
    let due = lock(store).claim_due(now_ms(), LEASE_MS, batch(lane), lane)?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    crate::faultpoint::pause("outbox.claimed");
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(OutMsg, Delivery)>> = Mutex::new(Vec::with_capacity(due.len()));
    std::thread::scope(|scope| {
        for _ in 0..WORKERS.min(due.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(m) = due.get(i) else { break };
                let outcome = attempt(client, me, m, couriers);
                results
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((m.clone(), outcome));
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    crate::faultpoint::pause("outbox.sent");
    let mut st = lock(store);
    st.transaction(|s| {
        for (m, outcome) in &results {
            settle(s, m, outcome, retry_initial_ms)?;
        }
        Ok(())
    })?;
    Ok(results)
}

pub fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::federation::protocol::types;

    #[test]
    fn not_friend_to_a_friend_remove_means_done() {
        let mut s = Store::in_memory().unwrap();
        let to = "https://gone.example/";
        let body = serde_json::json!({});
        for kind in [types::FRIEND_REMOVE, types::FEED_UPDATED] {
            enqueue(&s, to, "https://gone.example/inbox", kind, &body).unwrap();
        }
        let refused = Delivery::Refused("HTTP 403 not_friend".into());
        for m in s
            .claim_due(now_ms() + 1000, LEASE_MS, 10, Lane::Messages)
            .unwrap()
        {
            settle(&s, &m, &refused, 1000).unwrap();
        }
        // The removal reached its goal; the ping failed for good.
        let left = s.outbox().unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(
            (left[0].kind.as_str(), left[0].state.as_str()),
            (types::FEED_UPDATED, "failed")
        );
        // Only the failure is news to the owner.
        let told = s.notifications(false).unwrap();
        assert_eq!(told.len(), 1, "{told:?}");
        assert_eq!(
            (told[0].kind.as_str(), told[0].from.as_str()),
            ("delivery.failed", to)
        );
        assert!(
            told[0].text.contains(types::FEED_UPDATED),
            "{}",
            told[0].text
        );
    }

    #[test]
    fn a_type_the_friend_does_not_accept_is_never_queued() {
        let s = Store::in_memory().unwrap();
        let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
        for url in ["https://old.example/", "https://small.example/"] {
            s.upsert_friend(&crate::federation::testing::friend(url, &key))
                .unwrap();
        }
        // No list: the microsocial/1 base set, messages included.
        let body = serde_json::json!({"ciphertext": "x"});
        enqueue(
            &s,
            "https://old.example/",
            "https://old.example/inbox",
            types::MESSAGE,
            &body,
        )
        .unwrap();
        // A site that lists what it takes, without private messages.
        let list: Vec<String> = [types::FRIEND_ACCEPT, types::FEED_UPDATED]
            .iter()
            .map(|t| t.to_string())
            .collect();
        s.set_accepts("https://small.example/", Some(&list))
            .unwrap();
        let inbox = "https://small.example/inbox";
        let err = enqueue(&s, "https://small.example/", inbox, types::MESSAGE, &body)
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not accept `message`"), "{err}");
        let ping = serde_json::json!({"version": 1});
        enqueue(
            &s,
            "https://small.example/",
            inbox,
            types::FEED_UPDATED,
            &ping,
        )
        .unwrap();
        // Ending a friendship is always possible.
        enqueue(
            &s,
            "https://small.example/",
            inbox,
            types::FRIEND_REMOVE,
            &serde_json::json!({}),
        )
        .unwrap();
        assert_eq!(s.outbox().unwrap().len(), 3);
    }

    #[test]
    fn backoff_doubles_with_bounded_jitter_and_caps() {
        assert_eq!(backoff_ms(30_000, 0, 0.0), 30_000);
        assert_eq!(backoff_ms(30_000, 1, 0.0), 60_000);
        assert_eq!(backoff_ms(30_000, 3, 0.0), 240_000);
        assert_eq!(backoff_ms(30_000, 0, 0.999_999), 37_499);
        assert_eq!(backoff_ms(30_000, 30, 0.0), MAX_BACKOFF_MS);
        assert!(backoff_ms(30_000, 30, 1.0) <= MAX_BACKOFF_MS * 5 / 4);
    }
}
