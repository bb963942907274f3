//! The certificate authorities the guarded client trusts: the built-in list
//! (webpki-roots), the operating system's store (which also honours
//! `SSL_CERT_FILE` and `SSL_CERT_DIR`), and one optional extra CA file,
//! `[federation] extra_ca_file`, for a home network or a company CA.

use anyhow::{bail, Context as _};
use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::CertificateDer;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The built-in list and the system's store, read once per process (the
/// store is hundreds of files).
fn roots() -> RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut roots = RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            // A store that cannot be read (no CA package installed) leaves
            // the built-in list, which is what a site without one needs.
            let native = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(native.certs);
            roots
        })
        .clone()
}

fn config(roots: RootCertStore) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("the ring provider supports TLS 1.2 and 1.3")
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// A client configuration with the built-in and system roots.
pub fn base() -> Arc<rustls::ClientConfig> {
    static BASE: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    BASE.get_or_init(|| config(roots())).clone()
}

/// The base roots plus every certificate in the PEM file `extra`.
pub fn with_extra_ca(extra: &Path) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let mut roots = roots();
    let what = || format!("[federation] extra_ca_file {}", extra.display());
    let mut added = 0;
    for cert in CertificateDer::pem_file_iter(extra).with_context(what)? {
        let cert = cert.with_context(|| format!("{}: not a PEM certificate", what()))?;
        roots
            .add(cert)
            .with_context(|| format!("{}: not a CA certificate rustls can use", what()))?;
        added += 1;
    }
    if added == 0 {
        bail!("{}: holds no `-----BEGIN CERTIFICATE-----` block", what());
    }
    Ok(config(roots))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_without_certificates_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, "not a certificate\n").unwrap();
        let err = format!("{:#}", super::with_extra_ca(&file).unwrap_err());
        assert!(
            err.contains("extra_ca_file") && err.contains("ca.pem"),
            "{err}"
        );
        let missing = dir.path().join("none.pem");
        let err = format!("{:#}", super::with_extra_ca(&missing).unwrap_err());
        assert!(err.contains("none.pem"), "{err}");
    }

    #[test]
    fn the_base_roots_are_not_empty() {
        assert!(!super::roots().is_empty());
    }
}
