//! A key's text: `ghk_` (a fixed prefix secret scanners can match), the key's id (32 hex
//! digits), `_`, and 256 random bits (43 URL-safe base64 characters). Only its SHA-256 is
//! stored; lookups go by that hash through a unique index.

use crate::ids::ApiKeyId;
use crate::tokens;

/// What every key starts with.
pub const PREFIX: &str = "ghk_";
/// Longer input is not a key; it is refused without hashing megabytes.
pub(crate) const MAX_LEN: usize = 128;

/// A new secret for key `id`.
pub(crate) struct Issued {
    /// The whole key, shown once.
    pub token: String,
    pub hash: String,
    pub last_four: String,
}

pub(crate) fn issue(id: ApiKeyId) -> Issued {
    let random = tokens::Secret::generate();
    let token = format!(
        "{PREFIX}{}_{}",
        id.to_string().replace('-', ""),
        random.expose()
    );
    let last_four = token[token.len() - 4..].to_string();
    Issued {
        hash: hash(&token),
        token,
        last_four,
    }
}

/// The stored form of a presented key: the SHA-256 of its text, whatever that text is, so
/// that every presented value costs the same work and the same lookup.
pub(crate) fn hash(token: &str) -> String {
    let bounded = if token.len() > MAX_LEN { "" } else { token };
    tokens::hash(bounded)
}

/// Whether `text` has the shape of one of our keys (used to refuse keys in URLs).
pub fn looks_like_key(text: &str) -> bool {
    text.contains(PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_carry_the_prefix_the_id_and_256_bits() {
        let id = ApiKeyId::random();
        let one = issue(id);
        let two = issue(id);
        assert!(one.token.starts_with(PREFIX), "{}", one.token);
        assert_eq!(one.token.len(), PREFIX.len() + 32 + 1 + 43);
        assert!(one.token.contains(&id.to_string().replace('-', "")));
        assert_ne!(one.token, two.token, "fresh randomness each time");
        assert_eq!(one.hash, tokens::hash(&one.token));
        assert!(one.token.ends_with(&one.last_four));
        assert!(!one.hash.contains(&one.token));
    }
}
