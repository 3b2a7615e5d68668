//! The SQL behind sessions. Every statement that ends sessions writes first and returns the
//! ids it ended, so callers can record each one through the single audited path.

use super::*;
use sqlx::AnyPool;

#[derive(sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub user_id: String,
    pub org_id: Option<String>,
    pub last_active_at: i64,
    pub expires_at: i64,
    pub end_reason: Option<String>,
    pub session_version: i64,
    pub user_version: i64,
    pub name: String,
    pub email: String,
    pub email_verified_at: Option<i64>,
    pub role: Option<String>,
    pub org_name: Option<String>,
    pub deactivated_at: Option<i64>,
    pub mfa_enabled_at: Option<i64>,
    pub backup_codes_left: i64,
    pub enforced_since: Option<i64>,
    pub policy_roles: Option<String>,
    pub grace_days: Option<i64>,
    /// The provider the session was started through, and the one the organization requires
    /// (whose own MFA may stand in for Gatehouse's).
    pub via_provider: Option<String>,
    pub mfa_waived: i64,
    pub created_at: i64,
    pub proven_at: Option<i64>,
    pub sign_in_provider: Option<String>,
    pub provider_enforces_mfa: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub struct ListedRow {
    pub id: String,
    pub device: String,
    pub ip: Option<String>,
    pub created_at: i64,
    pub last_active_at: i64,
    pub expires_at: i64,
}

pub struct NewRow {
    pub id: SessionId,
    pub token_hash: String,
    pub user: UserId,
    pub org: Option<OrgId>,
    pub device: String,
    pub credential_version: i64,
    pub auth: SessionAuth,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

pub async fn insert(
    conn: &mut AnyConnection,
    row: &NewRow,
    client: &ClientInfo,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, org_id, user_agent, ip, device, \
         credential_version, created_at, last_active_at, expires_at, via_provider, mfa_waived) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12)",
    )
    .bind(row.id.to_string())
    .bind(row.token_hash.as_str())
    .bind(row.user.to_string())
    .bind(row.org.map(|o| o.to_string()))
    .bind(client.user_agent.clone())
    .bind(client.ip.clone())
    .bind(row.device.as_str())
    .bind(row.credential_version)
    .bind(row.now.as_millis())
    .bind(row.expires_at.as_millis())
    .bind(row.auth.via_provider.as_deref())
    .bind(i64::from(row.auth.mfa_waived))
    .execute(conn)
    .await?;
    Ok(())
}

/// One query: the session, its user, the membership in the session's organization (absent when
/// the membership no longer exists), the user's second factor and the organization's policy.
pub async fn lookup(pool: &AnyPool, token_hash: &str) -> Result<Option<SessionRow>, Error> {
    Ok(sqlx::query_as(
        "SELECT s.id, s.user_id, m.org_id, s.last_active_at, s.expires_at, s.end_reason, \
                s.credential_version AS session_version, \
                u.credential_version AS user_version, \
                u.name, u.email, u.email_verified_at, m.role, o.name AS org_name, m.deactivated_at, \
                t.enabled_at AS mfa_enabled_at, \
                (SELECT COUNT(*) FROM mfa_backup_codes b \
                 WHERE b.user_id = s.user_id AND b.used_at IS NULL) AS backup_codes_left, \
                p.enforced_since, p.roles AS policy_roles, p.grace_days, s.via_provider, s.mfa_waived, s.created_at, s.proven_at, \
                p.sign_in_provider, p.provider_enforces_mfa \
         FROM sessions s \
         JOIN users u ON u.id = s.user_id \
         LEFT JOIN memberships m ON m.org_id = s.org_id AND m.user_id = s.user_id \
         LEFT JOIN organizations o ON o.id = m.org_id \
         LEFT JOIN mfa_totp t ON t.user_id = s.user_id \
         LEFT JOIN security_policies p ON p.org_id = m.org_id \
         WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?)
}

/// Marks the active session with this token hash ended as replaced; its id and owner.
pub async fn end_by_token_hash(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<(SessionId, UserId)>, Error> {
    let row: Option<(String, String)> = sqlx::query_as(
        "UPDATE sessions SET ended_at = $1, end_reason = $2 \
         WHERE token_hash = $3 AND ended_at IS NULL RETURNING id, user_id",
    )
    .bind(now.as_millis())
    .bind(EndReason::Replaced.as_str())
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    row.map(|(id, user)| {
        Ok((
            ids::from_db(&id, SessionId::parse)?,
            ids::from_db(&user, UserId::parse)?,
        ))
    })
    .transpose()
}

/// Ends every active, unexpired session of `user` but `keep`; the ids it ended.
pub async fn end_all_except(
    conn: &mut AnyConnection,
    user: UserId,
    keep: Option<SessionId>,
    reason: EndReason,
    now: Timestamp,
) -> Result<Vec<SessionId>, Error> {
    let ended: Vec<String> = sqlx::query_scalar(
        "UPDATE sessions SET ended_at = $1, end_reason = $2 \
         WHERE user_id = $3 AND ended_at IS NULL AND expires_at > $1 AND id <> $4 \
         RETURNING id",
    )
    .bind(now.as_millis())
    .bind(reason.as_str())
    .bind(user.to_string())
    .bind(keep.map(|id| id.to_string()).unwrap_or_default())
    .fetch_all(conn)
    .await?;
    session_ids(&ended)
}

/// Ends every active, unexpired session of `user` acting in `org`; the ids it ended.
pub async fn end_all_in_org(
    conn: &mut AnyConnection,
    user: UserId,
    org: OrgId,
    reason: EndReason,
    now: Timestamp,
) -> Result<Vec<SessionId>, Error> {
    let ended: Vec<String> = sqlx::query_scalar(
        "UPDATE sessions SET ended_at = $1, end_reason = $2 \
         WHERE user_id = $3 AND org_id = $4 AND ended_at IS NULL AND expires_at > $1 \
         RETURNING id",
    )
    .bind(now.as_millis())
    .bind(reason.as_str())
    .bind(user.to_string())
    .bind(org.to_string())
    .fetch_all(conn)
    .await?;
    session_ids(&ended)
}

fn session_ids(texts: &[String]) -> Result<Vec<SessionId>, Error> {
    texts
        .iter()
        .map(|id| ids::from_db(id, SessionId::parse))
        .collect()
}

/// Ends the user's least recently active sessions beyond the first `keep`.
pub async fn end_surplus(
    conn: &mut AnyConnection,
    user: UserId,
    keep: i64,
    now: Timestamp,
) -> Result<Vec<SessionId>, Error> {
    let ended: Vec<String> = sqlx::query_scalar(
        "UPDATE sessions SET ended_at = $1, end_reason = $2 WHERE id IN ( \
           SELECT id FROM sessions WHERE user_id = $3 AND ended_at IS NULL \
           ORDER BY last_active_at DESC, created_at DESC LIMIT 1000000 OFFSET $4) \
         RETURNING id",
    )
    .bind(now.as_millis())
    .bind(EndReason::Replaced.as_str())
    .bind(user.to_string())
    .bind(keep)
    .fetch_all(conn)
    .await?;
    session_ids(&ended)
}

/// Ends the user's sessions that ran past their expiry without being used again.
pub async fn end_expired(
    conn: &mut AnyConnection,
    user: UserId,
    now: Timestamp,
) -> Result<Vec<SessionId>, Error> {
    let ended: Vec<String> = sqlx::query_scalar(
        "UPDATE sessions SET ended_at = $1, end_reason = $2 \
         WHERE user_id = $3 AND ended_at IS NULL AND expires_at <= $1 RETURNING id",
    )
    .bind(now.as_millis())
    .bind(EndReason::Expired.as_str())
    .bind(user.to_string())
    .fetch_all(conn)
    .await?;
    session_ids(&ended)
}

/// Records activity, unless another request (or instance) did within the last minute.
/// The account's last activity moves with it (it outlives the session).
pub async fn touch(pool: &AnyPool, id: SessionId, now: Timestamp) -> Result<(), Error> {
    let touched = sqlx::query(
        "UPDATE sessions SET last_active_at = $1 WHERE id = $2 AND last_active_at <= $3",
    )
    .bind(now.as_millis())
    .bind(id.to_string())
    .bind(now.minus(ACTIVITY_RESOLUTION).as_millis())
    .execute(pool)
    .await?;
    if touched.rows_affected() > 0 {
        sqlx::query(
            "UPDATE users SET last_active_at = $1 \
             WHERE id = (SELECT user_id FROM sessions WHERE id = $2) \
               AND (last_active_at IS NULL OR last_active_at < $1)",
        )
        .bind(now.as_millis())
        .bind(id.to_string())
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// Marks an active session ended; `false` when it was not an active session of `user`.
pub async fn end(
    conn: &mut AnyConnection,
    user: UserId,
    id: SessionId,
    reason: EndReason,
    now: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE sessions SET ended_at = $1, end_reason = $2 \
         WHERE id = $3 AND user_id = $4 AND ended_at IS NULL",
    )
    .bind(now.as_millis())
    .bind(reason.as_str())
    .bind(id.to_string())
    .bind(user.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Forgets the user's ended and expired sessions once they are past their expiry: by then no
/// browser still holds their cookie.
pub async fn purge_finished(
    conn: &mut AnyConnection,
    user: UserId,
    now: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1 AND ended_at IS NOT NULL AND expires_at <= $2",
    )
    .bind(user.to_string())
    .bind(now.as_millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn active_of_user(
    pool: &AnyPool,
    user: UserId,
    now: Timestamp,
) -> Result<Vec<ListedRow>, Error> {
    Ok(sqlx::query_as(
        "SELECT id, device, ip, created_at, last_active_at, expires_at FROM sessions \
         WHERE user_id = $1 AND ended_at IS NULL AND expires_at > $2 \
         ORDER BY last_active_at DESC LIMIT 500",
    )
    .bind(user.to_string())
    .bind(now.as_millis())
    .fetch_all(pool)
    .await?)
}
