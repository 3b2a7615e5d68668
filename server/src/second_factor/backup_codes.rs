//! Backup codes: ten single-use codes for when the authenticator is out of reach. Each is 60
//! random bits in Crockford's base32 (no I, L, O or U to misread), shown as `xxxx-xxxx-xxxx`.
//! Only an HMAC of each is stored, keyed by the server key and bound to the account.

use rand::Rng;
use rand::rngs::OsRng;

use crate::ids::UserId;
use crate::secret_key::SecretKey;

pub const COUNT: usize = 10;
/// At or below this many unused codes, the user is told to make new ones.
pub const LOW: i64 = 3;
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
const LEN: usize = 12;

/// A fresh set, formatted for display.
pub(crate) fn generate() -> Vec<String> {
    (0..COUNT)
        .map(|_| {
            let raw: String = (0..LEN)
                .map(|_| char::from(ALPHABET[OsRng.gen_range(0..ALPHABET.len())]))
                .collect();
            format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12])
        })
        .collect()
}

/// A backup code as typed: case, spaces and dashes don't matter, and the letters Crockford's
/// base32 leaves out are read as the digits they resemble.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupCode(String);

impl BackupCode {
    pub fn parse(text: &str) -> Option<Self> {
        let normalized: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| match c.to_ascii_lowercase() {
                'i' | 'l' => '1',
                'o' => '0',
                other => other,
            })
            .collect();
        (normalized.len() == LEN && normalized.bytes().all(|b| ALPHABET.contains(&b)))
            .then_some(Self(normalized))
    }

    /// The stored form of this code for `user`.
    pub(crate) fn hash(&self, key: &SecretKey, user: UserId) -> String {
        key.hash_code(&user.to_string(), &self.0)
    }
}

#[cfg(test)]
#[expect(clippy::expect_used, reason = "a failing test should stop loudly")]
mod tests {
    use super::*;

    #[test]
    fn a_set_is_ten_distinct_well_formed_codes() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        let mut distinct = codes.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), COUNT);
        for code in &codes {
            assert_eq!(code.len(), 14);
            assert!(BackupCode::parse(code).is_some(), "{code} parses");
        }
    }

    #[test]
    fn typing_variations_are_forgiven() {
        let code = BackupCode::parse("ab1c-0d2e-fg3h").expect("parses");
        assert_eq!(BackupCode::parse("AB1C 0D2E FG3H").as_ref(), Some(&code));
        assert_eq!(BackupCode::parse("abic-od2e-fg3h").as_ref(), Some(&code));
        assert_eq!(BackupCode::parse("ablc0d2efg3h").as_ref(), Some(&code));
        assert!(BackupCode::parse("ab1c-0d2e-fg3").is_none(), "too short");
        assert!(
            BackupCode::parse("ab1c-0d2e-fg3u").is_none(),
            "u is not in the alphabet"
        );
        assert!(
            BackupCode::parse("123456").is_none(),
            "an authenticator code"
        );
    }

    #[test]
    fn hashes_are_per_account_and_per_key() {
        let key = SecretKey::ephemeral();
        let code = BackupCode::parse("ab1c-0d2e-fg3h").expect("parses");
        let (ada, bob) = (UserId::random(), UserId::random());
        assert_ne!(code.hash(&key, ada), code.hash(&key, bob));
        assert_eq!(code.hash(&key, ada), code.hash(&key, ada));
        assert_ne!(
            code.hash(&key, ada),
            code.hash(&SecretKey::ephemeral(), ada)
        );
    }
}
