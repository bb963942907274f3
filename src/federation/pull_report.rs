//! What one pull of a friend's change log did (`ingest`, `ingest_private`).

#[derive(Debug, Default, PartialEq, Eq)]
pub struct PullReport {
    pub not_modified: bool,
    pub applied: usize,
    pub skipped: usize,
    pub requests: usize,
    /// Older items dropped to stay within `max_items_per_friend`.
    pub dropped: usize,
    /// Changes that stored or dropped replies (a thread may have changed).
    pub replies: usize,
}
