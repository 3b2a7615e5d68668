//! Accounts: sign-up, profile and password changes, and the input types they parse.
//!
//! An email is stored trimmed and lower-cased, so uniqueness is case-insensitive and enforced
//! by the database (a race between two sign-ups cannot create two accounts).

use sqlx::{AnyConnection, AnyPool};

use crate::audit::{self, Action, Event};
use crate::cache::{Change, Invalidation};
use crate::clock::Timestamp;
use crate::error::{FieldErrors, is_unique_violation};
use crate::ids::{self, UserId};
use crate::orgs::{self, OrgName};
use crate::passwords::{NewPassword, Password};
use crate::sessions::{self, Actor, ClientInfo, EndReason, SignedIn};
use crate::{Error, Services, throttle};

mod own;

pub use own::{NO_PASSWORD_YET, change_password, update_profile};

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

    pub fn parse(text: &str) -> Result<Self, Vec<String>> {
        let email = Self::normalize(text);
        if email.is_empty() {
            return Err(vec!["Enter your email address".into()]);
        }
        if email.chars().count() > EMAIL_MAX {
            return Err(vec![format!("Use at most {EMAIL_MAX} characters")]);
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
            Err(vec!["Enter an email address like name@example.com".into()])
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
    pub fn parse(text: &str) -> Result<Self, Vec<String>> {
        parse_label(text, NAME_MAX, "name").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Shared rule for short human-readable labels (names of people and organizations).
pub(crate) fn parse_label(text: &str, max: usize, what: &str) -> Result<String, Vec<String>> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(vec![format!("Enter a {what}")]);
    }
    let mut failures = Vec::new();
    if trimmed.chars().count() > max {
        failures.push(format!("Use at most {max} characters"));
    }
    if trimmed.chars().any(char::is_control) {
        failures.push("Remove line breaks and control characters".to_string());
    }
    if failures.is_empty() {
        Ok(trimmed.to_string())
    } else {
        Err(failures)
    }
}

/// Raw sign-up form input.
#[derive(Debug, Clone)]
pub struct SignUp<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub organization: &'a str,
}

/// Creates an account and its first organization (with the new user as Owner) and signs the
/// user in there. Anyone may call it.
///
/// Errors: `Validation` naming every failing field and rule; `RateLimited` past the client
/// address's sign-ups this hour (`signup_limit_per_hour`); `Busy` when the password hasher's
/// queue is full; `Conflict` on `email` when an account with that email exists.
pub async fn sign_up(
    svc: &Services,
    input: SignUp<'_>,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<SignedIn, Error> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", DisplayName::parse(input.name));
    let email = errors.check("email", EmailAddress::parse(input.email));
    let password = errors.check("password", NewPassword::parse(input.password));
    let org_name = errors.check("organization", OrgName::parse(input.organization));
    let (Some(name), Some(email), Some(password), Some(org_name)) =
        (name, email, password, org_name)
    else {
        return Err(Error::Validation(errors));
    };

    // Counted before the expensive hash; an email that is taken counts too, so sign-up is no
    // cheap way to learn which addresses have accounts.
    let reserved = reserve_new_account(svc, client).await?;
    let password_hash = match svc.hasher.hash(password.password()).await {
        Ok(hash) => hash,
        Err(err) => {
            // Nothing was created: the attempt does not count.
            if let Some(key) = reserved {
                throttle::release(svc.db.pool(), &key).await?;
            }
            return Err(err);
        }
    };
    let signed_in = create(
        svc,
        Opened {
            name,
            email: email.clone(),
            org_name,
            password_hash,
        },
        None,
        client,
        previous_token,
    )
    .await?;
    crate::email_verification::send_link_later(svc, signed_in.user_id, email);
    Ok(signed_in)
}

/// A new account through a sign-in provider: the person's name and organization as at sign-up,
/// the email the provider verified, and no password.
pub(crate) struct NewAccount<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub organization: &'a str,
    pub password_hash: Option<String>,
}

/// Opens an account for a provider's verified identity (linked in the same transaction, and the
/// pending identity with `pending_hash` used up) and signs it in. Counts against the client
/// address's sign-ups like [`sign_up`] (`RateLimited`).
pub(crate) async fn open_account(
    svc: &Services,
    input: NewAccount<'_>,
    identity: Option<(&crate::oauth::store::NewIdentity<'_>, &str)>,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<SignedIn, Error> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", DisplayName::parse(input.name));
    let email = errors.check("email", EmailAddress::parse(input.email));
    let org_name = errors.check("organization", OrgName::parse(input.organization));
    let (Some(name), Some(email), Some(org_name)) = (name, email, org_name) else {
        return Err(Error::Validation(errors));
    };
    reserve_new_account(svc, client).await?;
    let opened = Opened {
        name,
        email,
        org_name,
        password_hash: input.password_hash.unwrap_or_default(),
    };
    create(svc, opened, identity, client, previous_token).await
}

/// Counts a new account against its client address's hourly budget, when the limit is on and
/// the address known; the throttle key reserved. A refusal is tallied, not audited row by row.
async fn reserve_new_account(svc: &Services, client: &ClientInfo) -> Result<Option<String>, Error> {
    let per_hour = svc.config.signup_limit_per_hour;
    let Some(ip) = client.ip.as_deref().filter(|_| per_hour > 0) else {
        return Ok(None);
    };
    let now = svc.clock.now();
    let pool = svc.db.pool();
    let key = format!("signup:{}", throttle::ip_key(ip));
    match throttle::reserve(pool, &key, throttle::sign_ups_per_ip(per_hour), now).await {
        Ok(()) => Ok(Some(key)),
        Err(limited @ Error::RateLimited { .. }) => {
            let this_hour = audit::tally(pool, Action::SignUpThrottled, now).await?;
            tracing::info!(this_hour, "sign-up refused: too many from this address");
            Err(limited)
        }
        Err(other) => Err(other),
    }
}

struct Opened {
    name: DisplayName,
    email: EmailAddress,
    org_name: OrgName,
    /// Empty for an account without a password (it signs in through a provider).
    password_hash: String,
}

async fn create(
    svc: &Services,
    opened: Opened,
    identity: Option<(&crate::oauth::store::NewIdentity<'_>, &str)>,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<SignedIn, Error> {
    let Opened {
        name,
        email,
        org_name,
        password_hash,
    } = opened;
    let now = svc.clock.now();
    let user_id = UserId::random();
    let mut change = Change::begin(svc).await?;
    if let Some((_, pending_hash)) = identity
        && crate::oauth::store::take_pending(change.conn(), pending_hash, now)
            .await?
            .is_none()
    {
        return Err(Error::Gone("This sign-in has expired. Start again.".into()));
    }
    // A provider's verified email proves the mailbox; a typed one does not.
    let verified_at = identity.map(|_| now);
    insert_user(
        change.conn(),
        user_id,
        &email,
        &name,
        password_hash,
        verified_at,
        now,
    )
    .await?;
    let org_id = orgs::create_with_owner(change.conn(), &org_name, user_id, now).await?;
    if let Some(previous) = previous_token {
        sessions::end_replaced(&mut change, previous, client, now).await?;
    }
    let new_session = sessions::NewSession {
        user: user_id,
        org: Some(org_id),
        credential_version: 0,
        auth: crate::admission::SessionAuth {
            via_provider: identity.map(|(identity, _)| identity.provider.to_string()),
            mfa_waived: false,
        },
    };
    let signed_in = sessions::create(change.conn(), svc, new_session, client, now).await?;
    if let Some((identity, _)) = identity {
        crate::oauth::store::insert_identity(change.conn(), identity, user_id, now).await?;
    }
    let event = Event {
        action: Action::SignedUp,
        org: Some(org_id),
        actor: Some(user_id),
        target: Some(format!("user:{user_id}")),
        client,
    };
    audit::record(change.conn(), event, now).await?;
    change.commit().await?;
    tracing::info!(user_id = %user_id, org_id = %org_id, "account created");
    Ok(signed_in)
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
        Err(err) if is_unique_violation(&err) => Err(Error::Conflict {
            field: Some("email"),
            message: "An account with this email already exists. Sign in instead.".into(),
        }),
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
