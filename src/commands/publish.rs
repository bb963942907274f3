//! `microsocial publish` (build, deploy, notify) and `microsocial notify`.

use crate::actions::{self, Attempt};
use crate::words::count;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, build: bool) -> anyhow::Result<ExitCode> {
    let out = if build {
        actions::publish::publish(root, &crate::deploy::run)?
    } else {
        actions::publish::notify(root)?
    };
    for l in &out.done {
        println!("{l}");
    }
    let (reached, written_to) = out.friends_reached();
    println!("notified {reached} of {}", count(written_to, "friend"));
    Ok(super::outcome::print_sent(&out, |s| {
        s.attempt != Attempt::Delivered
    }))
}
