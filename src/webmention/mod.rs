//! Webmention (W3C Recommendation): other IndieWeb sites tell us they link
//! to one of our pages, and `publish` tells them when we link to theirs.
//!
//! Receiving: the sidecar's `POST /webmention` checks the form and queues
//! it (`receive`); a worker fetches the source, checks it links to the
//! target and reads its h-entry (`html`, `hentry`). Sending: `send` turns
//! new public posts' outgoing links into outbox entries, each delivered by
//! discovering the target's endpoint (`discover`) and posting the form;
//! `publish` waits for them a short budget only (`deliver`), the sidecar
//! sends the rest.
//! Every request goes through the federation client's address guard
//! (`fetch`).

pub mod deliver;
pub mod discover;
pub mod fetch;
pub mod hentry;
pub mod html;
pub mod receive;
pub mod send;

/// How the outbox sends a queued Webmention (its lane is `Webmentions`).
pub const COURIER: (&str, crate::federation::outbox::Courier) = (send::KIND, send::attempt);
