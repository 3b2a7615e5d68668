//! The server's secret key: 256 bits that seal stored second-factor secrets (AES-256-GCM) and
//! key the hashes of backup codes (HMAC-SHA-256), so a copy of the database alone opens neither.
//!
//! The key lives in a file (`GATEHOUSE_SECRET_KEY_FILE`, base64 of 32 bytes). With the embedded
//! SQLite default it is generated on first run into the data directory, readable by its owner
//! only. Each use derives its own sub-key, so the same bytes never serve two purposes.

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::Sha256;

use crate::Error;

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
/// Labels of the derived sub-keys; changing one makes everything sealed under it unreadable.
const SEALING: &[u8] = b"gatehouse/v1/seal";
const CODE_HASHING: &[u8] = b"gatehouse/v1/backup-code";

/// The server key. Cheap to clone; never printed.
#[derive(Clone)]
pub struct SecretKey(Arc<Keys>);

struct Keys {
    sealing: [u8; KEY_LEN],
    code_hashing: [u8; KEY_LEN],
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// Why a key file could not be used, in words for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeyFileError(String);

impl SecretKey {
    /// A key that lives only as long as this process (tests, benchmarks).
    pub fn ephemeral() -> Self {
        let mut bytes = [0u8; KEY_LEN];
        OsRng.fill_bytes(&mut bytes);
        Self::from_bytes(&bytes)
    }

    fn from_bytes(master: &[u8; KEY_LEN]) -> Self {
        Self(Arc::new(Keys {
            sealing: derive(master, SEALING),
            code_hashing: derive(master, CODE_HASHING),
        }))
    }

    /// Reads the key from `path`; when the file does not exist and `create` is set, generates
    /// one there first (mode 0600).
    pub fn load(path: &Path, create: bool) -> Result<Self, KeyFileError> {
        if create && !path.exists() {
            let mut bytes = [0u8; KEY_LEN];
            OsRng.fill_bytes(&mut bytes);
            write_new(path, &STANDARD.encode(bytes))
                .map_err(|e| KeyFileError(format!("cannot create {}: {e}", path.display())))?;
            tracing::info!(path = %path.display(), "generated the server secret key");
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| KeyFileError(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|why| KeyFileError(format!("{}: {why}", path.display())))
    }

    /// The file's content: base64 of exactly 32 bytes, surrounding whitespace ignored.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let bytes = STANDARD.decode(text.trim()).map_err(
            |_| "must hold the base64 of 32 random bytes (e.g. `openssl rand -base64 32`)",
        )?;
        let master: [u8; KEY_LEN] = bytes.try_into().map_err(
            |_| "must hold exactly 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)",
        )?;
        Ok(Self::from_bytes(&master))
    }

    /// Encrypts `plain` for storage; `context` (e.g. the owning user's id) is bound to it, so a
    /// sealed value copied to another row does not open.
    pub fn seal(&self, plain: &[u8], context: &str) -> Result<String, Error> {
        let cipher = Aes256Gcm::new_from_slice(&self.0.sealing).map_err(Error::internal)?;
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plain,
            aad: context.as_bytes(),
        };
        let sealed = cipher
            .encrypt(&Nonce::from(nonce), payload)
            .map_err(|_| Error::internal("sealing failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(STANDARD.encode(out))
    }

    /// Decrypts what [`seal`](Self::seal) produced with the same key and context.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, Error> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| Error::internal("sealed value is not base64"))?;
        if bytes.len() <= NONCE_LEN {
            return Err(Error::internal("sealed value is too short"));
        }
        let (nonce, body) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| Error::internal("bad nonce"))?;
        let cipher = Aes256Gcm::new_from_slice(&self.0.sealing).map_err(Error::internal)?;
        let payload = Payload {
            msg: body,
            aad: context.as_bytes(),
        };
        cipher.decrypt(&Nonce::from(nonce), payload).map_err(|_| {
            Error::internal("a sealed value did not open: wrong server key or altered row")
        })
    }

    /// The stored form of a backup code: HMAC-SHA-256 under the server key, hex.
    pub(crate) fn hash_code(&self, context: &str, code: &str) -> String {
        let mut mac = mac(&self.0.code_hashing);
        mac.update(context.as_bytes());
        mac.update(b"\0");
        mac.update(code.as_bytes());
        crate::tokens::hex(&mac.finalize().into_bytes())
    }
}

/// The first start with a database seals a known value into it; every later start checks that
/// it opens. A different key file would otherwise lock every account with MFA out, silently.
pub(crate) async fn check_against(
    db: &crate::Db,
    key: &SecretKey,
    now: crate::Timestamp,
) -> Result<(), Error> {
    const CONTEXT: &str = "secret-key-check";
    let sealed = key.seal(b"gatehouse", CONTEXT)?;
    sqlx::query(
        "INSERT INTO secret_key_check (id, sealed, created_at) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(sealed)
    .bind(now.as_millis())
    .execute(db.pool())
    .await?;
    let stored: String = sqlx::query_scalar("SELECT sealed FROM secret_key_check WHERE id = 1")
        .fetch_one(db.pool())
        .await?;
    key.open(&stored, CONTEXT).map(drop).map_err(|_| {
        Error::internal(
            "GATEHOUSE_SECRET_KEY_FILE: this is not the key this database was set up with; \
             restore the original key file (MFA secrets sealed with it cannot be opened otherwise)",
        )
    })
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length; this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

fn derive(master: &[u8; KEY_LEN], label: &[u8]) -> [u8; KEY_LEN] {
    let mut mac = mac(master);
    mac.update(label);
    mac.finalize().into_bytes().into()
}

fn write_new(path: &Path, content: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(content.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
#[expect(clippy::panic, reason = "a failing test should stop loudly")]
mod tests {
    use super::*;

    #[test]
    fn sealing_round_trips_and_binds_its_context() {
        let key = SecretKey::ephemeral();
        let sealed = key.seal(b"twenty bytes secret!", "user-1").ok();
        let sealed = sealed.as_deref().unwrap_or_default();
        assert!(!sealed.contains("twenty"));
        assert_eq!(
            key.open(sealed, "user-1").ok().as_deref(),
            Some(&b"twenty bytes secret!"[..])
        );
        assert!(key.open(sealed, "user-2").is_err(), "moved to another row");
        // Same plaintext twice: different nonces, different ciphertexts.
        assert_ne!(key.seal(b"x", "c").ok(), key.seal(b"x", "c").ok());
    }

    #[test]
    fn a_wrong_key_is_refused() {
        let sealed = SecretKey::ephemeral().seal(b"secret", "user-1").ok();
        let other = SecretKey::ephemeral();
        assert!(
            other
                .open(sealed.as_deref().unwrap_or_default(), "user-1")
                .is_err()
        );
    }

    #[test]
    fn a_tampered_value_is_refused() {
        let key = SecretKey::ephemeral();
        let sealed = key.seal(b"secret", "u").ok().unwrap_or_default();
        let mut bytes = STANDARD.decode(&sealed).unwrap_or_default();
        if let Some(last) = bytes.last_mut() {
            *last ^= 1;
        }
        assert!(key.open(&STANDARD.encode(bytes), "u").is_err());
    }

    #[test]
    fn key_files_are_generated_private_and_read_back() {
        let dir = tempfile::tempdir().ok();
        let path = dir.as_ref().map(|d| d.path().join("secret.key"));
        let path = path.as_deref().unwrap_or(Path::new("/nonexistent"));
        assert!(
            SecretKey::load(path, false).is_err(),
            "not created unless asked"
        );
        let first = SecretKey::load(path, true).ok();
        let again = SecretKey::load(path, true).ok();
        let (Some(first), Some(again)) = (first, again) else {
            panic!("key file should load")
        };
        let sealed = first.seal(b"s", "c").ok().unwrap_or_default();
        assert!(
            again.open(&sealed, "c").is_ok(),
            "the same key is read back"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode.ok(), Some(0o600));
        }
    }

    #[test]
    fn malformed_key_files_are_refused_with_a_reason() {
        assert!(SecretKey::parse("not base64!").is_err());
        assert!(SecretKey::parse(&STANDARD.encode([0u8; 16])).is_err());
        assert!(SecretKey::parse(&format!("  {}\n", STANDARD.encode([7u8; 32]))).is_ok());
    }

    #[test]
    fn code_hashes_depend_on_key_context_and_code() {
        let key = SecretKey::ephemeral();
        let a = key.hash_code("u1", "abcd");
        assert_eq!(a.len(), 64);
        assert_eq!(a, key.hash_code("u1", "abcd"));
        assert_ne!(a, key.hash_code("u2", "abcd"));
        assert_ne!(a, key.hash_code("u1", "abce"));
        assert_ne!(a, SecretKey::ephemeral().hash_code("u1", "abcd"));
    }
}
