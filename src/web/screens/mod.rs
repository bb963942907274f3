//! One module per screen: parse the form, call `crate::actions`, render.

pub mod chat;
pub mod conversation;
pub mod friends;
pub mod login;
pub mod notifications;
pub mod posts;
pub mod profile;
pub mod settings;
pub mod timeline;
pub mod webmentions;
