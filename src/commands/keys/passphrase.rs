//! Where a key export's passphrase comes from: the environment (scripts),
//! a prompt without echo (a person at a terminal), or standard input.

use age::secrecy::SecretString;
use anyhow::{bail, Context as _};
use std::io::{BufRead as _, IsTerminal as _};

pub const ENV: &str = "MICROSOCIAL_KEYS_PASSPHRASE";

/// Reads the passphrase; `confirm` asks twice on a terminal (new exports).
pub fn read(confirm: bool) -> anyhow::Result<SecretString> {
    let pass = if let Ok(p) = std::env::var(ENV) {
        p
    } else if std::io::stdin().is_terminal() {
        let p = rpassword::prompt_password("Passphrase: ").context("cannot read the passphrase")?;
        if confirm {
            let again =
                rpassword::prompt_password("Again: ").context("cannot read the passphrase")?;
            if again != p {
                bail!("the two passphrases differ");
            }
        }
        p
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the passphrase from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    if pass.is_empty() {
        bail!("the passphrase is empty: set {ENV}, pipe it on standard input, or type it at the prompt");
    }
    Ok(SecretString::from(pass))
}
