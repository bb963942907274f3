//! The site's identity: an Ed25519 signing key and an age (X25519)
//! encryption key in `.social/keys/`, files mode 0600 in a 0700 folder.

use age::secrecy::ExposeSecret as _;
use anyhow::{anyhow, bail, Context as _};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub struct Keys {
    pub signing: SigningKey,
    pub encryption: age::x25519::Identity,
    /// Encryption keys replaced by `keys rotate`, kept so messages sent to
    /// them still open.
    pub retired: Vec<age::x25519::Identity>,
}

impl Keys {
    pub fn signing_public(&self) -> String {
        super::protocol::encode_key(&self.signing.verifying_key())
    }
    pub fn encryption_public(&self) -> String {
        self.encryption.to_public().to_string()
    }

    /// Every identity that may open something sent to this site: the current
    /// key first, then retired ones.
    pub fn identities(&self) -> Vec<age::x25519::Identity> {
        std::iter::once(self.encryption.clone())
            .chain(self.retired.iter().cloned())
            .collect()
    }
}

pub use crate::fsutil::private_dir;

pub fn keys_dir(root: &Path) -> PathBuf {
    private_dir(root).join("keys")
}

/// Creates `dir` (and parents) readable by the owner only.
pub fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    crate::fsutil::create_closed_dir(dir)
}

/// Writes a new secret file (mode 0600); never replaces an existing one.
pub fn write_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// What shows that this site already has an identity others know: a state
/// database holding anything a peer could have seen (friends, messages, the
/// change log), or a published change log. A database that holds only web
/// sessions (`serve` makes one for its sign-in link) is no identity.
fn existing_state(root: &Path) -> Option<String> {
    let feed = root
        .join("public")
        .join(super::protocol::FEED_PATH.trim_start_matches('/'));
    crate::store::identity_evidence(&private_dir(root).join("state.db")).or_else(|| {
        feed.exists()
            .then(|| format!("{} is a published change log", feed.display()))
    })
}

/// Why the keys in `.social/keys/` cannot be made anew, if they are missing
/// while the site has an identity; `build` refuses with these words and
/// `check` reports them.
pub fn missing_keys_problem(root: &Path) -> Option<String> {
    let dir = keys_dir(root);
    let missing = ["signing.key", "encryption.key"]
        .into_iter()
        .map(|n| dir.join(n))
        .find(|p| !p.exists())?;
    let state = existing_state(root)?;
    Some(format!(
        "{} is missing, but this site already has an identity ({state}): \
         restore the keys with `microsocial keys import BACKUP` (a file made by \
         `microsocial keys export`) or copy .social/keys/ from the old machine; \
         new keys would make this a different site that every friend refuses",
        missing.display(),
    ))
}

/// Loads the site's keys, creating them for a new site. A site that has
/// state but no keys (a fresh clone, a partial copy) is refused: new keys
/// would silently make it someone else, and every friend would refuse it.
pub fn ensure(root: &Path) -> anyhow::Result<Keys> {
    let dir = keys_dir(root);
    let signing_path = dir.join("signing.key");
    let encryption_path = dir.join("encryption.key");
    if let Some(problem) = missing_keys_problem(root) {
        bail!(problem);
    }
    create_private_dir(&private_dir(root))?;
    create_private_dir(&dir)?;
    if !signing_path.exists() {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| anyhow!("no randomness for a key: {e}"))?;
        write_secret(
            &signing_path,
            &format!("ed25519-seed:{}\n", B64.encode(seed)),
        )?;
    }
    if !encryption_path.exists() {
        let id = age::x25519::Identity::generate();
        write_secret(
            &encryption_path,
            &format!("{}\n", id.to_string().expose_secret()),
        )?;
    }
    load(root)
}

/// Loads existing keys; an error names the file when one is missing or damaged.
pub fn load(root: &Path) -> anyhow::Result<Keys> {
    load_dir(&keys_dir(root))
}

/// Loads the keys in `dir` (a site's `.social/keys/`, or an import being checked).
pub fn load_dir(dir: &Path) -> anyhow::Result<Keys> {
    let signing_path = dir.join("signing.key");
    let text = read_secret(&signing_path)?;
    let b64 = text
        .trim()
        .strip_prefix("ed25519-seed:")
        .ok_or_else(|| anyhow!("{}: not an ed25519-seed: key", signing_path.display()))?;
    let seed: [u8; 32] = B64
        .decode(b64)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            anyhow!(
                "{}: the seed must be 32 bytes of base64",
                signing_path.display()
            )
        })?;
    let encryption_path = dir.join("encryption.key");
    let encryption = read_secret(&encryption_path)?
        .trim()
        .parse::<age::x25519::Identity>()
        .map_err(|e| anyhow!("{}: not an age identity: {e}", encryption_path.display()))?;
    let mut retired = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("encryption-retired-") && n.ends_with(".key"))
        })
        .collect();
    names.sort();
    names.reverse(); // newest first
    for path in names {
        let id = read_secret(&path)?
            .trim()
            .parse::<age::x25519::Identity>()
            .map_err(|e| anyhow!("{}: not an age identity: {e}", path.display()))?;
        retired.push(id);
    }
    Ok(Keys {
        signing: SigningKey::from_bytes(&seed),
        encryption,
        retired,
    })
}

/// Replaces the encryption key; the old one is kept (retired) for decryption.
pub fn rotate_encryption(root: &Path) -> anyhow::Result<Keys> {
    let dir = keys_dir(root);
    let current = dir.join("encryption.key");
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let retired = dir.join(format!("encryption-retired-{stamp}.key"));
    // The new key is written beside the old one and renamed over it, so
    // there is never a moment without `encryption.key` (a running sidecar
    // or another command would otherwise see a site whose keys are gone).
    let fresh = dir.join(format!(".encryption-new-{stamp}.key"));
    let id = age::x25519::Identity::generate();
    write_secret(&fresh, &format!("{}\n", id.to_string().expose_secret()))?;
    std::fs::hard_link(&current, &retired)
        .with_context(|| format!("cannot keep {} as {}", current.display(), retired.display()))?;
    std::fs::rename(&fresh, &current)
        .with_context(|| format!("cannot put the new key in {}", current.display()))?;
    load(root)
}

pub fn read_secret(path: &Path) -> anyhow::Result<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                bail!(
                    "{} is readable by other users: run `chmod 600 {}`",
                    path.display(),
                    path.display()
                );
            }
        }
    }
    std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read {} (keys are created by `microsocial init`, or restored by `microsocial keys import`)",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_created_once_with_private_modes() {
        let dir = tempfile::tempdir().unwrap();
        let a = ensure(dir.path()).unwrap();
        let b = ensure(dir.path()).unwrap();
        assert_eq!(a.signing_public(), b.signing_public());
        assert_eq!(a.encryption_public(), b.encryption_public());
        assert!(a.encryption_public().starts_with("age1"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir.path().join(".social")), 0o700);
            assert_eq!(mode(&dir.path().join(".social/keys/signing.key")), 0o600);
            assert_eq!(mode(&dir.path().join(".social/keys/encryption.key")), 0o600);
        }
    }

    #[test]
    fn rotation_keeps_the_old_key_for_decryption() {
        let dir = tempfile::tempdir().unwrap();
        let before = ensure(dir.path()).unwrap();
        let after = rotate_encryption(dir.path()).unwrap();
        assert_ne!(before.encryption_public(), after.encryption_public());
        assert_eq!(after.signing_public(), before.signing_public());
        let ids = after.identities();
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[1].to_public().to_string(), before.encryption_public());
    }

    #[test]
    fn damaged_key_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        ensure(dir.path()).unwrap();
        let p = dir.path().join(".social/keys/signing.key");
        std::fs::remove_file(&p).unwrap();
        write_secret(&p, "garbage").unwrap();
        let err = load(dir.path()).err().unwrap().to_string();
        assert!(err.contains("signing.key"), "{err}");
    }
}
