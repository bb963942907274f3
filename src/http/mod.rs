//! The HTTP front shared by the sidecar and `serve`: a guarded acceptor that
//! enforces deadlines and caps before tiny_http sees a request, rate limits,
//! and the security headers every response carries.

pub mod events;
pub mod files;
pub mod front;
pub mod headers;
pub mod limits;
mod message;

pub use front::{peer, Front};
pub use headers::{secure, Page};
pub use limits::Limits;
