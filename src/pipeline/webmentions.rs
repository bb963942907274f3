//! Approved Webmentions join the threads under the public posts they name,
//! like replies: always in the owner's private view, on the public page
//! when `[site] public_replies` is on. They only ever hold plain text,
//! escaped here (and render sanitises reply HTML again).

use super::conversations::Conv;
use crate::render::ReplyLine;
use crate::site::Site;
use crate::store::{Store, Webmention};
use chrono::{DateTime, TimeZone as _, Utc};
use std::collections::HashSet;

pub(super) fn add(store: &Store, site: &Site, conv: &mut Conv) -> anyhow::Result<()> {
    let public: HashSet<String> = site
        .posts
        .iter()
        .map(|&i| site.entry_url(&site.entries[i]))
        .collect();
    for w in store.webmentions()? {
        if w.status() != "approved" || !public.contains(&w.target) {
            continue;
        }
        let line = line_of(&w);
        conv.private
            .threads
            .entry(w.target.clone())
            .or_default()
            .push(line.clone());
        if site.config.site.public_replies {
            conv.public.threads.entry(w.target).or_default().push(line);
        }
    }
    Ok(())
}

fn line_of(w: &Webmention) -> ReplyLine {
    let host = url::Url::parse(&w.source)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string));
    let text = match (w.content.as_deref(), w.kind.as_str()) {
        (Some(c), _) => c,
        (None, "like") => "liked this",
        (None, "repost") => "reposted this",
        (None, _) => "mentioned this",
    };
    let received = Utc
        .timestamp_millis_opt(w.received)
        .single()
        .unwrap_or_default()
        .fixed_offset();
    ReplyLine {
        url: w.source.clone(),
        parent: w.target.clone(),
        author_name: w.author_name.clone().or(host).unwrap_or_default(),
        author_url: w.author_url.clone().unwrap_or_else(|| w.source.clone()),
        published: w
            .published
            .as_deref()
            .and_then(|p| DateTime::parse_from_rfc3339(p).ok())
            .unwrap_or(received),
        content_html: format!("<p>{}</p>", ammonia::clean_text(text)),
    }
}
