//! A small bounded queue for work that needs the network and must not hold
//! an HTTP worker: a stranger's friend request waits here for the fetch of
//! its sender's discovery document. When the queue is full the request is
//! refused at once (503 with Retry-After) instead of waiting.

use super::json;
use crate::federation::inbox::{self, PendingRequest};
use crate::federation::protocol;
use crate::http::files;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Mutex;

/// Threads that verify friend requests (each may wait out a 5 s timeout).
pub const WORKERS: usize = 2;
/// Requests waiting for a worker at most.
pub const QUEUE: usize = 16;
/// What a refused sender is told to wait, in seconds.
pub const RETRY_AFTER_SECS: u64 = 30;

pub struct Queue<T> {
    tx: SyncSender<T>,
    rx: Mutex<Receiver<T>>,
}

impl<T> Queue<T> {
    pub fn new(capacity: usize) -> Queue<T> {
        let (tx, rx) = sync_channel(capacity);
        Queue {
            tx,
            rx: Mutex::new(rx),
        }
    }

    /// Queues `job`, or hands it back when the queue is full.
    pub fn offer(&self, job: T) -> Result<(), T> {
        self.tx.try_send(job).map_err(|e| match e {
            TrySendError::Full(j) | TrySendError::Disconnected(j) => j,
        })
    }

    /// Blocks until a job is queued (workers call this in a loop).
    pub fn next(&self) -> Option<T> {
        self.rx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .recv()
            .ok()
    }
}

type Response = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

impl super::Sidecar {
    /// Answers a stranger's friend request at once; a verify worker reads
    /// the sender's discovery document later.
    pub(super) fn queue_request(&self, peer: &str, pending: PendingRequest) -> Response {
        let from = pending.from().to_string();
        if self.verify.offer(pending).is_err() {
            tracing::warn!(
                "refused friend.request from {from} ({peer}): verification queue is full"
            );
            let busy =
                protocol::error_body("busy", "too many requests are being checked; retry later");
            let after = RETRY_AFTER_SECS.to_string();
            return json(503, &busy).with_header(files::header_value("Retry-After", &after));
        }
        tracing::info!("friend.request from {from} ({peer}) queued for verification");
        json(202, b"{\"status\":\"accepted\"}")
    }

    pub(super) fn verify_one(&self, pending: &PendingRequest) {
        let live = self.settings();
        let from = pending.from();
        match inbox::verify_request(&self.node.store, &live.client, &live.me, pending) {
            Ok(Ok(accepted)) => {
                tracing::info!("accepted {}", accepted.describe());
                self.after(&accepted);
            }
            Ok(Err(r)) => tracing::warn!("dropped friend.request from {from}: {} ({r})", r.code()),
            Err(e) => tracing::error!("friend.request from {from}: internal error: {e:#}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_refuses_instead_of_blocking() {
        let q = Queue::new(2);
        assert!(q.offer(1).is_ok());
        assert!(q.offer(2).is_ok());
        assert_eq!(q.offer(3), Err(3));
        assert_eq!(q.next(), Some(1));
        assert!(q.offer(4).is_ok());
        assert_eq!((q.next(), q.next()), (Some(2), Some(4)));
    }
}
