//! Using a key: the gate every key passes, once per request, before it may act in its
//! organization. From the cache when it holds the key (no query), else one query. Every
//! presented value, well-formed or not, costs the same hash and, when not cached, the same
//! lookup; anything inactive is one answer, `Unauthenticated`.
//!
//! Admitted means: not revoked, not past its expiry (or, for a rotated-out secret, its
//! overlap), and its holder in good standing now, read from the organization's access snapshot
//! on every use: a service account that exists and is active; for a person's key, an active
//! member who can still reach the key's project, not past the MFA policy's grace period, in an
//! organization that does not require signing in through a provider (a key is not a sign-in
//! through it).

use sqlx::FromRow;

use super::secret;
use crate::admission::SecurityPolicy;
use crate::audit::{self, Action as Audited, ActorRef, Event};
use crate::cache::CachedKey;
use crate::clock::Timestamp;
use crate::ids::{self, ApiKeyId, OrgId, ProjectId, ServiceAccountId, UserId};
use crate::vocab::{ClientInfo, KeyActor, KeyHolder};
use crate::{Error, Services};

/// A key's last use is written at most this often.
const USE_RESOLUTION: std::time::Duration = std::time::Duration::from_secs(60);
/// Addresses remembered per cached key.
const ADDRESSES_KEPT: usize = 32;

#[derive(FromRow)]
struct KeyRow {
    id: String,
    org_id: String,
    org_name: String,
    service_account_id: Option<String>,
    account_name: Option<String>,
    user_id: Option<String>,
    user_name: Option<String>,
    project_id: Option<String>,
    expires_at: i64,
    is_current: i64,
    previous_until: Option<i64>,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
    role: Option<String>,
    mfa_enabled_at: Option<i64>,
    enforced_since: Option<i64>,
    policy_roles: Option<String>,
    grace_days: Option<i64>,
    sign_in_provider: Option<String>,
}

/// Authenticates `token` (an `Authorization: Bearer` value) as the key's holder in its
/// organization.
///
/// Errors: `Unauthenticated` for anything not admitted: unknown, malformed, revoked, expired,
/// rotated out, or a holder no longer in good standing.
pub async fn authenticate(
    svc: &Services,
    token: &str,
    client: ClientInfo,
) -> Result<KeyActor, Error> {
    let now = svc.clock.now();
    let hash = secret::hash(token.trim());
    let key = match svc.cache.key(&hash) {
        Some(key) if key.valid_until > now => key,
        cached => {
            if cached.is_some() {
                svc.cache.forget_key(&hash);
            }
            load(svc, &hash, now).await?.ok_or(Error::Unauthenticated)?
        }
    };
    if !in_good_standing(svc, &key, now).await? {
        return Err(Error::Unauthenticated);
    }
    note_use(svc, &hash, &key, &client, now).await?;
    Ok(KeyActor {
        key_id: key.key_id,
        org: key.org,
        org_name: key.org_name,
        holder: key.holder,
        project: key.project,
        expires_at: key.expires_at,
        client,
    })
}

/// Reads the key whose current or previous secret hashes to `hash`, and caches it when it is
/// active now.
pub(super) async fn load(
    svc: &Services,
    hash: &str,
    now: Timestamp,
) -> Result<Option<CachedKey>, Error> {
    let generation = svc.cache.generation();
    let row: Option<KeyRow> = sqlx::query_as(
        "SELECT k.id, k.org_id, o.name AS org_name, k.service_account_id, \
                a.name AS account_name, k.user_id, u.name AS user_name, k.project_id, \
                k.expires_at, CASE WHEN k.secret_hash = $1 THEN 1 ELSE 0 END AS is_current, \
                k.previous_until, k.revoked_at, k.last_used_at, m.role, \
                t.enabled_at AS mfa_enabled_at, p.enforced_since, p.roles AS policy_roles, \
                p.grace_days, p.sign_in_provider \
         FROM api_keys k \
         JOIN organizations o ON o.id = k.org_id \
         LEFT JOIN service_accounts a ON a.id = k.service_account_id \
         LEFT JOIN users u ON u.id = k.user_id \
         LEFT JOIN memberships m ON m.org_id = k.org_id AND m.user_id = k.user_id \
         LEFT JOIN mfa_totp t ON t.user_id = k.user_id \
         LEFT JOIN security_policies p ON p.org_id = k.org_id \
         WHERE k.secret_hash = $1 OR k.previous_hash = $1",
    )
    .bind(hash)
    .fetch_optional(svc.db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if row.revoked_at.is_some() {
        return Ok(None);
    }
    let expires_at = Timestamp::from_millis(row.expires_at);
    let valid_until = if row.is_current == 1 {
        expires_at
    } else {
        expires_at.min(Timestamp::from_millis(row.previous_until.unwrap_or(0)))
    };
    if valid_until <= now {
        return Ok(None);
    }
    let key_id = ids::from_db(&row.id, ApiKeyId::parse)?;
    let holder = match (&row.service_account_id, &row.user_id) {
        (Some(account), _) => KeyHolder::ServiceAccount {
            id: ids::from_db(account, ServiceAccountId::parse)?,
            name: row.account_name.clone().unwrap_or_default(),
        },
        (None, Some(user)) => KeyHolder::Person {
            user_id: ids::from_db(user, UserId::parse)?,
            name: row.user_name.clone().unwrap_or_default(),
        },
        (None, None) => return Err(Error::internal("an API key without a holder")),
    };
    let person = matches!(holder, KeyHolder::Person { .. });
    let policy = SecurityPolicy::from_columns(
        row.enforced_since,
        row.policy_roles.as_deref(),
        row.grace_days,
    );
    let role = row.role.as_deref().and_then(crate::vocab::Role::parse);
    let mfa_deadline = match role {
        Some(role) if person && row.mfa_enabled_at.is_none() => policy.mfa_deadline(role),
        _ => None,
    };
    let addresses: Vec<String> =
        sqlx::query_scalar("SELECT ip FROM api_key_addresses WHERE key_id = $1 LIMIT 32")
            .bind(&row.id)
            .fetch_all(svc.db.pool())
            .await?;
    let key = CachedKey {
        key_id,
        org: ids::from_db(&row.org_id, OrgId::parse)?,
        org_name: row.org_name,
        holder,
        project: row
            .project_id
            .as_deref()
            .map(|p| ids::from_db(p, ProjectId::parse))
            .transpose()?,
        expires_at,
        valid_until,
        mfa_deadline,
        sign_in_restricted: person && row.sign_in_provider.is_some(),
        last_used_at: row.last_used_at.map(Timestamp::from_millis),
        addresses,
    };
    svc.cache
        .insert_key(hash.to_string(), key.clone(), generation);
    Ok(Some(key))
}

/// Whether the key's holder may act now, from the organization's access snapshot.
pub(super) async fn in_good_standing(
    svc: &Services,
    key: &CachedKey,
    now: Timestamp,
) -> Result<bool, Error> {
    let snapshot = crate::projects::access_of(svc, key.org).await?;
    Ok(match &key.holder {
        KeyHolder::ServiceAccount { id, .. } => snapshot
            .service_accounts
            .get(id)
            .is_some_and(|account| !account.deactivated),
        KeyHolder::Person { user_id, .. } => {
            let reaches_project = key
                .project
                .is_some_and(|project| snapshot.access(project, *user_id).is_some());
            reaches_project
                && !key.sign_in_restricted
                && key.mfa_deadline.is_none_or(|deadline| deadline > now)
        }
    })
}

/// Records the key's use: its last use and address at most once a minute, and an audit event
/// the first time it is used from an address.
async fn note_use(
    svc: &Services,
    hash: &str,
    key: &CachedKey,
    client: &ClientInfo,
    now: Timestamp,
) -> Result<(), Error> {
    let pool = svc.db.pool();
    if key
        .last_used_at
        .is_none_or(|last| last.until(now) >= USE_RESOLUTION)
    {
        sqlx::query("UPDATE api_keys SET last_used_at = $1, last_used_ip = $2 WHERE id = $3")
            .bind(now.as_millis())
            .bind(client.ip.clone())
            .bind(key.key_id.to_string())
            .execute(pool)
            .await?;
        svc.cache
            .update_key(hash, |cached| cached.last_used_at = Some(now));
    }
    let Some(ip) = client.ip.as_deref() else {
        return Ok(());
    };
    if key.addresses.iter().any(|known| known == ip) {
        return Ok(());
    }
    let added = sqlx::query(
        "INSERT INTO api_key_addresses (key_id, ip, first_seen_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key_id, ip) DO NOTHING",
    )
    .bind(key.key_id.to_string())
    .bind(ip)
    .bind(now.as_millis())
    .execute(pool)
    .await?;
    if added.rows_affected() == 1 {
        let (actor, by) = match &key.holder {
            KeyHolder::Person { user_id, .. } => (Some(*user_id), ActorRef::User(*user_id)),
            KeyHolder::ServiceAccount { id, .. } => (None, ActorRef::ServiceAccount(*id)),
        };
        let mut conn = pool.acquire().await?;
        let event = Event {
            action: Audited::ApiKeyUsedFromNewAddress,
            org: Some(key.org),
            actor,
            target: Some(format!("api_key:{}", key.key_id)),
            client,
        };
        audit::record_by(&mut conn, event, by, now).await?;
    }
    svc.cache.update_key(hash, |cached| {
        if cached.addresses.len() >= ADDRESSES_KEPT {
            cached.addresses.remove(0);
        }
        cached.addresses.push(ip.to_string());
    });
    Ok(())
}

/// Who a key acts as, for `whoami`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Whoami {
    /// `service_account` or `user`.
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    pub organization: OrgId,
    pub organization_name: String,
    /// A person's key is for this project only.
    pub project: Option<ProjectId>,
    pub key_id: ApiKeyId,
    pub expires_at: Timestamp,
}

/// The key's principal, as `authenticate` admitted it.
pub fn whoami(key: &KeyActor) -> Whoami {
    let (kind, id, name) = match &key.holder {
        KeyHolder::ServiceAccount { id, name } => ("service_account", id.to_string(), name.clone()),
        KeyHolder::Person { user_id, name } => ("user", user_id.to_string(), name.clone()),
    };
    Whoami {
        kind,
        id,
        name,
        organization: key.org,
        organization_name: key.org_name.clone(),
        project: key.project,
        key_id: key.key_id,
        expires_at: key.expires_at,
    }
}
