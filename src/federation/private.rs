//! End-to-end encryption for private messages and friends-only posts, built
//! on age (X25519 recipients, ChaCha20-Poly1305 payloads). Nothing here is
//! hand-made cryptography: this module only frames, pads and signs.
//!
//! Every sealed blob starts with a format byte ([`FORMAT`]) so the format
//! can change without guessing.

use super::protocol::Item;
use age::secrecy::ExposeSecret as _;
use anyhow::{anyhow, bail, Context as _};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::io::{Read as _, Write as _};

pub const FORMAT: u8 = 1;
/// Longest message text, in bytes of UTF-8.
pub const MAX_MESSAGE: usize = 16 * 1024 - 4;
/// Padded plaintext sizes: a message's length is revealed only up to its bucket.
pub const BUCKETS: [usize; 4] = [256, 1024, 4096, 16 * 1024];
const POST_CONTEXT: &[u8] = b"microsocial/1 friends-only post\n";

/// `[u32 length][text][zeros]`, padded to the smallest bucket that fits.
pub fn pad(text: &str) -> anyhow::Result<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.len() > MAX_MESSAGE {
        bail!(
            "message is {} bytes; the limit is {MAX_MESSAGE}",
            bytes.len()
        );
    }
    let need = bytes.len() + 4;
    let size = BUCKETS.iter().copied().find(|&b| b >= need).unwrap_or(need);
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
    out.resize(size, 0);
    Ok(out)
}

pub fn unpad(padded: &[u8]) -> anyhow::Result<String> {
    let len_bytes: [u8; 4] = padded
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow!("padded message is too short"))?;
    let len = u32::from_be_bytes(len_bytes) as usize;
    let text = padded
        .get(4..4 + len)
        .ok_or_else(|| anyhow!("padded message length is out of range"))?;
    String::from_utf8(text.to_vec()).context("message is not UTF-8")
}

/// `FORMAT ‖ age(ciphertext)` for the given recipients.
pub fn seal(recipients: &[age::x25519::Recipient], plaintext: &[u8]) -> anyhow::Result<Vec<u8>> {
    let enc = age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
        .map_err(|e| anyhow!("cannot encrypt: {e}"))?;
    let mut out = vec![FORMAT];
    let mut w = enc.wrap_output(&mut out)?;
    w.write_all(plaintext)?;
    w.finish()?;
    Ok(out)
}

/// Opens a [`seal`]ed blob with any of `identities` (current and retired keys).
pub fn open(identities: &[age::x25519::Identity], sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
    match sealed.first() {
        Some(&FORMAT) => {}
        Some(v) => bail!("unknown encryption format {v}"),
        None => bail!("empty ciphertext"),
    }
    // The buffered parser: the plain one re-reads the header as it grows,
    // which made opening a post for 1,000 friends take seconds.
    let dec = age::Decryptor::new_buffered(&sealed[1..])
        .map_err(|e| anyhow!("not an age ciphertext: {e}"))?;
    let mut r = dec
        .decrypt(identities.iter().map(|i| i as &dyn age::Identity))
        .map_err(|e| anyhow!("cannot decrypt: {e}"))?;
    let mut out = Vec::new();
    r.read_to_end(&mut out)
        .map_err(|e| anyhow!("ciphertext is damaged: {e}"))?;
    Ok(out)
}

pub fn parse_recipient(key: &str) -> anyhow::Result<age::x25519::Recipient> {
    key.parse()
        .map_err(|e| anyhow!("`{key}` is not an age X25519 recipient: {e}"))
}

/// A private message, padded and sealed to one recipient, as base64.
pub fn seal_message(text: &str, recipient: &age::x25519::Recipient) -> anyhow::Result<String> {
    Ok(B64.encode(seal(std::slice::from_ref(recipient), &pad(text)?)?))
}

pub fn open_message(b64: &str, identities: &[age::x25519::Identity]) -> anyhow::Result<String> {
    let sealed = B64.decode(b64).context("ciphertext is not base64")?;
    unpad(&open(identities, &sealed)?)
}

#[derive(Serialize, Deserialize)]
struct SignedPost {
    /// The item as JSON text: the signature covers exactly these bytes.
    item: String,
    sig: String,
}

/// Which epoch key a sealed post needs, and how many files that key is split into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochRef {
    pub epoch: u32,
    pub buckets: u16,
}

/// A friends-only post: `FORMAT ‖ epoch (u32) ‖ buckets (u16) ‖ sealed`
/// (big-endian), where `sealed` is a [`seal`]ed value (its own `FORMAT`
/// byte, then the age file) for the epoch's group key; the author's
/// signature is inside the ciphertext. Both format bytes are in every blob
/// ever published, so the layout stays (PROTOCOL.md §10.5).
pub fn seal_post(
    item: &Item,
    author: &SigningKey,
    group: &age::x25519::Recipient,
    at: EpochRef,
) -> anyhow::Result<Vec<u8>> {
    let item_json = serde_json::to_string(item)?;
    let mut msg = POST_CONTEXT.to_vec();
    msg.extend_from_slice(item_json.as_bytes());
    let sig = B64.encode(author.sign(&msg).to_bytes());
    let plain = serde_json::to_vec(&SignedPost {
        item: item_json,
        sig,
    })?;
    framed(&plain, group, at)
}

/// `FORMAT ‖ epoch ‖ buckets ‖ seal(group, plain)`: the container of
/// friends-only posts and of their files.
fn framed(plain: &[u8], group: &age::x25519::Recipient, at: EpochRef) -> anyhow::Result<Vec<u8>> {
    let sealed = seal(std::slice::from_ref(group), plain)?;
    let mut out = Vec::with_capacity(sealed.len() + POST_HEADER);
    out.push(FORMAT);
    out.extend_from_slice(&at.epoch.to_be_bytes());
    out.extend_from_slice(&at.buckets.to_be_bytes());
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// A file of a friends-only post (an image): the post's container around
/// the raw bytes. Its integrity comes from the SHA-256 the signed post
/// names it by (PROTOCOL.md §10.6).
pub fn seal_file(
    bytes: &[u8],
    group: &age::x25519::Recipient,
    at: EpochRef,
) -> anyhow::Result<Vec<u8>> {
    framed(bytes, group, at)
}

/// Decrypts a sealed file; the caller checks its hash.
pub fn open_file(blob: &[u8], group: &age::x25519::Identity) -> anyhow::Result<Vec<u8>> {
    post_epoch(blob)?;
    open(std::slice::from_ref(group), &blob[POST_HEADER..])
}

const POST_HEADER: usize = 7;

/// The epoch a sealed post needs the group key of.
pub fn post_epoch(blob: &[u8]) -> anyhow::Result<EpochRef> {
    if blob.first() != Some(&FORMAT) || blob.len() <= POST_HEADER {
        bail!("not a friends-only post in format {FORMAT}");
    }
    Ok(EpochRef {
        epoch: u32::from_be_bytes([blob[1], blob[2], blob[3], blob[4]]),
        buckets: u16::from_be_bytes([blob[5], blob[6]]).max(1),
    })
}

/// Decrypts and verifies a friends-only post; fails on any tampering.
pub fn open_post(
    blob: &[u8],
    group: &age::x25519::Identity,
    author: &VerifyingKey,
) -> anyhow::Result<Item> {
    post_epoch(blob)?;
    let plain = open(std::slice::from_ref(group), &blob[POST_HEADER..])?;
    let signed: SignedPost =
        serde_json::from_slice(&plain).context("decrypted post is malformed")?;
    let sig_bytes = B64
        .decode(&signed.sig)
        .context("post signature is not base64")?;
    let sig =
        Signature::from_slice(&sig_bytes).map_err(|_| anyhow!("post signature is malformed"))?;
    let mut msg = POST_CONTEXT.to_vec();
    msg.extend_from_slice(signed.item.as_bytes());
    author
        .verify_strict(&msg, &sig)
        .map_err(|_| anyhow!("post signature does not verify: not written by this friend"))?;
    serde_json::from_str(&signed.item).context("post item is malformed")
}

/// An epoch file: the group identity sealed to every current friend and the author.
pub fn seal_epoch(
    group: &age::x25519::Identity,
    recipients: &[age::x25519::Recipient],
) -> anyhow::Result<Vec<u8>> {
    seal(recipients, group.to_string().expose_secret().as_bytes())
}

/// The group key split into files of at most `EPOCH_BUCKET` recipients each,
/// so a friend fetches and tries one small file: (bucket, bytes) per file.
pub fn seal_epoch_buckets(
    group: &age::x25519::Identity,
    recipients: &[String],
) -> anyhow::Result<Vec<(u16, Vec<u8>)>> {
    let buckets = super::protocol::epoch_buckets(recipients);
    let mut groups: Vec<Vec<age::x25519::Recipient>> = vec![Vec::new(); buckets as usize];
    for r in recipients {
        groups[super::protocol::bucket_of(r, buckets) as usize].push(parse_recipient(r)?);
    }
    groups
        .iter()
        .enumerate()
        .filter(|(_, g)| !g.is_empty())
        .map(|(b, g)| Ok((b as u16, seal_epoch(group, g)?)))
        .collect()
}

pub fn open_epoch(
    blob: &[u8],
    identities: &[age::x25519::Identity],
) -> anyhow::Result<age::x25519::Identity> {
    let plain = open(identities, blob)?;
    let text = std::str::from_utf8(&plain).context("epoch key is not text")?;
    text.trim()
        .parse()
        .map_err(|e| anyhow!("epoch key is malformed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> Item {
        Item {
            url: "https://a.example/posts/secret/".into(),
            title: Some("For friends".into()),
            content_html: "<p>only for you</p>".into(),
            published: "2026-11-24T10:00:00+00:00".into(),
            updated: None,
            tags: vec![],
            ..Default::default()
        }
    }

    #[test]
    fn padding_hides_length_within_buckets() {
        assert_eq!(pad("hi").unwrap().len(), 256);
        assert_eq!(pad(&"x".repeat(252)).unwrap().len(), 256);
        assert_eq!(pad(&"x".repeat(253)).unwrap().len(), 1024);
        assert_eq!(unpad(&pad("héllo").unwrap()).unwrap(), "héllo");
        assert!(pad(&"x".repeat(MAX_MESSAGE + 1)).is_err());
        assert!(unpad(&[0, 0, 1, 0, 1]).is_err());
    }

    #[test]
    fn messages_open_only_for_the_recipient_and_old_keys_still_work() {
        let bob = age::x25519::Identity::generate();
        let eve = age::x25519::Identity::generate();
        let sealed = seal_message("meet at noon", &bob.to_public()).unwrap();
        assert!(!sealed.contains("noon"));
        assert_eq!(
            open_message(&sealed, std::slice::from_ref(&bob)).unwrap(),
            "meet at noon"
        );
        assert!(open_message(&sealed, std::slice::from_ref(&eve)).is_err());
        // After a rotation Bob holds [new, old]: old messages still open.
        let new = age::x25519::Identity::generate();
        assert_eq!(open_message(&sealed, &[new, bob]).unwrap(), "meet at noon");
    }

    #[test]
    fn tampered_ciphertext_is_refused() {
        let bob = age::x25519::Identity::generate();
        let mut raw = B64
            .decode(seal_message("hello", &bob.to_public()).unwrap())
            .unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        assert!(open_message(&B64.encode(&raw), std::slice::from_ref(&bob)).is_err());
        raw[0] = 9;
        assert!(open(std::slice::from_ref(&bob), &raw)
            .unwrap_err()
            .to_string()
            .contains("format"));
    }

    #[test]
    fn friends_only_posts_are_sealed_signed_and_epoch_bound() {
        let author = SigningKey::from_bytes(&[3; 32]);
        let friend = age::x25519::Identity::generate();
        let outsider = age::x25519::Identity::generate();
        let group = age::x25519::Identity::generate();
        let epoch_blob = seal_epoch(&group, &[friend.to_public()]).unwrap();
        assert!(open_epoch(&epoch_blob, std::slice::from_ref(&outsider)).is_err());
        let got_group = open_epoch(&epoch_blob, std::slice::from_ref(&friend)).unwrap();

        let at = EpochRef {
            epoch: 7,
            buckets: 3,
        };
        let blob = seal_post(&item(), &author, &group.to_public(), at).unwrap();
        assert_eq!(post_epoch(&blob).unwrap(), at);
        assert!(!String::from_utf8_lossy(&blob).contains("only for you"));
        assert_eq!(
            open_post(&blob, &got_group, &author.verifying_key()).unwrap(),
            item()
        );
        // Another author's key: the signature check fails.
        let other = SigningKey::from_bytes(&[4; 32]).verifying_key();
        assert!(open_post(&blob, &got_group, &other).is_err());
        // A flipped byte anywhere in the ciphertext is caught.
        let mut bad = blob.clone();
        let i = bad.len() - 3;
        bad[i] ^= 0x40;
        assert!(open_post(&bad, &got_group, &author.verifying_key()).is_err());
    }

    #[test]
    fn epoch_keys_are_split_so_each_friend_opens_one_small_file() {
        let friends: Vec<age::x25519::Identity> = (0..150)
            .map(|_| age::x25519::Identity::generate())
            .collect();
        let keys: Vec<String> = friends.iter().map(|f| f.to_public().to_string()).collect();
        let group = age::x25519::Identity::generate();
        let files = seal_epoch_buckets(&group, &keys).unwrap();
        let buckets = super::super::protocol::epoch_buckets(&keys);
        assert!(buckets >= 3);
        for (f, k) in friends.iter().zip(&keys).step_by(37) {
            let b = super::super::protocol::bucket_of(k, buckets);
            let (_, bytes) = files.iter().find(|(n, _)| *n == b).unwrap();
            let got = open_epoch(bytes, std::slice::from_ref(f)).unwrap();
            assert_eq!(got.to_public().to_string(), group.to_public().to_string());
        }
    }
}
