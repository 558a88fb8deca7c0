//! HTTPS without a proxy: the server's certificate chain and key from PEM files, for rustls
//! (TLS 1.2 and 1.3 only, as rustls speaks no older version), offering HTTP/2 and HTTP/1.1 by
//! ALPN. [`Certificates`] holds the configuration in use and swaps in a new one when the files
//! are read again (on SIGHUP), without touching the connections already open.

use std::{
    path::Path,
    sync::{Arc, RwLock},
};

use rustls::{
    pki_types::{CertificateDer, PrivateKeyDer},
    ServerConfig,
};

use super::config::TlsFiles;

/// Reads `files` into a rustls configuration.
///
/// Errors (as a message naming the file and what to do): a file that cannot be read, holds no
/// certificate or no private key, or a key that does not belong to the certificate.
pub fn load(files: &TlsFiles) -> Result<ServerConfig, String> {
    let certs = read_certs(&files.cert)?;
    let key = read_key(&files.key)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| format!("TLS set-up failed: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            format!(
                "the key in {} does not fit the certificate in {}: {e}",
                files.key.display(),
                files.cert.display()
            )
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let text = std::fs::read(path).map_err(|e| {
        format!(
            "cannot read the TLS certificate file {}: {e}",
            path.display()
        )
    })?;
    let certs = rustls_pemfile::certs(&mut text.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{} is not a PEM certificate file: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{} holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)",
            path.display()
        ));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let text = std::fs::read(path)
        .map_err(|e| format!("cannot read the TLS key file {}: {e}", path.display()))?;
    rustls_pemfile::private_key(&mut text.as_slice())
        .map_err(|e| format!("{} is not a PEM key file: {e}", path.display()))?
        .ok_or_else(|| {
            format!(
                "{} holds no private key (expected PEM: -----BEGIN PRIVATE KEY-----)",
                path.display()
            )
        })
}

/// The TLS configuration in use, read from its files and read again on demand.
#[derive(Clone)]
pub struct Certificates {
    files: TlsFiles,
    current: Arc<RwLock<Arc<ServerConfig>>>,
}

impl Certificates {
    /// Reads `files` now.
    ///
    /// Errors: as [`load`].
    pub fn open(files: TlsFiles) -> Result<Self, String> {
        let config = load(&files)?;
        Ok(Self {
            files,
            current: Arc::new(RwLock::new(Arc::new(config))),
        })
    }

    /// The configuration for the next connection.
    pub fn current(&self) -> Arc<ServerConfig> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Reads the files again; on success new connections use them (open ones keep theirs), on
    /// failure the old pair stays in use.
    ///
    /// Errors: as [`load`].
    pub fn reload(&self) -> Result<(), String> {
        let config = Arc::new(load(&self.files)?);
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = config;
        Ok(())
    }
}
