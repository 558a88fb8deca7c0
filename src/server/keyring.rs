//! The data keys that seal the secrets Roster must read back (TOTP seeds; later OpenID Connect
//! signing keys): AES-256-GCM (RustCrypto `aes-gcm`) with a random 96-bit nonce per sealing and
//! the value's place (table, column, row) as associated data, so a sealed value copied onto
//! another row does not open (`shared/SECURITY.md`, Keys and secrets at rest; OWASP ASVS 4.0.3
//! V6.2.1, V6.4.1).
//!
//! The key file (`ROSTER_SECRET_KEY_FILE`, default `data/secret.key`, mode 0600) holds one key a
//! line, `<key id> <32 random bytes as base64url>`; the last line is the key that seals, the
//! earlier ones (after `roster keys rotate`) still open what a backup sealed with them. A sealed
//! value is the text `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`.

use std::{
    io::Write,
    path::{Path, PathBuf},
    sync::RwLock,
};

use aes_gcm::{
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
    Aes256Gcm, Key, Nonce,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

/// Bytes of a data key (AES-256).
pub const KEY_BYTES: usize = 32;
/// Bytes of a nonce (AES-GCM's 96 bits).
const NONCE_BYTES: usize = 12;
/// The format tag of a sealed value.
const VERSION: &str = "v1";

/// Why a key file or a sealed value was refused. Messages name the file, never a key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("cannot read the key file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("cannot write the key file {path}: {reason}")]
    Write { path: String, reason: String },
    #[error("the key file {path} is damaged at line {line} (each line is `<id> <32 bytes as base64url>`)")]
    Malformed { path: String, line: usize },
    #[error("the key file {path} holds no key")]
    Empty { path: String },
    #[error("a stored secret is sealed with key {id:?}, which {path} does not hold")]
    UnknownKey { id: String, path: String },
    #[error("a stored secret does not open with {path}: wrong key, or the value was altered")]
    Tampered { path: String },
    #[error("a stored secret is not a sealed value")]
    NotSealed,
}

/// One data key.
#[derive(Clone)]
struct DataKey {
    id: String,
    bytes: [u8; KEY_BYTES],
}

/// The data keys of one key file, the newest sealing. Reloaded from the file when a value
/// names a key this process has not seen (after `roster keys rotate` on another node or by
/// the operator), so a rotation never breaks a running server.
pub struct Keyring {
    path: PathBuf,
    keys: RwLock<Vec<DataKey>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("path", &self.path)
            .field("ids", &self.ids())
            .finish()
    }
}

impl Keyring {
    /// The keys in `path`.
    ///
    /// Errors: `Read` when the file is missing or unreadable; `Malformed`/`Empty` for a file
    /// that holds no usable key.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let keys = read_keys(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            keys: RwLock::new(keys),
        })
    }

    /// A new key file at `path` with one random key (its folder made as needed, the file mode
    /// 0600 and created only if absent, atomically).
    ///
    /// Errors: `Write` when the file exists already or cannot be written.
    pub fn create(path: &Path) -> Result<Self, KeyError> {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|e| write_error(path, e))?;
        }
        let keys = vec![DataKey::random(1)];
        // Written whole under another name, then linked into place, which fails if the file
        // exists: a second process starting at the same moment never reads half a file.
        let temporary = path.with_extension(format!("key.{}.new", std::process::id()));
        let _ = std::fs::remove_file(&temporary);
        let mut file = open_private(&temporary, true).map_err(|e| write_error(&temporary, e))?;
        let written = file
            .write_all(render(&keys).as_bytes())
            .and_then(|_| file.sync_all())
            .and_then(|_| std::fs::hard_link(&temporary, path));
        let _ = std::fs::remove_file(&temporary);
        written.map_err(|e| write_error(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            keys: RwLock::new(keys),
        })
    }

    /// The key file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The ids of the keys held, oldest first (the last one seals).
    pub fn ids(&self) -> Vec<String> {
        self.read().iter().map(|k| k.id.clone()).collect()
    }

    /// The id of the key that seals.
    pub fn active_id(&self) -> String {
        self.read().last().map(|k| k.id.clone()).unwrap_or_default()
    }

    /// Adds a new random key, which seals from now on, and writes the file again (a temporary
    /// file renamed over it, so a crash leaves the old or the new file, never half of one).
    /// The older keys stay, to open what they sealed. Returns the new key's id.
    ///
    /// Errors: `Write` when the file cannot be replaced.
    pub fn add_key(&self) -> Result<String, KeyError> {
        let mut keys = self.write();
        let next = keys
            .iter()
            .filter_map(|k| k.id.strip_prefix('k')?.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let mut updated = keys.clone();
        updated.push(DataKey::random(next));
        let temporary = self.path.with_extension("key.new");
        let _ = std::fs::remove_file(&temporary);
        let mut file = open_private(&temporary, true).map_err(|e| write_error(&temporary, e))?;
        file.write_all(render(&updated).as_bytes())
            .and_then(|_| file.sync_all())
            .map_err(|e| write_error(&temporary, e))?;
        std::fs::rename(&temporary, &self.path).map_err(|e| write_error(&self.path, e))?;
        let id = updated.last().map(|k| k.id.clone()).unwrap_or_default();
        *keys = updated;
        Ok(id)
    }

    /// Seals `plain` under the active key for the place `context` names (e.g.
    /// `totp_factors.secret:42`), which opening must name again.
    pub fn seal(&self, context: &str, plain: &[u8]) -> String {
        let keys = self.read();
        let key = keys.last().expect("a keyring holds at least one key");
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key.bytes));
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .expect("AES-GCM seals any input below 64 GiB");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{VERSION}.{}.{}", key.id, URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Opens a value [`Self::seal`] made for `context`.
    ///
    /// Errors: `NotSealed` for text of another shape; `UnknownKey` when the key it names is
    /// not in the file (even after reading the file again); `Tampered` when the key is wrong
    /// or the value, its nonce or its context were altered.
    pub fn open(&self, context: &str, sealed: &str) -> Result<Vec<u8>, KeyError> {
        let (id, bytes) = parse_sealed(sealed)?;
        if !self.read().iter().any(|k| k.id == id) {
            // Rotated elsewhere since this process read the file.
            if let Ok(fresh) = read_keys(&self.path) {
                *self.write() = fresh;
            }
        }
        let keys = self.read();
        let key = keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| KeyError::UnknownKey {
                id: id.to_string(),
                path: self.path.display().to_string(),
            })?;
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key.bytes));
        let (nonce, body) = bytes.split_at(NONCE_BYTES);
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| KeyError::Tampered {
                path: self.path.display().to_string(),
            })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<DataKey>> {
        self.keys.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<DataKey>> {
        self.keys.write().unwrap_or_else(|p| p.into_inner())
    }
}

/// The key id a sealed value names, if it is one.
pub fn key_id_of(sealed: &str) -> Option<&str> {
    parse_sealed(sealed).ok().map(|(id, _)| id)
}

fn parse_sealed(sealed: &str) -> Result<(&str, Vec<u8>), KeyError> {
    let mut parts = sealed.splitn(3, '.');
    let (Some(VERSION), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(KeyError::NotSealed);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| KeyError::NotSealed)?;
    if id.is_empty() || bytes.len() < NONCE_BYTES + 16 {
        return Err(KeyError::NotSealed);
    }
    Ok((id, bytes))
}

impl DataKey {
    fn random(number: u32) -> Self {
        let key = Aes256Gcm::generate_key(&mut OsRng);
        let mut bytes = [0u8; KEY_BYTES];
        bytes.copy_from_slice(&key);
        Self {
            id: format!("k{number}"),
            bytes,
        }
    }
}

fn read_keys(path: &Path) -> Result<Vec<DataKey>, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|e| KeyError::Read {
        path: path.display().to_string(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "it does not exist".into(),
            _ => e.to_string(),
        },
    })?;
    let mut keys = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let malformed = || KeyError::Malformed {
            path: path.display().to_string(),
            line: n + 1,
        };
        let (id, encoded) = line.split_once(' ').ok_or_else(malformed)?;
        let decoded = URL_SAFE_NO_PAD
            .decode(encoded.trim())
            .map_err(|_| malformed())?;
        let bytes: [u8; KEY_BYTES] = decoded.try_into().map_err(|_| malformed())?;
        if id.is_empty() || id.contains('.') || keys.iter().any(|k: &DataKey| k.id == id) {
            return Err(malformed());
        }
        keys.push(DataKey {
            id: id.to_string(),
            bytes,
        });
    }
    if keys.is_empty() {
        return Err(KeyError::Empty {
            path: path.display().to_string(),
        });
    }
    Ok(keys)
}

fn render(keys: &[DataKey]) -> String {
    let mut text = String::from(
        "# Roster data keys (AES-256-GCM). Keep this file with every backup of the database:\n\
         # without it the stored two-factor secrets cannot be read. The last key seals.\n",
    );
    for key in keys {
        text.push_str(&format!(
            "{} {}\n",
            key.id,
            URL_SAFE_NO_PAD.encode(key.bytes)
        ));
    }
    text
}

fn open_private(path: &Path, create_new: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(create_new);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn write_error(path: &Path, e: std::io::Error) -> KeyError {
    KeyError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> (tempfile::TempDir, Keyring) {
        let dir = tempfile::tempdir().unwrap();
        let ring = Keyring::create(&dir.path().join("data").join("secret.key")).unwrap();
        (dir, ring)
    }

    #[test]
    fn a_sealed_value_opens_for_its_place_only() {
        let (_dir, ring) = ring();
        let sealed = ring.seal("totp_factors.secret:1", b"seed bytes");
        assert!(sealed.starts_with("v1.k1."), "{sealed}");
        assert!(!sealed.contains("seed"));
        assert_eq!(
            ring.open("totp_factors.secret:1", &sealed).unwrap(),
            b"seed bytes"
        );
        assert!(matches!(
            ring.open("totp_factors.secret:2", &sealed),
            Err(KeyError::Tampered { .. })
        ));
        assert_ne!(
            sealed,
            ring.seal("totp_factors.secret:1", b"seed bytes"),
            "fresh nonce"
        );
    }

    #[test]
    fn tampering_is_detected() {
        let (_dir, ring) = ring();
        let sealed = ring.seal("x:1", b"secret");
        let (head, body) = sealed.rsplit_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(body).unwrap();
        for i in [0, NONCE_BYTES, bytes.len() - 1] {
            bytes[i] ^= 1;
            let altered = format!("{head}.{}", URL_SAFE_NO_PAD.encode(&bytes));
            assert!(matches!(
                ring.open("x:1", &altered),
                Err(KeyError::Tampered { .. })
            ));
            bytes[i] ^= 1;
        }
        assert_eq!(ring.open("x:1", "plain text"), Err(KeyError::NotSealed));
        assert_eq!(ring.open("x:1", "v1.k1.AAAA"), Err(KeyError::NotSealed));
    }

    #[test]
    fn the_file_is_private_and_another_file_does_not_open_a_value() {
        let (dir, ring) = ring();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(ring.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(Keyring::create(ring.path()).is_err(), "never overwritten");
        let other = Keyring::create(&dir.path().join("other.key")).unwrap();
        let sealed = ring.seal("x:1", b"secret");
        assert!(matches!(
            other.open("x:1", &sealed),
            Err(KeyError::Tampered { .. })
        ));
        assert!(matches!(
            Keyring::load(&dir.path().join("missing.key")),
            Err(KeyError::Read { .. })
        ));
    }

    #[test]
    fn rotation_seals_with_the_new_key_and_opens_the_old() {
        let (_dir, ring) = ring();
        let old = ring.seal("x:1", b"old");
        assert_eq!(ring.add_key().unwrap(), "k2");
        assert_eq!(ring.ids(), ["k1", "k2"]);
        let new = ring.seal("x:1", b"new");
        assert_eq!(key_id_of(&new), Some("k2"));
        assert_eq!(ring.open("x:1", &old).unwrap(), b"old");
        // Another process holding the file as it was reads it again for the unknown key.
        let reloaded = Keyring::load(ring.path()).unwrap();
        assert_eq!(reloaded.open("x:1", &new).unwrap(), b"new");
    }

    #[test]
    fn a_running_process_reads_a_key_added_elsewhere() {
        let (_dir, ring) = ring();
        let running = Keyring::load(ring.path()).unwrap();
        ring.add_key().unwrap();
        let sealed = ring.seal("x:1", b"after rotation");
        assert_eq!(running.open("x:1", &sealed).unwrap(), b"after rotation");
        assert_eq!(running.active_id(), "k2");
    }

    #[test]
    fn a_damaged_file_is_refused_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.key");
        std::fs::write(&path, "k1 not-base64!\n").unwrap();
        assert!(matches!(
            Keyring::load(&path),
            Err(KeyError::Malformed { line: 1, .. })
        ));
        std::fs::write(&path, "# only a comment\n").unwrap();
        assert!(matches!(Keyring::load(&path), Err(KeyError::Empty { .. })));
    }
}
