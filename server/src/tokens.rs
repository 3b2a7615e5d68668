//! Bearer secrets handed out once (session cookies, invitation and password-reset links): 256
//! random bits, URL-safe. The database keeps only their SHA-256, so a leaked table opens nothing.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// A freshly generated secret. Not `Debug`-printable, not serializable.
pub struct Secret(String);

impl Secret {
    pub(crate) fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The value to hand to its holder (cookie, link).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub(crate) fn hash(&self) -> String {
        hash(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The stored form of a secret. Lookups go by this hash through a unique index, so no secret is
/// ever compared byte by byte in application code.
pub(crate) fn hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Lower-case hex of `bytes`, in one allocation (this runs on every authenticated request).
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// A secret has exactly the shape we issue; anything else is refused without a query.
pub(crate) fn well_formed(secret: &str) -> bool {
    secret.len() == 43
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }

    #[test]
    fn secrets_are_256_bit_distinct_and_redacted() {
        let (a, b) = (Secret::generate(), Secret::generate());
        assert_ne!(a.expose(), b.expose());
        assert_eq!(
            URL_SAFE_NO_PAD.decode(a.expose()).map(|v| v.len()).ok(),
            Some(32)
        );
        assert!(well_formed(a.expose()));
        assert!(!format!("{a:?}").contains(a.expose()));
    }

    #[test]
    fn malformed_secrets_are_rejected_before_any_query() {
        assert!(!well_formed(""));
        assert!(!well_formed("short"));
        assert!(!well_formed(&"a".repeat(42)));
        assert!(!well_formed(&format!("{}'", "a".repeat(42))));
    }

    #[test]
    fn only_the_hash_is_stored() {
        let secret = Secret::generate();
        let hash = secret.hash();
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(secret.expose()));
    }
}
