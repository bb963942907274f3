//! Pulling friends' feeds: one worker takes the friends that pings or
//! timers asked for, never two pulls of one friend at once, and skips a
//! pull that an earlier one already covered.

use super::{guard, Sidecar};
use crate::federation::ingest;
use crate::federation::outbox::lock;
use std::sync::atomic::Ordering;
use std::time::Instant;

impl Sidecar {
    pub(super) fn request_pull(&self, friend: &str, version: u64) {
        let mut p = guard(&self.pulls);
        let v = p.wanted.entry(friend.to_string()).or_insert(0);
        *v = (*v).max(version);
        self.pulls_cv.notify_one();
    }

    pub(super) fn pull_loop(&self) {
        loop {
            let (friend, wanted) = self.next_pull();
            // A ping read the friend's state before an earlier pull finished:
            // if that pull already covered the version, skip the network.
            if wanted != u64::MAX && self.stored_seq(&friend) >= wanted {
                let mut p = guard(&self.pulls);
                p.in_flight.remove(&friend);
                self.pulls_cv.notify_one();
                continue;
            }
            let started = Instant::now();
            let live = self.settings();
            let claims = self.take_reply_claims(&friend);
            let result = ingest::pull(
                &self.node.store,
                &live.client,
                &friend,
                &live.config.federation,
                &live.identities,
            );
            self.finish_pull(&friend, wanted);
            match result {
                Ok(r) => {
                    log_pull(&friend, started, &r);
                    if r.replies > 0 {
                        self.threads_changed.store(true, Ordering::SeqCst);
                    }
                    if r.applied > 0 {
                        self.request_rebuild();
                    }
                    self.check_replies(&friend, claims);
                }
                Err(e) => tracing::warn!("pull of {friend} failed: {e:#}"),
            }
            if guard(&self.pulls).replies.iter().any(|c| c.0 == friend) {
                // Announced during the pull: one more pull confirms them.
                self.request_pull(&friend, u64::MAX);
            }
        }
    }

    /// Waits for a friend that is wanted and not already being pulled.
    fn next_pull(&self) -> (String, u64) {
        let mut p = guard(&self.pulls);
        loop {
            let next = p
                .wanted
                .iter()
                .find(|(f, _)| !p.in_flight.contains(*f))
                .map(|(f, v)| (f.clone(), *v));
            if let Some((f, v)) = next {
                p.wanted.remove(&f);
                p.in_flight.insert(f.clone());
                return (f, v);
            }
            p = self.pulls_cv.wait(p).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The last change-log sequence stored for `friend` (0 when unknown).
    pub(super) fn stored_seq(&self, friend: &str) -> u64 {
        lock(&self.node.store)
            .friend(friend)
            .ok()
            .flatten()
            .map_or(0, |f| f.last_seq.max(0) as u64)
    }

    fn finish_pull(&self, friend: &str, wanted: u64) {
        let last_seq = self.stored_seq(friend);
        let mut p = guard(&self.pulls);
        p.in_flight.remove(friend);
        // Pings that arrived during the pull and are now covered need no second pull.
        if p.wanted
            .get(friend)
            .is_some_and(|&v| v <= last_seq || v == u64::MAX && wanted == u64::MAX)
        {
            p.wanted.remove(friend);
        }
        self.pulls_cv.notify_one();
    }
}

fn log_pull(friend: &str, started: Instant, r: &ingest::PullReport) {
    tracing::info!(
        "pulled {friend}: {} in {} ms ({} request(s){})",
        if r.not_modified {
            "not modified".to_string()
        } else {
            format!("{} change(s)", r.applied)
        },
        started.elapsed().as_millis(),
        r.requests,
        if r.skipped > 0 {
            format!(", {} invalid change(s) skipped", r.skipped)
        } else {
            String::new()
        }
    );
    if r.dropped > 0 {
        tracing::warn!(
            "{friend}: dropped {} older post(s) to keep max_items_per_friend",
            r.dropped
        );
    }
}
