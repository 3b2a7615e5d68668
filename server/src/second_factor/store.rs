//! The SQL behind second factors. Accepting a time step and using a backup code are each one
//! conditional UPDATE, so two requests racing with the same code cannot both succeed.

use sqlx::{AnyConnection, AnyPool};

use crate::Error;
use crate::clock::Timestamp;
use crate::ids::{self, ChallengeId, UserId};

/// An account's authenticator row.
#[derive(sqlx::FromRow)]
pub struct TotpRow {
    pub secret_sealed: String,
    pub created_at: i64,
    pub confirmed_at: Option<i64>,
    pub enabled_at: Option<i64>,
}

pub async fn totp_of(conn: &mut AnyConnection, user: UserId) -> Result<Option<TotpRow>, Error> {
    Ok(sqlx::query_as(
        "SELECT secret_sealed, created_at, confirmed_at, enabled_at FROM mfa_totp \
         WHERE user_id = $1",
    )
    .bind(user.to_string())
    .fetch_optional(conn)
    .await?)
}

pub async fn is_enabled<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user: UserId,
) -> Result<bool, Error> {
    let enabled: Option<i64> = sqlx::query_scalar(
        "SELECT enabled_at FROM mfa_totp WHERE user_id = $1 AND enabled_at IS NOT NULL",
    )
    .bind(user.to_string())
    .fetch_optional(db)
    .await?;
    Ok(enabled.is_some())
}

/// Starts (or restarts) an enrollment: any unfinished one and its codes are replaced. Does
/// nothing and returns `false` when MFA is already on.
pub async fn begin_enrollment(
    conn: &mut AnyConnection,
    user: UserId,
    sealed: &str,
    now: Timestamp,
) -> Result<bool, Error> {
    let replaced = sqlx::query(
        "UPDATE mfa_totp SET secret_sealed = $1, created_at = $2, confirmed_at = NULL, \
         last_step = NULL WHERE user_id = $3 AND enabled_at IS NULL",
    )
    .bind(sealed)
    .bind(now.as_millis())
    .bind(user.to_string())
    .execute(&mut *conn)
    .await?;
    if replaced.rows_affected() == 0 {
        let inserted = sqlx::query(
            "INSERT INTO mfa_totp (user_id, secret_sealed, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(user.to_string())
        .bind(sealed)
        .bind(now.as_millis())
        .execute(&mut *conn)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(false);
        }
    }
    delete_backup_codes(conn, user).await?;
    Ok(true)
}

/// Records `step` as used, if it is later than every step used before. `enabled` selects the
/// active authenticator or the one being enrolled. `false`: a replay (or no such row).
pub async fn accept_step(
    conn: &mut AnyConnection,
    user: UserId,
    step: i64,
    enabled: bool,
) -> Result<bool, Error> {
    let state = if enabled {
        "enabled_at IS NOT NULL"
    } else {
        "enabled_at IS NULL"
    };
    let done = sqlx::query(&format!(
        "UPDATE mfa_totp SET last_step = $1 \
         WHERE user_id = $2 AND {state} AND (last_step IS NULL OR last_step < $1)"
    ))
    .bind(step)
    .bind(user.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn mark_confirmed(
    conn: &mut AnyConnection,
    user: UserId,
    now: Timestamp,
) -> Result<(), Error> {
    sqlx::query("UPDATE mfa_totp SET confirmed_at = $1 WHERE user_id = $2 AND enabled_at IS NULL")
        .bind(now.as_millis())
        .bind(user.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Turns a confirmed enrollment on; `false` when there is none (or MFA is already on).
pub async fn enable(conn: &mut AnyConnection, user: UserId, now: Timestamp) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE mfa_totp SET enabled_at = $1 \
         WHERE user_id = $2 AND enabled_at IS NULL AND confirmed_at IS NOT NULL",
    )
    .bind(now.as_millis())
    .bind(user.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes the authenticator, its backup codes, any sign-in waiting for them and the count of
/// wrong codes (so an administrator's reset lifts a lock); `true` when MFA was on.
pub async fn remove_all(conn: &mut AnyConnection, user: UserId) -> Result<bool, Error> {
    let was_on: Option<i64> =
        sqlx::query_scalar("DELETE FROM mfa_totp WHERE user_id = $1 RETURNING enabled_at")
            .bind(user.to_string())
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
    delete_backup_codes(conn, user).await?;
    sqlx::query("DELETE FROM mfa_challenges WHERE user_id = $1")
        .bind(user.to_string())
        .execute(&mut *conn)
        .await?;
    super::guesses::clear(conn, user).await?;
    Ok(was_on.is_some())
}

pub async fn delete_backup_codes(conn: &mut AnyConnection, user: UserId) -> Result<(), Error> {
    sqlx::query("DELETE FROM mfa_backup_codes WHERE user_id = $1")
        .bind(user.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_backup_codes(
    conn: &mut AnyConnection,
    user: UserId,
    hashes: &[String],
) -> Result<(), Error> {
    for hash in hashes {
        sqlx::query("INSERT INTO mfa_backup_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user.to_string())
            .bind(hash.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Marks an unused backup code of an account with MFA on as used; `false` when there is none.
pub async fn use_backup_code(
    conn: &mut AnyConnection,
    user: UserId,
    hash: &str,
    now: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE mfa_backup_codes SET used_at = $1 \
         WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL \
           AND EXISTS (SELECT 1 FROM mfa_totp t WHERE t.user_id = $2 AND t.enabled_at IS NOT NULL)",
    )
    .bind(now.as_millis())
    .bind(user.to_string())
    .bind(hash)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn unused_backup_codes(conn: &mut AnyConnection, user: UserId) -> Result<i64, Error> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM mfa_backup_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user.to_string())
    .fetch_one(conn)
    .await?)
}

/// A sign-in waiting for its second step.
pub struct Challenge {
    pub id: ChallengeId,
    pub user: UserId,
    pub org: Option<String>,
    pub via_provider: Option<String>,
    pub credential_version: i64,
}

pub struct NewChallenge<'a> {
    pub token_hash: &'a str,
    pub user: UserId,
    pub org: Option<&'a str>,
    pub via_provider: Option<&'a str>,
    pub credential_version: i64,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

/// Stores a challenge; the user's expired ones go on the way.
pub async fn insert_challenge(pool: &AnyPool, new: NewChallenge<'_>) -> Result<(), Error> {
    sqlx::query("DELETE FROM mfa_challenges WHERE user_id = $1 AND expires_at <= $2")
        .bind(new.user.to_string())
        .bind(new.now.as_millis())
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO mfa_challenges (id, token_hash, user_id, org_id, credential_version, \
         created_at, expires_at, via_provider) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(ChallengeId::random().to_string())
    .bind(new.token_hash)
    .bind(new.user.to_string())
    .bind(new.org)
    .bind(new.credential_version)
    .bind(new.now.as_millis())
    .bind(new.expires_at.as_millis())
    .bind(new.via_provider)
    .execute(pool)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ChallengeRow(String, String, Option<String>, i64, Option<String>);

/// The live challenge with this token hash, if any: unexpired, and signed in with the account's
/// current password (a password changed meanwhile ends it).
pub async fn live_challenge(
    pool: &AnyPool,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<Challenge>, Error> {
    let row: Option<ChallengeRow> = sqlx::query_as(
        "SELECT c.id, c.user_id, c.org_id, c.credential_version, c.via_provider \
         FROM mfa_challenges c \
         JOIN users u ON u.id = c.user_id AND u.credential_version = c.credential_version \
         WHERE c.token_hash = $1 AND c.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now.as_millis())
    .fetch_optional(pool)
    .await?;
    row.map(
        |ChallengeRow(id, user, org, credential_version, via_provider)| {
            Ok(Challenge {
                id: ids::from_db(&id, ChallengeId::parse)?,
                user: ids::from_db(&user, UserId::parse)?,
                org,
                via_provider,
                credential_version,
            })
        },
    )
    .transpose()
}

/// Uses up a challenge; `false` when another request already did.
pub async fn consume_challenge(conn: &mut AnyConnection, id: ChallengeId) -> Result<bool, Error> {
    let done = sqlx::query("DELETE FROM mfa_challenges WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
