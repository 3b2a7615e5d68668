//! The account record: the `users` row every flow reads or opens, and the input types it holds.
//!
//! An email is stored trimmed and lower-cased, so uniqueness is case-insensitive and enforced
//! by the database (a race between two sign-ups cannot create two accounts). Opening an account
//! and changing it are services elsewhere ([`crate::accounts`], [`crate::invitations`]); this
//! module only parses and stores.

use sqlx::{AnyConnection, AnyPool};

use crate::clock::Timestamp;
use crate::error::{Clash, Error, Problem, Subject, is_unique_violation};
use crate::ids::{self, UserId};

pub const EMAIL_MAX: usize = 254;
pub const NAME_MAX: usize = 100;

/// A syntactically plausible email address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// The form used for lookups and uniqueness.
    pub fn normalize(text: &str) -> String {
        text.trim().to_lowercase()
    }

    pub fn parse(text: &str) -> Result<Self, Vec<Problem>> {
        let email = Self::normalize(text);
        if email.is_empty() {
            return Err(vec![Problem::Required(Subject::EmailAddress)]);
        }
        if email.chars().count() > EMAIL_MAX {
            return Err(vec![Problem::TooLong { max: EMAIL_MAX }]);
        }
        let valid = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && local.len() <= 64
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
                    && !email.chars().any(|c| c.is_whitespace() || c.is_control())
                    && !email.contains(['<', '>', '(', ')', ',', ';', ':', '\\', '"', '[', ']'])
            }
            None => false,
        };
        if valid {
            Ok(Self(email))
        } else {
            Err(vec![Problem::InvalidEmail])
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's display name: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(text: &str) -> Result<Self, Vec<Problem>> {
        parse_label(text, NAME_MAX, Subject::Name).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Shared rule for short human-readable labels (names of people and organizations).
pub(crate) fn parse_label(text: &str, max: usize, what: Subject) -> Result<String, Vec<Problem>> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(vec![Problem::Required(what)]);
    }
    let mut failures = Vec::new();
    if trimmed.chars().count() > max {
        failures.push(Problem::TooLong { max });
    }
    if trimmed.chars().any(char::is_control) {
        failures.push(Problem::ControlCharacters);
    }
    if failures.is_empty() {
        Ok(trimmed.to_string())
    } else {
        Err(failures)
    }
}

/// Inserts a new account; an email that already has one is a conflict on `email`.
pub(crate) async fn insert_user(
    conn: &mut AnyConnection,
    id: UserId,
    email: &EmailAddress,
    name: &DisplayName,
    password_hash: String,
    verified_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), Error> {
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, created_at, updated_at, \
         email_verified_at) VALUES ($1, $2, $3, $4, $5, $5, $6)",
    )
    .bind(id.to_string())
    .bind(email.as_str())
    .bind(name.as_str())
    .bind(password_hash)
    .bind(now.as_millis())
    .bind(verified_at.map(Timestamp::as_millis))
    .execute(conn)
    .await;
    match inserted {
        Err(err) if is_unique_violation(&err) => Err(Error::Conflict(Clash::EmailTaken)),
        other => other.map(|_| ()).map_err(Error::from),
    }
}

/// What sign-in needs to know about an account.
pub(crate) struct Credentials {
    pub id: UserId,
    pub password_hash: String,
    /// Bumped by every password change; sessions carry the version they signed in with.
    pub credential_version: i64,
}

pub(crate) async fn credentials_for(
    pool: &AnyPool,
    normalized_email: &str,
) -> Result<Option<Credentials>, Error> {
    let row: Option<(String, String, i64)> =
        sqlx::query_as("SELECT id, password_hash, credential_version FROM users WHERE email = $1")
            .bind(normalized_email)
            .fetch_optional(pool)
            .await?;
    row.map(|(id, password_hash, credential_version)| {
        Ok(Credentials {
            id: ids::from_db(&id, UserId::parse)?,
            password_hash,
            credential_version,
        })
    })
    .transpose()
}

/// The account with this normalized email, if any.
pub(crate) async fn user_id_by_email(
    pool: &AnyPool,
    normalized_email: &str,
) -> Result<Option<UserId>, Error> {
    let id: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(normalized_email)
        .fetch_optional(pool)
        .await?;
    id.map(|id| ids::from_db(&id, UserId::parse)).transpose()
}

/// The account's current credential version (sessions remember the one they started with).
pub(crate) async fn credential_version(pool: &AnyPool, user: UserId) -> Result<i64, Error> {
    Ok(
        sqlx::query_scalar("SELECT credential_version FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_one(pool)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            EmailAddress::parse("  Ada@Example.COM ").map(|e| e.0),
            Ok("ada@example.com".into())
        );
    }

    #[test]
    fn implausible_emails_are_refused() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
            "ada@.com",
            "ada@example..com",
        ] {
            assert!(
                EmailAddress::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
        assert!(EmailAddress::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn names_are_trimmed_bounded_and_single_line() {
        assert_eq!(
            DisplayName::parse("  Ada Lovelace ").map(|n| n.0),
            Ok("Ada Lovelace".into())
        );
        assert!(DisplayName::parse("  ").is_err());
        assert!(DisplayName::parse(&"x".repeat(101)).is_err());
        assert!(DisplayName::parse("Ada\nLovelace").is_err());
    }
}
