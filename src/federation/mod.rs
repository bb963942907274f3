//! Federation: the pure protocol, and the pieces that speak it — keys, the
//! HTTP client, the outbox, the inbox handler, pulling friends' feeds and
//! publishing this site's own change log.

pub mod announce;
pub mod client;
pub mod clock;
pub mod feedlog;
pub mod friends;
pub mod inbox;
pub mod ingest;
mod ingest_private;
pub mod keyfile;
pub mod keys;
pub mod limit;
pub mod media;
pub mod mention;
pub mod outbox;
pub mod private;
pub mod profile;
pub mod protocol;
mod pull_report;
pub mod reaction;
pub mod remote_images;
pub mod reply;
pub mod sanitize;
#[cfg(test)]
mod testing;
pub mod tls;

use crate::config::Config;

/// This site's identity as others see it.
pub struct Me {
    /// Normalised base URL: what `from` and `to` carry.
    pub url: String,
    pub name: String,
    pub keys: keys::Keys,
}

impl Me {
    pub fn new(config: &Config, keys: keys::Keys) -> anyhow::Result<Me> {
        let url = protocol::normalize_url(&config.site.base_url).ok_or_else(|| {
            anyhow::anyhow!("base_url `{}` is not an http(s) URL", config.site.base_url)
        })?;
        Ok(Me {
            url,
            name: display_name(config),
            keys,
        })
    }
}

/// How this site names itself to friends: the author, else the title.
fn display_name(config: &Config) -> String {
    if config.site.author.trim().is_empty() {
        config.site.title.clone()
    } else {
        config.site.author.clone()
    }
}

/// The discovery document for this site.
pub fn discovery(config: &Config, keys: &keys::Keys) -> protocol::Discovery {
    let base = &config.site.base_url;
    protocol::Discovery {
        protocol: protocol::PROTOCOL.into(),
        name: display_name(config),
        url: protocol::normalize_url(base).unwrap_or_else(|| base.clone()),
        inbox: config.site.inbox_url(&config.federation),
        feed: format!("{base}{}", protocol::FEED_PATH),
        avatar: config.site.avatar_url(),
        bio: config.site.bio.clone(),
        keys: protocol::PublicKeys {
            signing: keys.signing_public(),
            encryption: keys.encryption_public(),
        },
        accepts: Some(protocol::types::ALL.iter().map(|t| t.to_string()).collect()),
    }
}

pub use crate::fsutil::new_id;
