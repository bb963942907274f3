//! Where a key export's passphrase comes from: the environment (scripts),
//! a prompt without echo (a person at a terminal), or standard input.

use age::secrecy::SecretString;
use anyhow::{bail, Context as _};
use std::io::{BufRead as _, IsTerminal as _};

pub const ENV: &str = "MICROSOCIAL_KEYS_PASSPHRASE";

/// The lowest zxcvbn score a new export's passphrase may have: 3 is "safely
/// unguessable" against an offline attack on a slow hash, which is what a
/// stolen backup faces (age's scrypt).
const MIN_SCORE: u8 = 3;

/// Refuses a passphrase that is quick to guess, saying why and what works.
fn check_strength(pass: &str) -> anyhow::Result<()> {
    let e = zxcvbn::zxcvbn(pass, &[]);
    let score = u8::from(e.score());
    if score >= MIN_SCORE {
        return Ok(());
    }
    let why = e
        .feedback()
        .and_then(|f| f.warning())
        .map(|w| format!(" ({w})"))
        .unwrap_or_default();
    bail!(
        "this passphrase is too easy to guess{why}: anyone who finds the backup could \
         try it offline. Use four or more unrelated words, e.g. `copper lantern \
         orbit thistle`, or a password manager's generated passphrase"
    )
}

/// Reads the passphrase; `confirm` asks twice on a terminal, and refuses a
/// weak one (new exports; an import takes what the export took).
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
    if confirm {
        check_strength(&pass)?;
    }
    Ok(SecretString::from(pass))
}

#[cfg(test)]
mod tests {
    #[test]
    fn weak_passphrases_are_refused_and_long_ones_pass() {
        for weak in ["abc", "password1", "river walk"] {
            let err = super::check_strength(weak).unwrap_err().to_string();
            assert!(err.contains("too easy to guess"), "{weak}: {err}");
        }
        super::check_strength("copper lantern orbit thistle").unwrap();
    }
}
