//! Friends-only posts are sealed to the current epoch's group key.

use crate::content::Entry;
use crate::federation::{self, keys, protocol};
use crate::site::Site;
use crate::store::Store;
use anyhow::{anyhow, Context as _};
use std::path::{Path, PathBuf};

/// What sealing friends-only posts needs: the epoch and its group key.
pub(super) struct Sealer {
    pub at: federation::private::EpochRef,
    pub group: age::x25519::Identity,
    /// Sorted recipient keys, newline-separated (identifies the epoch).
    pub recipients: String,
    /// The epoch key's sealed files, by bucket.
    pub files: Vec<(u16, Vec<u8>)>,
}

impl Sealer {
    /// Reuses the newest epoch while the recipients (the author and every
    /// current friend) are the same; any change starts a new epoch, so a
    /// removed friend cannot read what is sealed from now on.
    pub(super) fn prepare(store: &Store, keys: &keys::Keys) -> anyhow::Result<Sealer> {
        let mut recipients: Vec<String> = store
            .friends()?
            .into_iter()
            .filter(|f| f.state == "friend")
            .map(|f| f.encryption_key)
            .collect();
        recipients.push(keys.encryption_public());
        recipients.sort();
        recipients.dedup();
        let buckets = protocol::epoch_buckets(&recipients);
        let recipients = recipients.join("\n");
        if let Some((epoch, identity, r)) = store.my_epoch()? {
            let files = store.epoch_files(epoch)?;
            // An epoch from before bucket counts were stored used ceil(n / 64).
            let sealed_with = store.my_epoch_buckets(epoch)?.unwrap_or_else(|| {
                r.lines()
                    .count()
                    .div_ceil(protocol::EPOCH_BUCKET)
                    .clamp(1, u16::MAX as usize) as u16
            });
            if r == recipients && !files.is_empty() && sealed_with == buckets {
                let group = identity
                    .parse()
                    .map_err(|e| anyhow!("stored group key of epoch {epoch} is damaged: {e}"))?;
                let at = federation::private::EpochRef { epoch, buckets };
                return Ok(Sealer {
                    at,
                    group,
                    recipients,
                    files,
                });
            }
        }
        let epoch = store.my_epoch()?.map_or(1, |(e, _, _)| e + 1);
        let group = age::x25519::Identity::generate();
        let list: Vec<String> = recipients.lines().map(str::to_string).collect();
        let files = federation::private::seal_epoch_buckets(&group, &list)?;
        use age::secrecy::ExposeSecret as _;
        store.add_my_epoch(epoch, group.to_string().expose_secret(), &recipients)?;
        store.set_my_epoch_buckets(epoch, buckets)?;
        for (b, bytes) in &files {
            store.add_epoch_file(epoch, *b, bytes)?;
        }
        let at = federation::private::EpochRef { epoch, buckets };
        Ok(Sealer {
            at,
            group,
            recipients,
            files,
        })
    }

    /// `federation/private/<id>.age`; the id is derived from a signature so
    /// it reveals nothing about the post and stays stable across builds.
    pub(super) fn blob_path(&self, keys: &keys::Keys, e: &Entry) -> String {
        blob_path(keys, e)
    }

    /// The files beside friends-only post `e` (its images), each to be
    /// published only sealed.
    pub(super) fn files_of(
        &self,
        keys: &keys::Keys,
        site: &Site,
        e: &Entry,
        folder: &Path,
    ) -> Vec<SealedFile> {
        let prefix = format!("{}/", e.source_dir());
        e.assets
            .iter()
            .map(|a| {
                let name = a.strip_prefix(&prefix).unwrap_or(a);
                SealedFile {
                    public_url: format!("{}{name}", site.entry_url(e)),
                    blob_path: opaque_path(
                        keys,
                        &format!("microsocial private-file id\n{}\n{name}", e.source),
                    ),
                    path: folder.join(name),
                }
            })
            .collect()
    }
}

/// A file of a friends-only post: where the post's HTML points to it in
/// plain, where its sealed copy goes, and where it is read from.
#[derive(Debug, Clone)]
pub(super) struct SealedFile {
    pub public_url: String,
    pub blob_path: String,
    pub path: PathBuf,
}

/// `federation/private/<id>.age` of a friends-only post (see `Sealer::blob_path`).
pub(super) fn blob_path(keys: &keys::Keys, e: &Entry) -> String {
    opaque_path(keys, &format!("microsocial private-post id\n{}", e.source))
}

/// `federation/private/<hex>.age`, named by the first 16 bytes of the
/// author's signature over `context`.
fn opaque_path(keys: &keys::Keys, context: &str) -> String {
    use ed25519_dalek::Signer as _;
    let sig = keys.signing.sign(context.as_bytes());
    let id = crate::hex::encode(&sig.to_bytes()[..16]);
    format!("{}{id}.age", protocol::PRIVATE_DIR)
}

/// The sealed post's HTML: every link to one of its files points at the
/// sealed copy instead, with the SHA-256 of the plain bytes (PROTOCOL.md
/// §10.6), so the author's signature covers the files too.
pub(super) fn link_sealed_files(
    html: &str,
    base: &str,
    files: &[SealedFile],
) -> anyhow::Result<String> {
    let mut html = html.to_string();
    for f in files {
        let bytes =
            std::fs::read(&f.path).with_context(|| format!("cannot read {}", f.path.display()))?;
        let sealed_url = format!(
            "{base}{}{}{}",
            f.blob_path,
            federation::media::SEALED,
            federation::media::sha256_hex(&bytes)
        );
        html = html.replace(
            &format!("\"{}\"", f.public_url),
            &format!("\"{sealed_url}\""),
        );
    }
    Ok(html)
}

/// One sealed file's bytes.
pub(super) fn seal_file(path: &Path, sealer: &Sealer) -> anyhow::Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    federation::private::seal_file(&bytes, &sealer.group.to_public(), sealer.at)
}
