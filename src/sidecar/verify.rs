//! A small bounded queue for work that needs the network and must not hold
//! an HTTP worker: a stranger's friend request waits here for the fetch of
//! its sender's discovery document. When the queue is full the request is
//! refused at once (503 with Retry-After) instead of waiting.

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
