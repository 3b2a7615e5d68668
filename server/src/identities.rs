//! People's identities at sign-in providers, as stored: the flows in flight to a provider, the
//! identities linked to accounts, and the pending ones waiting for a sign-up or a link. The SQL
//! every way of using a provider shares — [`crate::oauth`], opening an account
//! ([`crate::accounts`]) and accepting an invitation ([`crate::invitations`]) — so none of them
//! reaches into another's internals.
//!
//! Flows and pending identities are looked up by the hash of the browser's cookie and used up
//! with a DELETE, so each works once.

use sqlx::{AnyConnection, AnyPool};

/// How an organization's SAML connection is named as a provider: `saml:<organization id>`
/// (see `crate::saml`). Here so every layer that names providers can tell one apart.
pub const SAML_KEY_PREFIX: &str = "saml:";
/// What users see for an organization's SAML connection.
pub const SAML_DISPLAY_NAME: &str = "Single sign-on (SAML)";

use crate::Error;
use crate::clock::Timestamp;
use crate::ids::{self, UserId};

/// Where a trip to a provider may lead back to: a path on this site (never `//host`, `/\host`
/// or anything with control characters or backslashes), else `/`.
pub(crate) fn safe_next_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(|c| c.is_control() || c == '\\') =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

pub struct Flow {
    pub provider: String,
    pub state: String,
    pub nonce: String,
    pub verifier_sealed: String,
    pub next_path: Option<String>,
    pub invitation: Option<String>,
}

pub struct NewFlow<'a> {
    pub id: &'a str,
    pub token_hash: &'a str,
    pub flow: &'a Flow,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

pub async fn insert_flow(pool: &AnyPool, new: NewFlow<'_>) -> Result<(), Error> {
    sqlx::query("DELETE FROM oauth_flows WHERE expires_at <= $1")
        .bind(new.now.as_millis())
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO oauth_flows (id, token_hash, provider, state, nonce, verifier_sealed, \
         next_path, invitation, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(new.id)
    .bind(new.token_hash)
    .bind(new.flow.provider.as_str())
    .bind(new.flow.state.as_str())
    .bind(new.flow.nonce.as_str())
    .bind(new.flow.verifier_sealed.as_str())
    .bind(new.flow.next_path.clone())
    .bind(new.flow.invitation.clone())
    .bind(new.now.as_millis())
    .bind(new.expires_at.as_millis())
    .execute(pool)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct FlowRow(
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// Takes (deletes) the live flow behind this cookie hash: it works once, whatever follows.
pub async fn take_flow(
    pool: &AnyPool,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<(String, Flow)>, Error> {
    let row: Option<FlowRow> = sqlx::query_as(
        "DELETE FROM oauth_flows WHERE token_hash = $1 AND expires_at > $2 \
             RETURNING id, provider, state, nonce, verifier_sealed, next_path, invitation",
    )
    .bind(token_hash)
    .bind(now.as_millis())
    .fetch_optional(pool)
    .await?;
    Ok(row.map(
        |FlowRow(id, provider, state, nonce, verifier_sealed, next_path, invitation)| {
            (
                id,
                Flow {
                    provider,
                    state,
                    nonce,
                    verifier_sealed,
                    next_path,
                    invitation,
                },
            )
        },
    ))
}

/// The account an identity belongs to.
pub async fn user_of(pool: &AnyPool, issuer: &str, subject: &str) -> Result<Option<UserId>, Error> {
    let user: Option<String> =
        sqlx::query_scalar("SELECT user_id FROM identities WHERE issuer = $1 AND subject = $2")
            .bind(issuer)
            .bind(subject)
            .fetch_optional(pool)
            .await?;
    user.map(|u| ids::from_db(&u, UserId::parse)).transpose()
}

pub struct NewIdentity<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub provider: &'a str,
    pub email: &'a str,
}

pub async fn insert_identity(
    conn: &mut AnyConnection,
    identity: &NewIdentity<'_>,
    user: UserId,
    now: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO identities (issuer, subject, provider, user_id, email, created_at, \
         last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(identity.issuer)
    .bind(identity.subject)
    .bind(identity.provider)
    .bind(user.to_string())
    .bind(identity.email)
    .bind(now.as_millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn touch_identity(
    pool: &AnyPool,
    issuer: &str,
    subject: &str,
    now: Timestamp,
) -> Result<(), Error> {
    sqlx::query("UPDATE identities SET last_used_at = $1 WHERE issuer = $2 AND subject = $3")
        .bind(now.as_millis())
        .bind(issuer)
        .bind(subject)
        .execute(pool)
        .await?;
    Ok(())
}

/// A verified identity waiting for its person.
pub struct Pending {
    pub provider: String,
    pub issuer: String,
    pub subject: String,
    pub email: String,
    pub name: String,
    pub existing_user: Option<UserId>,
    pub invitation: Option<String>,
    pub next_path: Option<String>,
}

pub async fn insert_pending(
    pool: &AnyPool,
    token_hash: &str,
    pending: &Pending,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<(), Error> {
    sqlx::query("DELETE FROM pending_identities WHERE expires_at <= $1")
        .bind(now.as_millis())
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO pending_identities (id, token_hash, provider, issuer, subject, email, name, \
         existing_user, invitation, next_path, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(token_hash)
    .bind(pending.provider.as_str())
    .bind(pending.issuer.as_str())
    .bind(pending.subject.as_str())
    .bind(pending.email.as_str())
    .bind(pending.name.as_str())
    .bind(pending.existing_user.map(|u| u.to_string()))
    .bind(pending.invitation.clone())
    .bind(pending.next_path.clone())
    .bind(now.as_millis())
    .bind(expires_at.as_millis())
    .execute(pool)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct PendingRow(
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

const PENDING_COLUMNS: &str =
    "provider, issuer, subject, email, name, existing_user, invitation, next_path";

fn pending_of(row: PendingRow) -> Result<Pending, Error> {
    let PendingRow(provider, issuer, subject, email, name, existing_user, invitation, next_path) =
        row;
    Ok(Pending {
        provider,
        issuer,
        subject,
        email,
        name,
        existing_user: existing_user
            .map(|u| ids::from_db(&u, UserId::parse))
            .transpose()?,
        invitation,
        next_path,
    })
}

pub async fn pending(
    pool: &AnyPool,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<Pending>, Error> {
    let row: Option<PendingRow> = sqlx::query_as(&format!(
        "SELECT {PENDING_COLUMNS} FROM pending_identities WHERE token_hash = $1 AND expires_at > $2"
    ))
    .bind(token_hash)
    .bind(now.as_millis())
    .fetch_optional(pool)
    .await?;
    row.map(pending_of).transpose()
}

/// Uses up a pending identity inside the caller's transaction.
pub async fn take_pending(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<Pending>, Error> {
    let row: Option<PendingRow> = sqlx::query_as(&format!(
        "DELETE FROM pending_identities WHERE token_hash = $1 AND expires_at > $2 \
         RETURNING {PENDING_COLUMNS}"
    ))
    .bind(token_hash)
    .bind(now.as_millis())
    .fetch_optional(conn)
    .await?;
    row.map(pending_of).transpose()
}

/// One linked provider of an account.
#[derive(sqlx::FromRow)]
pub struct IdentityRow {
    pub provider: String,
    pub email: String,
    pub created_at: i64,
}

pub async fn identities_of(pool: &AnyPool, user: UserId) -> Result<Vec<IdentityRow>, Error> {
    Ok(sqlx::query_as(
        "SELECT provider, email, created_at FROM identities WHERE user_id = $1 \
         ORDER BY created_at LIMIT 50",
    )
    .bind(user.to_string())
    .fetch_all(pool)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::safe_next_path;

    #[test]
    fn a_trip_leads_back_only_to_a_path_on_this_site() {
        assert_eq!(
            safe_next_path(Some("/settings/profile?tab=1")),
            "/settings/profile?tab=1"
        );
        for foreign in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "/a\\b",
            "/line\nbreak",
            "relative",
            "",
        ] {
            assert_eq!(safe_next_path(Some(foreign)), "/", "{foreign:?}");
        }
        assert_eq!(safe_next_path(None), "/");
    }
}
