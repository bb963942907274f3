//! Sending the due Webmentions of the outbox within a time budget, for
//! commands that must not wait long (`publish`). A target is any web site:
//! a slow DNS lookup or a host that never answers can hold an attempt far
//! past the client's timeouts, and no timeout covers name resolution. So
//! the attempts run on detached threads and the caller stops waiting when
//! the budget is spent; every unfinished entry goes back to the outbox at
//! once (its lease released) and the sidecar's Webmention lane sends it,
//! with the outbox's retries. An attempt that was already running may then
//! reach its target twice; a receiver takes a repeated Webmention as an
//! update (the spec's "Updating existing Webmentions"), so that costs one
//! request, not a wrong state.

use super::send;
use crate::federation::client::{Client, Delivery};
use crate::federation::outbox::{self, lock, LEASE_MS, WORKERS};
use crate::store::{now_ms, Lane, OutMsg, Store};
use anyhow::Context as _;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long `publish` waits for Webmentions, in all.
pub const BUDGET: Duration = Duration::from_millis(2500);
/// Entries one budgeted pass claims (the rest wait for the next pass).
const CLAIM: usize = 1000;

/// What a budgeted pass did.
#[derive(Debug, Default)]
pub struct Pass {
    /// Entries whose attempt finished in time, with the outcome (settled).
    pub finished: Vec<(OutMsg, Delivery)>,
    /// Entries given back to the outbox unfinished.
    pub left: usize,
}

/// Claims the due Webmentions and sends them for at most `budget`.
pub fn deliver_within(
    store: &Mutex<Store>,
    client: &Client,
    retry_initial_ms: u64,
    budget: Duration,
) -> anyhow::Result<Pass> {
    let deadline = Instant::now() + budget;
    let due = lock(store).claim_due(now_ms(), LEASE_MS, CLAIM, Lane::Webmentions)?;
    if due.is_empty() {
        return Ok(Pass::default());
    }
    let due = Arc::new(due);
    let stop = Arc::new(AtomicBool::new(false));
    let results = spawn_attempts(&due, client, &stop)?;
    let mut outcomes: Vec<Option<Delivery>> = due.iter().map(|_| None).collect();
    let mut got = 0;
    while got < due.len() {
        let wait = deadline.saturating_duration_since(Instant::now());
        match results.recv_timeout(wait) {
            Ok((i, d)) => {
                outcomes[i] = Some(d);
                got += 1;
            }
            // The budget is spent (or every worker is gone).
            Err(_) => break,
        }
    }
    stop.store(true, Ordering::SeqCst);
    let mut pass = Pass::default();
    let mut unfinished = Vec::new();
    for (m, d) in due.iter().zip(outcomes) {
        match d {
            Some(d) => pass.finished.push((m.clone(), d)),
            None => unfinished.push(m.id.as_str()),
        }
    }
    pass.left = unfinished.len();
    lock(store).transaction(|s| {
        for (m, d) in &pass.finished {
            outbox::settle(s, m, d, retry_initial_ms)?;
        }
        s.release(&unfinished)
    })?;
    Ok(pass)
}

/// Starts up to [`WORKERS`] detached threads that attempt `due` in order
/// until it is done or `stop` is set; each outcome arrives with its index.
fn spawn_attempts(
    due: &Arc<Vec<OutMsg>>,
    client: &Client,
    stop: &Arc<AtomicBool>,
) -> anyhow::Result<mpsc::Receiver<(usize, Delivery)>> {
    let (tx, rx) = mpsc::channel();
    let next = Arc::new(AtomicUsize::new(0));
    for _ in 0..WORKERS.min(due.len()) {
        let (due, client, stop, next, tx) = (
            Arc::clone(due),
            client.clone(),
            Arc::clone(stop),
            Arc::clone(&next),
            tx.clone(),
        );
        std::thread::Builder::new()
            .name("webmention-send".into())
            .spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(m) = due.get(i) else { break };
                    // The receiver is gone once its caller stopped waiting.
                    if tx.send((i, send::attempt(&client, m))).is_err() {
                        break;
                    }
                }
            })
            .context("starting a thread to send Webmentions")?;
    }
    Ok(rx)
}
