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
mod change;
mod expiry;
mod introspect;
mod list;
mod secret;

pub use authenticate::{Whoami, authenticate, whoami};
use change::record;
pub use change::{revoke_api_key, rotate_api_key};
pub use expiry::{Swept, sweep};
pub use introspect::{Introspection, introspect_key};
pub use list::list_api_keys;
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
