//! The outbox workers, one per lane: one sends friends' messages (woken at
//! once when this process queues one), the other sends Webmentions, so a
//! slow or silent web site never delays a friend.

use super::{guard, Sidecar};
use crate::federation::outbox::{self, lock};
use crate::store::{now_ms, Lane};
use std::time::{Duration, Instant};

/// Longest sleep of an outbox worker between checks of the database (the
/// CLI adds messages from another process, which cannot wake us directly).
const OUTBOX_IDLE: Duration = Duration::from_secs(1);
/// Seen message ids are kept this long (well past the 10-minute window).
const SEEN_KEEP_MS: i64 = 8 * 24 * 3600 * 1000;
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

impl Sidecar {
    pub(super) fn wake_outbox(&self) {
        *guard(&self.outbox_wake) = true;
        self.outbox_cv.notify_one();
    }

    pub(super) fn outbox_loop(&self) {
        let mut last_prune: Option<Instant> = None;
        loop {
            self.deliver_lane(Lane::Messages);
            if last_prune.is_none_or(|t| t.elapsed() > PRUNE_EVERY) {
                last_prune = Some(Instant::now());
                if let Err(e) = lock(&self.node.store).prune_seen(now_ms() - SEEN_KEEP_MS) {
                    tracing::warn!("pruning seen ids: {e:#}");
                }
            }
            let wait = self.until_due(Lane::Messages);
            let mut woken = guard(&self.outbox_wake);
            if !*woken {
                woken = self
                    .outbox_cv
                    .wait_timeout(woken, wait)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            *woken = false;
        }
    }

    /// Webmentions are queued by `publish` (often another process), which
    /// leaves what it could not send in its short budget to this worker.
    pub(super) fn webmention_send_loop(&self) {
        loop {
            self.deliver_lane(Lane::Webmentions);
            std::thread::sleep(self.until_due(Lane::Webmentions));
        }
    }

    fn deliver_lane(&self, lane: Lane) {
        let live = self.settings();
        match outbox::deliver_due(
            &self.node.store,
            &live.client,
            &live.me,
            live.config.federation.retry_initial_ms,
            lane,
            &[crate::webmention::COURIER],
        ) {
            Ok(results) => {
                for (m, d) in results {
                    tracing::info!("delivery of {} {} to {}: {d:?}", m.kind, m.id, m.recipient);
                }
            }
            Err(e) => tracing::error!("outbox: {e:#}"),
        }
    }

    /// How long to sleep before the next entry of `lane` is due (at most
    /// [`OUTBOX_IDLE`]).
    fn until_due(&self, lane: Lane) -> Duration {
        match lock(&self.node.store).next_due(lane) {
            Ok(Some(at)) => Duration::from_millis((at - now_ms()).clamp(10, 30_000) as u64),
            _ => OUTBOX_IDLE,
        }
        .min(OUTBOX_IDLE)
    }
}
