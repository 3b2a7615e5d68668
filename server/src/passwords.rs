//! Passwords: the policy a new password must meet, and argon2id hashing on a bounded blocking
//! pool. A password exists in clear only inside [`Password`], whose `Debug` is redacted; only
//! PHC-format hashes reach the database.

use std::fmt;

use crate::error::Problem;

mod hashing;

pub use hashing::{HashCost, PasswordHasher};

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

/// A password as typed. Never logged, never serialized.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A password that meets the policy.
#[derive(Debug, Clone)]
pub struct NewPassword(Password);

impl NewPassword {
    /// Checks every rule and returns each one that fails, in the policy's order.
    pub fn parse(text: &str) -> Result<Self, Vec<Problem>> {
        let mut failures = Vec::new();
        let length = text.chars().count();
        if length < MIN_LENGTH {
            failures.push(Problem::TooShort { min: MIN_LENGTH });
        }
        if length > MAX_LENGTH {
            failures.push(Problem::TooLong { max: MAX_LENGTH });
        }
        if !text.chars().any(char::is_uppercase) {
            failures.push(Problem::NeedsUppercase);
        }
        if !text.chars().any(char::is_lowercase) {
            failures.push(Problem::NeedsLowercase);
        }
        if !text.chars().any(|c| c.is_ascii_digit()) {
            failures.push(Problem::NeedsDigit);
        }
        if !text
            .chars()
            .any(|c| !c.is_alphanumeric() && !c.is_whitespace())
        {
            failures.push(Problem::NeedsSpecialCharacter);
        }
        if is_common(text) {
            failures.push(Problem::CommonPassword);
        }
        if failures.is_empty() {
            Ok(Self(Password::new(text)))
        } else {
            Err(failures)
        }
    }

    pub fn password(&self) -> &Password {
        &self.0
    }
}

/// The shipped list of frequently used passwords, one per line, compared case-insensitively.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

fn is_common(text: &str) -> bool {
    let lowered = text.to_lowercase();
    COMMON_PASSWORDS.lines().any(|line| line == lowered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failures(text: &str) -> Vec<Problem> {
        NewPassword::parse(text).err().unwrap_or_default()
    }

    #[test]
    fn a_strong_password_passes() {
        assert!(NewPassword::parse("Correct-Horse-9").is_ok());
    }

    #[test]
    fn every_failing_rule_is_named() {
        assert_eq!(
            failures("abc"),
            [
                Problem::TooShort { min: 8 },
                Problem::NeedsUppercase,
                Problem::NeedsDigit,
                Problem::NeedsSpecialCharacter,
            ]
        );
        assert_eq!(
            failures(&format!("Aa1!{}", "x".repeat(130))),
            [Problem::TooLong { max: 128 }]
        );
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert_eq!(failures("Password1!"), [Problem::CommonPassword]);
        assert_eq!(failures("P@ssw0rd"), [Problem::CommonPassword]);
    }

    #[test]
    fn the_common_list_is_normalised() {
        for line in COMMON_PASSWORDS.lines() {
            assert_eq!(line, line.to_lowercase(), "entries must be lower case");
            assert!(!line.is_empty() && line.trim() == line);
        }
    }

    #[test]
    fn debug_output_hides_the_password() {
        assert!(!format!("{:?}", Password::new("secret-value")).contains("secret"));
    }
}
