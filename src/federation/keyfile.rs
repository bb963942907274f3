//! `keys export` / `keys import`: every key file of a site in one age file
//! locked with a passphrase (age's scrypt recipient), ASCII-armoured so it
//! survives e-mail and copy-paste.

use super::keys::{self, Keys};
use age::armor::{ArmoredReader, ArmoredWriter, Format};
use age::secrecy::SecretString;
use anyhow::{anyhow, bail, Context as _};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::path::Path;

const FORMAT: &str = "microsocial-keys/1";

#[derive(Serialize, Deserialize)]
struct Bundle {
    format: String,
    /// File name in `.social/keys/` → its text.
    files: BTreeMap<String, String>,
}

fn is_key_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".key") else {
        return false;
    };
    stem == "signing"
        || stem == "encryption"
        || stem.strip_prefix("encryption-retired-").is_some_and(|s| {
            !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
        })
}

/// Writes the site's keys to a new file `to`; returns how many key files.
pub fn export(root: &Path, to: &Path, passphrase: SecretString) -> anyhow::Result<usize> {
    let dir = keys::keys_dir(root);
    keys::load(root)?; // only a complete, readable set is worth exporting
    let mut files = BTreeMap::new();
    for e in std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let name = e
            .with_context(|| format!("cannot read {}", dir.display()))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if is_key_name(&name) {
            let text = keys::read_secret(&dir.join(&name))?;
            files.insert(name, text);
        }
    }
    let n = files.len();
    let plain = serde_json::to_vec(&Bundle {
        format: FORMAT.into(),
        files,
    })?;
    let recipient = age::scrypt::Recipient::new(passphrase);
    let sealed = (|| -> anyhow::Result<Vec<u8>> {
        let enc = age::Encryptor::with_recipients(std::iter::once(&recipient as _))?;
        let mut out = Vec::new();
        let armor = ArmoredWriter::wrap_output(&mut out, Format::AsciiArmor)?;
        let mut w = enc.wrap_output(armor)?;
        w.write_all(&plain)?;
        w.finish()?.finish()?;
        Ok(out)
    })()
    .context("cannot encrypt the keys")?;
    let text = String::from_utf8(sealed).context("armoured output is not text")?;
    keys::write_secret(to, &text).map_err(|e| {
        if to.exists() {
            anyhow!("{} already exists: choose a new file name", to.display())
        } else {
            e
        }
    })?;
    Ok(n)
}

/// Opens an export and checks that it holds a complete set of keys.
fn open(from: &Path, passphrase: SecretString) -> anyhow::Result<BTreeMap<String, String>> {
    let bytes = std::fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
    let identity = age::scrypt::Identity::new(passphrase);
    let plain = (|| -> Result<Vec<u8>, age::DecryptError> {
        let dec = age::Decryptor::new_buffered(ArmoredReader::new(&bytes[..]))?;
        let mut r = dec.decrypt(std::iter::once(&identity as _))?;
        let mut plain = Vec::new();
        r.read_to_end(&mut plain)?;
        Ok(plain)
    })()
    .map_err(|e| {
        anyhow!(
            "{}: cannot open it ({e}): a wrong passphrase, or not a file made by `microsocial keys export`",
            from.display()
        )
    })?;
    let bundle: Bundle = serde_json::from_slice(&plain)
        .ok()
        .filter(|b: &Bundle| b.format == FORMAT)
        .ok_or_else(|| anyhow!("{}: not a Microsocial key export", from.display()))?;
    if let Some(bad) = bundle.files.keys().find(|n| !is_key_name(n)) {
        bail!("{}: unexpected file `{bad}` in the export", from.display());
    }
    Ok(bundle.files)
}

/// Restores keys from an export into a site that has none.
pub fn import(root: &Path, from: &Path, passphrase: SecretString) -> anyhow::Result<Keys> {
    let files = open(from, passphrase)?;
    let dir = keys::keys_dir(root);
    let busy = std::fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_some());
    if busy {
        bail!(
            "{} already holds keys: move it away first if you mean to replace this site's identity",
            dir.display()
        );
    }
    // Written beside the real folder, checked, then moved in whole.
    let staging = keys::private_dir(root).join("keys.import");
    keys::create_private_dir(&keys::private_dir(root))?;
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .with_context(|| format!("cannot remove {}", staging.display()))?;
    }
    keys::create_private_dir(&staging)?;
    let staged = (|| {
        for (name, text) in &files {
            keys::write_secret(&staging.join(name), text)?;
        }
        keys::load_dir(&staging)
    })();
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e.context(format!("{}: the keys in it are damaged", from.display())));
    }
    if dir.exists() {
        std::fs::remove_dir(&dir).with_context(|| format!("cannot replace {}", dir.display()))?;
    }
    std::fs::rename(&staging, &dir)
        .with_context(|| format!("cannot move the keys into {}", dir.display()))?;
    keys::load(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_key_files_are_accepted() {
        assert!(is_key_name("signing.key"));
        assert!(is_key_name("encryption-retired-20261124T101010.123Z.key"));
        assert!(!is_key_name("../social.toml"));
        assert!(!is_key_name("encryption-retired-../x.key"));
        assert!(!is_key_name("state.db"));
    }
}
