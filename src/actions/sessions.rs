//! Signing the owner in to the web interface: one-time links, the optional
//! password, and the sessions they open. The CLI (`login`, `password`) and
//! the web pages both go through here.

use crate::federation::{clock, new_id};
use crate::store::{Session, Store};
use anyhow::Context as _;

/// A sign-in link works this long, once.
pub const LINK_MINUTES: i64 = 10;
/// A session lasts this long.
pub const SESSION_DAYS: i64 = 30;

/// SHA-256 in hex: what the database keeps of a secret.
pub fn hash(secret: &str) -> String {
    crate::hex::sha256(secret.as_bytes())
}

/// 256 random bits in hex.
fn secret() -> anyhow::Result<String> {
    Ok(format!("{}{}", new_id()?, new_id()?))
}

/// Milliseconds now, on the clock tests can shift.
fn now() -> i64 {
    clock::now().timestamp_millis()
}

/// A new one-time token; only its hash is stored.
pub fn new_login_token(store: &Store) -> anyhow::Result<String> {
    let token = secret()?;
    store.add_login_token(&hash(&token), now() + LINK_MINUTES * 60_000)?;
    Ok(token)
}

/// Where the owner's browser reaches the sidecar: the origin of
/// `inbox_url`, or of `base_url` when the sidecar serves the site.
pub fn sidecar_origin(config: &crate::config::Config) -> anyhow::Result<String> {
    let url = if config.sidecar.serve_public {
        config.site.base_url.clone()
    } else {
        config.site.inbox_url(&config.federation)
    };
    crate::siteurl::origin(&url).ok_or_else(|| {
        anyhow::anyhow!(
            "social.toml: `{url}` is not an http(s) URL, so there is no sign-in address"
        )
    })
}

/// The sign-in URL for a token, under `origin` (`https://me.example`).
pub fn login_url(origin: &str, token: &str) -> String {
    format!("{}/home/login/{token}", origin.trim_end_matches('/'))
}

/// A session just opened: the cookie value goes to the browser only.
pub struct Opened {
    pub cookie: String,
    pub session: Session,
}

fn open(store: &Store, how: &str) -> anyhow::Result<Opened> {
    let cookie = secret()?;
    let t = now();
    let session = Session {
        id: hash(&cookie),
        csrf: secret()?,
        created: t,
        expires: t + SESSION_DAYS * 24 * 3_600_000,
        last_seen: t,
        how: how.to_string(),
        seen_until: 0,
    };
    store.add_session(&session)?;
    Ok(Opened { cookie, session })
}

/// Trades a one-time token for a session; None when it is unknown, used
/// or expired.
pub fn redeem(store: &Store, token: &str, how: &str) -> anyhow::Result<Option<Opened>> {
    if !store.take_login_token(&hash(token), now())? {
        return Ok(None);
    }
    open(store, how).map(Some)
}

/// Opens a session when `password` is the owner's; None when it is wrong
/// or no password is set.
pub fn sign_in_with_password(
    store: &Store,
    password: &str,
    how: &str,
) -> anyhow::Result<Option<Opened>> {
    let Some(phc) = store.password_hash()? else {
        return Ok(None);
    };
    if !verify_password(password, &phc)? {
        return Ok(None);
    }
    open(store, how).map(Some)
}

/// The live session behind a cookie value.
pub fn check(store: &Store, cookie: &str) -> anyhow::Result<Option<Session>> {
    store.session(&hash(cookie), now())
}

pub fn list(store: &Store) -> anyhow::Result<Vec<Session>> {
    store.sessions(now())
}

/// Ends the sessions whose id starts with `id` (as `login --list` shows it).
pub fn revoke(store: &Store, id: &str) -> anyhow::Result<usize> {
    store.revoke_session(id)
}

pub fn revoke_all(store: &Store) -> anyhow::Result<usize> {
    store.revoke_all_sessions()
}

/// Changes the password from the web interface: when one is set, the
/// current one must be given, so a stolen session cannot lock the owner
/// out or keep a way back in after it is revoked.
pub fn change_password(store: &Store, current: &str, new: &str) -> anyhow::Result<()> {
    if let Some(phc) = store.password_hash()? {
        if !verify_password(current, &phc)? {
            anyhow::bail!("the current password is wrong; nothing changed");
        }
    }
    set_password(store, Some(new))
}

/// Sets the password the sign-in form accepts (argon2id), or removes it.
pub fn set_password(store: &Store, password: Option<&str>) -> anyhow::Result<()> {
    let phc = match password {
        Some(p) if p.chars().count() < 10 => {
            anyhow::bail!("the password is too short: use at least 10 characters")
        }
        Some(p) => Some(hash_password(p).context("cannot hash the password")?),
        None => None,
    };
    store.set_password_hash(phc.as_deref())
}

/// argon2id with the crate's default (OWASP) parameters, as a PHC string.
fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher as _, SaltString};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

fn verify_password(password: &str, phc: &str) -> anyhow::Result<bool> {
    use argon2::password_hash::{PasswordHash, PasswordVerifier as _};
    let parsed = PasswordHash::new(phc).map_err(|e| {
        anyhow::anyhow!(
            "the stored password hash is damaged ({e}): set it again with `microsocial password`"
        )
    })?;
    Ok(argon2::Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_comes_from_the_inbox_or_the_site() {
        let mut c = crate::config::Config::parse(
            "[site]\ntitle = \"T\"\nbase_url = \"https://Me.example/blog/\"\n",
            std::path::Path::new("social.toml"),
        )
        .unwrap();
        c.federation.inbox_url = Some("https://side.example:8443/inbox".into());
        assert_eq!(sidecar_origin(&c).unwrap(), "https://side.example:8443");
        c.sidecar.serve_public = true;
        assert_eq!(sidecar_origin(&c).unwrap(), "https://me.example");
        c.site.base_url = "ftp://x/".into();
        assert!(sidecar_origin(&c).is_err());
    }

    #[test]
    fn a_link_opens_one_session_and_the_cookie_is_not_stored() {
        let s = Store::in_memory().unwrap();
        let token = new_login_token(&s).unwrap();
        assert_eq!(token.len(), 64);
        let opened = redeem(&s, &token, "link").unwrap().unwrap();
        assert!(redeem(&s, &token, "link").unwrap().is_none(), "reused");
        assert_ne!(opened.session.id, opened.cookie);
        assert!(check(&s, &opened.cookie).unwrap().is_some());
        assert!(check(&s, &opened.session.id).unwrap().is_none());
    }

    #[test]
    fn the_password_signs_in_only_when_set_and_right() {
        let s = Store::in_memory().unwrap();
        assert!(sign_in_with_password(&s, "", "pw").unwrap().is_none());
        assert!(set_password(&s, Some("short")).is_err());
        set_password(&s, Some("correct horse battery")).unwrap();
        assert!(s
            .password_hash()
            .unwrap()
            .unwrap()
            .starts_with("$argon2id$"));
        assert!(sign_in_with_password(&s, "wrong password!", "pw")
            .unwrap()
            .is_none());
        assert!(sign_in_with_password(&s, "correct horse battery", "pw")
            .unwrap()
            .is_some());
        assert!(change_password(&s, "wrong password!", "another long one").is_err());
        assert!(sign_in_with_password(&s, "another long one", "pw")
            .unwrap()
            .is_none());
        change_password(&s, "correct horse battery", "another long one").unwrap();
        assert!(sign_in_with_password(&s, "another long one", "pw")
            .unwrap()
            .is_some());
    }
}
