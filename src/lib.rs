//! Microsocial as a library: the layers below the CLI, so benchmarks and
//! integration tests drive the same code the binary runs.
//!
//! Data flows downwards: `content` → `site` → `render` → `output`, tied
//! together by `pipeline`; `commands` sit on top.

pub mod actions;
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod content;
pub mod deploy;
pub mod faultpoint;
pub mod federation;
pub mod fsutil;
pub mod hex;
pub mod http;
pub mod output;
pub mod pipeline;
pub mod problem;
pub mod render;
pub mod sidecar;
pub mod site;
pub mod siteurl;
pub mod store;
pub mod timezone;
pub mod upload;
pub mod vcs;
pub mod web;
pub mod webmention;
pub mod words;
