//! Changing an existing key: rotating its secret and revoking it, and the audit record every key change writes.

use super::*;

/// Issues a new secret for a key; the previous one keeps working for `overlap` (`none`, `1h`,
/// `1d`, `7d`), then stops. The key keeps its expiry. Its owner (a person's own key) or, for a
/// service account's key, an Owner or Admin.
///
/// Errors: `Validation` on `overlap`; `NotFound` for a key of another organization or, to a
/// Member, another person's; `Forbidden` for an Owner or Admin rotating another person's key;
/// `Conflict` for a revoked key; `Gone` for an expired one.
pub async fn rotate_api_key(
    svc: &Services,
    actor: &Actor,
    key_id: &str,
    overlap: &str,
) -> Result<IssuedKey, Error> {
    let overlap = Overlap::parse(overlap)
        .ok_or_else(|| FieldErrors::single("overlap", Problem::UnknownOverlap))?;
    let now = svc.clock.now();
    let (mut change, org, key, expires_at) = begin_key_change(svc, actor, key_id, true).await?;
    let issued = secret::issue(key);
    let previous_until = (overlap != Overlap::None).then(|| now.plus(overlap.duration()));
    sqlx::query(
        "UPDATE api_keys SET previous_hash = CASE WHEN $1 IS NULL THEN NULL ELSE secret_hash END, \
             previous_last_four = last_four, previous_until = $1, \
             secret_hash = $2, last_four = $3, rotated_at = $4 \
         WHERE org_id = $5 AND id = $6",
    )
    .bind(previous_until.map(Timestamp::as_millis))
    .bind(&issued.hash)
    .bind(&issued.last_four)
    .bind(now.as_millis())
    .bind(org.to_string())
    .bind(key.to_string())
    .execute(change.conn())
    .await?;
    let detail = format!(" overlap:{}", overlap.as_str());
    record(
        &mut change,
        actor,
        org,
        Audited::ApiKeyRotated,
        key,
        &detail,
        now,
    )
    .await?;
    change.invalidate(Invalidation::Key(key)).await?;
    change.commit().await?;
    Ok(IssuedKey {
        id: key,
        secret: issued.token,
        expires_at,
    })
}

/// Revokes a key: both its secrets are refused from the next request on every instance. Its
/// owner, or an Owner or Admin.
///
/// Errors: `NotFound` as for [`rotate_api_key`]; `Conflict` when it is revoked already.
pub async fn revoke_api_key(svc: &Services, actor: &Actor, key_id: &str) -> Result<(), Error> {
    let now = svc.clock.now();
    let (mut change, org, key, _) = begin_key_change(svc, actor, key_id, false).await?;
    sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE org_id = $2 AND id = $3")
        .bind(now.as_millis())
        .bind(org.to_string())
        .bind(key.to_string())
        .execute(change.conn())
        .await?;
    record(
        &mut change,
        actor,
        org,
        Audited::ApiKeyRevoked,
        key,
        "",
        now,
    )
    .await?;
    change.invalidate(Invalidation::Key(key)).await?;
    change.commit().await
}

/// Opens a change to a key: the organization locked, the key read under the lock, and the
/// caller allowed (a person's own key; any key for Owners and Admins, but another person's key
/// is rotated only by that person). `rotating` also refuses expired keys. The key's expiry
/// comes back.
async fn begin_key_change<'a>(
    svc: &'a Services,
    actor: &Actor,
    key_id: &str,
    rotating: bool,
) -> Result<(Change<'a>, OrgId, ApiKeyId, Timestamp), Error> {
    let (org, _) = current_org(actor)?;
    let key = ApiKeyId::parse(key_id).ok_or(Error::NotFound)?;
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let role = crate::orgs::lock_as_caller(change.conn(), org, actor.user_id).await?;
    let row: Option<(Option<String>, i64, Option<i64>)> = sqlx::query_as(
        "SELECT user_id, expires_at, revoked_at FROM api_keys WHERE org_id = $1 AND id = $2",
    )
    .bind(org.to_string())
    .bind(key.to_string())
    .fetch_optional(change.conn())
    .await?;
    let (user, expires_at, revoked_at) = row.ok_or(Error::NotFound)?;
    let mine = user.as_deref() == Some(actor.user_id.to_string().as_str());
    if !mine {
        match authz::decide(Some(role), Action::ManageServiceAccounts, None) {
            // A Member learns nothing of other people's keys.
            authz::Decision::Allowed => {}
            _ => return Err(Error::NotFound),
        }
        // Owners and Admins may revoke anyone's key, but a new secret for another person's
        // key would let them act as that person: only its owner rotates it.
        if rotating && user.is_some() {
            return Err(Error::Forbidden(Denial::RotateOthersKey));
        }
    }
    if revoked_at.is_some() {
        return Err(Error::Conflict(Clash::KeyRevoked));
    }
    let expires_at = Timestamp::from_millis(expires_at);
    if rotating && expires_at <= now {
        return Err(Error::Gone(crate::error::Lapse::KeyExpired));
    }
    Ok((change, org, key, expires_at))
}

/// Audits a key change (`api_key:<id>` then `detail`) inside its transaction.
pub(super) async fn record(
    change: &mut Change<'_>,
    actor: &Actor,
    org: OrgId,
    action: Audited,
    key: ApiKeyId,
    detail: &str,
    now: Timestamp,
) -> Result<(), Error> {
    let event = Event::by(action, actor, org, format!("api_key:{key}{detail}"));
    audit::record(change.conn(), event, now).await
}
