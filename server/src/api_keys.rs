//! API keys: credentials that are not a person's password. A service account's keys (Owners and
//! Admins manage them) act as the account; a person's key for one project (anyone with Use on
//! it) acts as that person on that project and never allows more than they may do now.
//!
//! The secret (`ghk_<key id>_<256 random bits>`) is shown once; only its SHA-256 is stored, and
//! lists show the prefix and last four characters. Every key expires (7, 30, 90 or 365 days,
//! capped by the organization's policy). A rotation issues a new secret for the same key and
//! lets the previous one work for an overlap; a revocation, like a rotation, publishes
//! `Invalidation::Key` so every instance refuses the secret on its next request. Using a key is
//! `authenticate`; `introspect` answers for the services that receive keys.

use crate::audit::{self, Action as Audited, Event};
use crate::authz::{self, Action, current_org, require};
use crate::cache::{Change, Invalidation};
use crate::clock::Timestamp;
use crate::error::{Clash, Denial, FieldErrors, Problem, Subject};
use crate::ids::{self, ApiKeyId, OrgId, ProjectId, ServiceAccountId, UserId};
use crate::vocab::{Actor, Permission};
use crate::{Error, Services};

mod authenticate;
mod expiry;
mod introspect;
mod secret;

pub use authenticate::{Whoami, authenticate, whoami};
pub use expiry::{Swept, sweep};
pub use introspect::{Introspection, introspect_key};
pub use secret::{PREFIX, looks_like_key};

const NAME_MAX: usize = 100;
pub use crate::security_policy::KEY_LIFETIMES_DAYS as LIFETIMES_DAYS;
pub const DEFAULT_LIFETIME_DAYS: i64 = 90;
/// Live keys (not revoked, not expired) a service account may hold.
pub const KEYS_PER_SERVICE_ACCOUNT: i64 = 20;
/// Live keys a person may hold for one project.
pub const KEYS_PER_PERSON_AND_PROJECT: i64 = 10;
/// Keys within this long of their expiry are badged, and their owners told.
pub const EXPIRY_WARNING: std::time::Duration = std::time::Duration::from_secs(7 * 86_400);
const DAY: std::time::Duration = std::time::Duration::from_secs(86_400);

/// How long a rotated-out secret keeps working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlap {
    None,
    Hour,
    Day,
    Week,
}

impl Overlap {
    pub const ALL: [Overlap; 4] = [Overlap::None, Overlap::Hour, Overlap::Day, Overlap::Week];

    /// The form value: `none`, `1h`, `1d`, `7d`.
    pub fn as_str(self) -> &'static str {
        match self {
            Overlap::None => "none",
            Overlap::Hour => "1h",
            Overlap::Day => "1d",
            Overlap::Week => "7d",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text.trim())
    }

    fn duration(self) -> std::time::Duration {
        match self {
            Overlap::None => std::time::Duration::ZERO,
            Overlap::Hour => std::time::Duration::from_secs(3600),
            Overlap::Day => DAY,
            Overlap::Week => DAY * 7,
        }
    }
}

/// A key just created or rotated: its secret, shown this once.
pub struct IssuedKey {
    pub id: ApiKeyId,
    /// The whole key, `ghk_…`. Never stored, never logged.
    pub secret: String,
    pub expires_at: Timestamp,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Whose a key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOwner {
    ServiceAccount {
        id: ServiceAccountId,
        name: String,
    },
    /// A person's key for one project.
    Person {
        user_id: UserId,
        name: String,
        project_id: ProjectId,
        project_name: String,
    },
}

/// Where a key stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    Active,
    /// Active, and expiring within [`EXPIRY_WARNING`].
    ExpiringSoon,
    Expired,
    Revoked,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::ExpiringSoon => "expiring_soon",
            KeyStatus::Expired => "expired",
            KeyStatus::Revoked => "revoked",
        }
    }
}

/// A key as lists show it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: String,
    pub owner: KeyOwner,
    /// `ghk_…` and the last four characters of the current secret.
    pub hint: String,
    pub status: KeyStatus,
    pub created_at: Timestamp,
    pub created_by: Option<String>,
    pub expires_at: Timestamp,
    pub rotated_at: Option<Timestamp>,
    /// While a rotation's overlap lasts: until when the previous secret still works.
    pub previous_valid_until: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub last_used_ip: Option<String>,
    /// Whether the caller may rotate and revoke it.
    pub can_manage: bool,
}

/// A key's name: trimmed, 1–100 characters, no control characters.
fn parse_name(text: &str) -> Result<String, Vec<Problem>> {
    crate::users::parse_label(text, NAME_MAX, Subject::KeyName)
}

/// `expires_in_days`: one of [`LIFETIMES_DAYS`] (the default when empty).
fn parse_lifetime(text: &str) -> Result<i64, Vec<Problem>> {
    match text.trim() {
        "" => Ok(DEFAULT_LIFETIME_DAYS),
        days => days
            .parse::<i64>()
            .ok()
            .filter(|d| LIFETIMES_DAYS.contains(d))
            .ok_or_else(|| vec![Problem::UnknownKeyLifetime]),
    }
}

/// What a new key is for: a service account, or the caller on one project.
enum For {
    ServiceAccount(ServiceAccountId),
    Project(ProjectId),
}

/// Creates a key named `name` that expires in `expires_in_days` (default 90) for the service
/// account `service_account_id` (Owners and Admins) or, with `project_id`, for the caller on
/// that project (needs Use on it). The answer carries the secret, this once.
///
/// Errors: `Validation` on `name`, `expires_in_days` (not 7, 30, 90 or 365, or over the
/// organization's maximum), `service_account_id` (neither or both given), or when the account
/// or person holds as many live keys as it may; `NotFound` for an account or project of another
/// organization or one the caller cannot see; `Forbidden` for a Member creating a service
/// account's key or a person without Use on the project; `Conflict` for a deactivated service
/// account or an archived project.
pub async fn create_api_key(
    svc: &Services,
    actor: &Actor,
    name: &str,
    expires_in_days: &str,
    service_account_id: Option<&str>,
    project_id: Option<&str>,
) -> Result<IssuedKey, Error> {
    let (org, _) = current_org(actor)?;
    let mut errors = FieldErrors::default();
    let name = errors.check("name", parse_name(name));
    let days = errors.check("expires_in_days", parse_lifetime(expires_in_days));
    let target = match (given(service_account_id), given(project_id)) {
        (Some(id), None) => {
            For::ServiceAccount(ServiceAccountId::parse(id).ok_or(Error::NotFound)?)
        }
        (None, Some(id)) => For::Project(ProjectId::parse(id).ok_or(Error::NotFound)?),
        _ => {
            errors.add(
                "service_account_id",
                Problem::Required(Subject::ServiceAccount),
            );
            return Err(Error::Validation(errors));
        }
    };
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let role = crate::orgs::lock_as_caller(change.conn(), org, actor.user_id).await?;
    match target {
        For::ServiceAccount(account) => {
            require(authz::decide(
                Some(role),
                Action::ManageServiceAccounts,
                None,
            ))?;
            let deactivated: Option<Option<i64>> = sqlx::query_scalar(
                "SELECT deactivated_at FROM service_accounts WHERE org_id = $1 AND id = $2",
            )
            .bind(org.to_string())
            .bind(account.to_string())
            .fetch_optional(change.conn())
            .await?;
            match deactivated {
                None => return Err(Error::NotFound),
                Some(Some(_)) => return Err(Error::Conflict(Clash::ServiceAccountDeactivated)),
                Some(None) => {}
            }
        }
        For::Project(project) => {
            let access = crate::projects::paths_of(change.conn(), project, actor.user_id).await?;
            let archived: Option<Option<i64>> = sqlx::query_scalar(
                "SELECT archived_at FROM projects WHERE org_id = $1 AND id = $2",
            )
            .bind(org.to_string())
            .bind(project.to_string())
            .fetch_optional(change.conn())
            .await?;
            let archived = archived.ok_or(Error::NotFound)?;
            let effective = authz::effective(Some(role), false, access).ok_or(Error::NotFound)?;
            if !authz::allows(effective.role, Permission::Use) {
                return Err(Error::Forbidden(Denial::KeyNeedsUse));
            }
            if archived.is_some() {
                return Err(Error::Conflict(Clash::ProjectArchived));
            }
        }
    }
    let (Some(name), Some(days)) = (name, days) else {
        return Err(Error::Validation(errors));
    };
    let max_days = crate::security_policy::max_key_days_of(change.conn(), org).await?;
    if days > max_days {
        return Err(FieldErrors::single(
            "expires_in_days",
            Problem::KeyLifetimeOverPolicy { max_days },
        ));
    }
    let (live, max) = live_keys(&mut change, org, &target, actor.user_id, now).await?;
    if live >= max {
        return Err(FieldErrors::single("name", Problem::TooManyKeys { max }));
    }
    let id = ApiKeyId::random();
    let issued = secret::issue(id);
    let expires_at = now.plus(DAY * u32::try_from(days).unwrap_or(365));
    let (account, user, project) = match target {
        For::ServiceAccount(account) => (Some(account.to_string()), None, None),
        For::Project(project) => (
            None,
            Some(actor.user_id.to_string()),
            Some(project.to_string()),
        ),
    };
    sqlx::query(
        "INSERT INTO api_keys (id, org_id, service_account_id, user_id, project_id, name, \
             last_four, secret_hash, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(account)
    .bind(user)
    .bind(project)
    .bind(&name)
    .bind(&issued.last_four)
    .bind(&issued.hash)
    .bind(actor.user_id.to_string())
    .bind(now.as_millis())
    .bind(expires_at.as_millis())
    .execute(change.conn())
    .await?;
    let detail = format!(" expires_in_days:{days}");
    record(
        &mut change,
        actor,
        org,
        Audited::ApiKeyCreated,
        id,
        &detail,
        now,
    )
    .await?;
    change.commit().await?;
    Ok(IssuedKey {
        id,
        secret: issued.token,
        expires_at,
    })
}

/// How many live keys the new key's owner holds, and how many it may.
async fn live_keys(
    change: &mut Change<'_>,
    org: OrgId,
    target: &For,
    user: UserId,
    now: Timestamp,
) -> Result<(i64, i64), Error> {
    let live = "revoked_at IS NULL AND expires_at > $1 AND org_id = $2";
    let (count, max) = match target {
        For::ServiceAccount(account) => (
            sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM api_keys WHERE {live} AND service_account_id = $3"
            ))
            .bind(now.as_millis())
            .bind(org.to_string())
            .bind(account.to_string())
            .fetch_one(change.conn())
            .await?,
            KEYS_PER_SERVICE_ACCOUNT,
        ),
        For::Project(project) => (
            sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM api_keys WHERE {live} AND user_id = $3 AND project_id = $4"
            ))
            .bind(now.as_millis())
            .bind(org.to_string())
            .bind(user.to_string())
            .bind(project.to_string())
            .fetch_one(change.conn())
            .await?,
            KEYS_PER_PERSON_AND_PROJECT,
        ),
    };
    Ok((count, max))
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: String,
    service_account_id: Option<String>,
    user_id: Option<String>,
    project_id: Option<String>,
    name: String,
    last_four: String,
    account_name: Option<String>,
    user_name: Option<String>,
    project_name: Option<String>,
    created_at: i64,
    created_by: Option<String>,
    expires_at: i64,
    rotated_at: Option<i64>,
    previous_until: Option<i64>,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
    last_used_ip: Option<String>,
}

/// An optional id field: absent when empty.
fn given(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// Keys of the caller's organization, newest first: with `service_account_id`, that account's
/// (Owners and Admins); with `project_id`, the personal keys for that project; with neither,
/// every key for Owners and Admins and their own personal keys for Members. A Member sees only
/// their own keys.
///
/// Errors: `NotFound` for an account or project of another organization; `Forbidden` for a
/// Member asking for a service account's keys.
pub async fn list_api_keys(
    svc: &Services,
    actor: &Actor,
    project_id: Option<&str>,
    service_account_id: Option<&str>,
) -> Result<Vec<ApiKey>, Error> {
    let (org, role) = current_org(actor)?;
    let manager = role.manages();
    let account = match given(service_account_id) {
        Some(id) => {
            require(authz::decide(
                Some(role),
                Action::ManageServiceAccounts,
                None,
            ))?;
            Some(ServiceAccountId::parse(id).ok_or(Error::NotFound)?)
        }
        None => None,
    };
    let project = match given(project_id) {
        Some(id) => Some(ProjectId::parse(id).ok_or(Error::NotFound)?),
        None => None,
    };
    let rows: Vec<KeyRow> = sqlx::query_as(
        "SELECT k.id, k.service_account_id, k.user_id, k.project_id, k.name, k.last_four, \
                a.name AS account_name, u.name AS user_name, p.name AS project_name, \
                k.created_at, cb.name AS created_by, k.expires_at, k.rotated_at, k.previous_until, k.revoked_at, \
                k.last_used_at, k.last_used_ip \
         FROM api_keys k \
         LEFT JOIN service_accounts a ON a.id = k.service_account_id \
         LEFT JOIN users u ON u.id = k.user_id \
         LEFT JOIN projects p ON p.id = k.project_id \
         LEFT JOIN users cb ON cb.id = k.created_by \
         WHERE k.org_id = $1 \
           AND ($2 = '' OR k.service_account_id = $2) \
           AND ($3 = '' OR k.project_id = $3) \
           AND ($4 = 1 OR k.user_id = $5) \
         ORDER BY k.created_at DESC, k.id LIMIT 1000",
    )
    .bind(org.to_string())
    .bind(account.map(|a| a.to_string()).unwrap_or_default())
    .bind(project.map(|p| p.to_string()).unwrap_or_default())
    .bind(i64::from(manager))
    .bind(actor.user_id.to_string())
    .fetch_all(svc.db.pool())
    .await?;
    if rows.is_empty() {
        // An id of another organization answers as one that does not exist.
        existing_scope(svc, org, account, project).await?;
    }
    let now = svc.clock.now();
    rows.into_iter()
        .map(|row| key_of(row, now, actor.user_id, manager))
        .collect()
}

/// "Not found" for an account or project that is not the organization's.
async fn existing_scope(
    svc: &Services,
    org: OrgId,
    account: Option<ServiceAccountId>,
    project: Option<ProjectId>,
) -> Result<(), Error> {
    let pool = svc.db.pool();
    if let Some(account) = account {
        let found: Option<String> =
            sqlx::query_scalar("SELECT id FROM service_accounts WHERE org_id = $1 AND id = $2")
                .bind(org.to_string())
                .bind(account.to_string())
                .fetch_optional(pool)
                .await?;
        found.ok_or(Error::NotFound)?;
    }
    if let Some(project) = project {
        let found: Option<String> =
            sqlx::query_scalar("SELECT id FROM projects WHERE org_id = $1 AND id = $2")
                .bind(org.to_string())
                .bind(project.to_string())
                .fetch_optional(pool)
                .await?;
        found.ok_or(Error::NotFound)?;
    }
    Ok(())
}

fn key_of(row: KeyRow, now: Timestamp, caller: UserId, manager: bool) -> Result<ApiKey, Error> {
    let KeyRow {
        id,
        service_account_id,
        user_id,
        project_id,
        name,
        last_four,
        account_name,
        user_name,
        project_name,
        created_at,
        created_by,
        expires_at,
        rotated_at,
        previous_until,
        revoked_at,
        last_used_at,
        last_used_ip,
    } = row;
    let owner = match (service_account_id, user_id, project_id) {
        (Some(account), _, _) => KeyOwner::ServiceAccount {
            id: ids::from_db(&account, ServiceAccountId::parse)?,
            name: account_name.unwrap_or_default(),
        },
        (None, Some(user), Some(project)) => KeyOwner::Person {
            user_id: ids::from_db(&user, UserId::parse)?,
            name: user_name.unwrap_or_default(),
            project_id: ids::from_db(&project, ProjectId::parse)?,
            project_name: project_name.unwrap_or_default(),
        },
        _ => return Err(Error::internal("an API key without an owner")),
    };
    let expires_at = Timestamp::from_millis(expires_at);
    let status = if revoked_at.is_some() {
        KeyStatus::Revoked
    } else if expires_at <= now {
        KeyStatus::Expired
    } else if now.until(expires_at) <= EXPIRY_WARNING {
        KeyStatus::ExpiringSoon
    } else {
        KeyStatus::Active
    };
    let mine = matches!(owner, KeyOwner::Person { user_id, .. } if user_id == caller);
    let previous_valid_until = previous_until
        .map(Timestamp::from_millis)
        .filter(|until| *until > now && revoked_at.is_none());
    Ok(ApiKey {
        id: ids::from_db(&id, ApiKeyId::parse)?,
        name,
        hint: format!("{PREFIX}…{last_four}"),
        status,
        created_at: Timestamp::from_millis(created_at),
        created_by,
        expires_at,
        rotated_at: rotated_at.map(Timestamp::from_millis),
        previous_valid_until,
        revoked_at: revoked_at.map(Timestamp::from_millis),
        last_used_at: last_used_at.map(Timestamp::from_millis),
        last_used_ip,
        can_manage: mine || manager,
        owner,
    })
}

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
async fn record(
    change: &mut Change<'_>,
    actor: &Actor,
    org: OrgId,
    action: Audited,
    key: ApiKeyId,
    detail: &str,
    now: Timestamp,
) -> Result<(), Error> {
    let event = Event {
        action,
        org: Some(org),
        actor: Some(actor.user_id),
        target: Some(format!("api_key:{key}{detail}")),
        client: &actor.client,
    };
    audit::record(change.conn(), event, now).await
}
