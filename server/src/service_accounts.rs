//! Service accounts: non-human members of an organization for pipelines and other automated
//! systems. They hold project roles like a person (given on the project's Members tab,
//! `projects::service_accounts`), never an organization role above Member, never sign in to the
//! web app, and authenticate with API keys (`api_keys`). Owners and Admins manage them.
//!
//! Every query is scoped by the caller's organization; another organization's account is "not
//! found". Every change locks the organization, is audited and publishes
//! `Invalidation::Access`: a deactivated or deleted account's keys are refused on the next
//! request on every instance (a key's use reads the account from the access snapshot).

use crate::audit::{self, Action as Audited, Event};
use crate::authz::{self, Action, current_org, require};
use crate::cache::{Change, Invalidation};
use crate::clock::Timestamp;
use crate::error::{Clash, FieldErrors, Problem, Subject, is_unique_violation};
use crate::ids::{self, OrgId, ProjectId, ServiceAccountId};
use crate::vocab::{Actor, ProjectRole};
use crate::{Error, Services};

const NAME_MAX: usize = 100;
/// An organization may hold this many service accounts.
pub const SERVICE_ACCOUNTS_MAX: i64 = 500;

/// A service account's name: trimmed, 1–100 characters, no control characters.
fn parse_name(text: &str) -> Result<String, Vec<Problem>> {
    crate::users::parse_label(text, NAME_MAX, Subject::ServiceAccountName)
}

/// A service account as the Service accounts screen lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccount {
    pub id: ServiceAccountId,
    pub name: String,
    pub description: String,
    pub deactivated: bool,
    pub created_at: Timestamp,
    /// Who created it, while their account exists.
    pub created_by: Option<String>,
    /// The projects it holds a role on, by name.
    pub projects: Vec<ServiceAccountProject>,
    /// Its keys that are neither revoked nor expired.
    pub key_count: i64,
    /// When any of its keys was last used.
    pub last_used_at: Option<Timestamp>,
}

/// A project a service account holds a role on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccountProject {
    pub project_id: ProjectId,
    pub name: String,
    pub role: ProjectRole,
}

type AccountRow = (
    String,
    String,
    String,
    Option<i64>,
    i64,
    Option<String>,
    i64,
    Option<i64>,
);

/// The organization's service accounts by name, each with its projects, live keys and last
/// use. Owners and Admins only.
///
/// Errors: `Forbidden` for Members.
pub async fn list_service_accounts(
    svc: &Services,
    actor: &Actor,
) -> Result<Vec<ServiceAccount>, Error> {
    let (org, role) = current_org(actor)?;
    require(authz::decide(
        Some(role),
        Action::ManageServiceAccounts,
        None,
    ))?;
    let rows: Vec<AccountRow> = sqlx::query_as(
        "SELECT a.id, a.name, a.description, a.deactivated_at, a.created_at, u.name, \
                (SELECT COUNT(*) FROM api_keys k WHERE k.service_account_id = a.id \
                   AND k.revoked_at IS NULL AND k.expires_at > $2), \
                (SELECT MAX(k.last_used_at) FROM api_keys k WHERE k.service_account_id = a.id) \
         FROM service_accounts a LEFT JOIN users u ON u.id = a.created_by \
         WHERE a.org_id = $1 ORDER BY a.name_key, a.id",
    )
    .bind(org.to_string())
    .bind(svc.clock.now().as_millis())
    .fetch_all(svc.db.pool())
    .await?;
    let snapshot = crate::projects::access_of(svc, org).await?;
    rows.into_iter()
        .map(|row| {
            let (id, name, description, deactivated, created_at, created_by, keys, used) = row;
            let id = ids::from_db(&id, ServiceAccountId::parse)?;
            let mut projects: Vec<ServiceAccountProject> = snapshot
                .grants_by_service_account
                .get(&id)
                .into_iter()
                .flatten()
                .filter_map(|&(project_id, role)| {
                    let project = snapshot.projects.get(&project_id)?;
                    Some(ServiceAccountProject {
                        project_id,
                        name: project.name.clone(),
                        role,
                    })
                })
                .collect();
            projects.sort_by_cached_key(|p| (p.name.to_lowercase(), p.project_id));
            Ok(ServiceAccount {
                id,
                name,
                description,
                deactivated: deactivated.is_some(),
                created_at: Timestamp::from_millis(created_at),
                created_by,
                projects,
                key_count: keys,
                last_used_at: used.map(Timestamp::from_millis),
            })
        })
        .collect()
}

/// Creates a service account. Owners and Admins only.
///
/// Errors: `Validation` on `name` (also when the organization holds as many as it may) or
/// `description`; `Conflict` when another account has the name; `Forbidden` for Members.
pub async fn create_service_account(
    svc: &Services,
    actor: &Actor,
    name: &str,
    description: &str,
) -> Result<ServiceAccountId, Error> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", parse_name(name));
    let description = errors.check(
        "description",
        crate::projects::parse_description(description),
    );
    let now = svc.clock.now();
    let (mut change, org) = begin(svc, actor).await?;
    let (Some(name), Some(description)) = (name, description) else {
        return Err(Error::Validation(errors));
    };
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM service_accounts WHERE org_id = $1")
        .bind(org.to_string())
        .fetch_one(change.conn())
        .await?;
    if count >= SERVICE_ACCOUNTS_MAX {
        return Err(FieldErrors::single(
            "name",
            Problem::TooManyServiceAccounts {
                max: SERVICE_ACCOUNTS_MAX,
            },
        ));
    }
    let id = ServiceAccountId::random();
    let inserted = sqlx::query(
        "INSERT INTO service_accounts \
             (id, org_id, name, name_key, description, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(&name)
    .bind(name.to_lowercase())
    .bind(&description)
    .bind(actor.user_id.to_string())
    .bind(now.as_millis())
    .execute(change.conn())
    .await;
    name_clash(inserted)?;
    finish(change, actor, org, Audited::ServiceAccountCreated, id, now).await?;
    Ok(id)
}

/// Renames a service account and sets its description. Owners and Admins only.
///
/// Errors: as [`create_service_account`], plus `NotFound`.
pub async fn update_service_account(
    svc: &Services,
    actor: &Actor,
    service_account_id: &str,
    name: &str,
    description: &str,
) -> Result<(), Error> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", parse_name(name));
    let description = errors.check(
        "description",
        crate::projects::parse_description(description),
    );
    let now = svc.clock.now();
    let (mut change, org) = begin(svc, actor).await?;
    let account = existing(&mut change, org, service_account_id).await?;
    let (Some(name), Some(description)) = (name, description) else {
        return Err(Error::Validation(errors));
    };
    let updated = sqlx::query(
        "UPDATE service_accounts SET name = $1, name_key = $2, description = $3 \
         WHERE org_id = $4 AND id = $5",
    )
    .bind(&name)
    .bind(name.to_lowercase())
    .bind(&description)
    .bind(org.to_string())
    .bind(account.to_string())
    .execute(change.conn())
    .await;
    name_clash(updated)?;
    finish(
        change,
        actor,
        org,
        Audited::ServiceAccountUpdated,
        account,
        now,
    )
    .await
}

/// Deactivates a service account: its keys are refused from the next request on every
/// instance, and its project roles wait for reactivation. Owners and Admins only.
///
/// Errors: `NotFound`; `Conflict` when it is deactivated already; `Forbidden` for Members.
pub async fn deactivate_service_account(
    svc: &Services,
    actor: &Actor,
    service_account_id: &str,
) -> Result<(), Error> {
    set_deactivated(svc, actor, service_account_id, true).await
}

/// Reactivates a service account: its keys that have not expired or been revoked work again.
///
/// Errors: `NotFound`; `Conflict` when it is not deactivated; `Forbidden` for Members.
pub async fn reactivate_service_account(
    svc: &Services,
    actor: &Actor,
    service_account_id: &str,
) -> Result<(), Error> {
    set_deactivated(svc, actor, service_account_id, false).await
}

async fn set_deactivated(
    svc: &Services,
    actor: &Actor,
    service_account_id: &str,
    deactivate: bool,
) -> Result<(), Error> {
    let now = svc.clock.now();
    let (mut change, org) = begin(svc, actor).await?;
    let account = existing(&mut change, org, service_account_id).await?;
    let (sql, clash, action) = if deactivate {
        (
            "UPDATE service_accounts SET deactivated_at = $1 \
             WHERE org_id = $2 AND id = $3 AND deactivated_at IS NULL",
            Clash::ServiceAccountDeactivated,
            Audited::ServiceAccountDeactivated,
        )
    } else {
        (
            "UPDATE service_accounts SET deactivated_at = $1 \
             WHERE org_id = $2 AND id = $3 AND deactivated_at IS NOT NULL",
            Clash::ServiceAccountActive,
            Audited::ServiceAccountReactivated,
        )
    };
    let changed = sqlx::query(sql)
        .bind(deactivate.then_some(now.as_millis()))
        .bind(org.to_string())
        .bind(account.to_string())
        .execute(change.conn())
        .await?;
    if changed.rows_affected() == 0 {
        return Err(Error::Conflict(clash));
    }
    finish(change, actor, org, action, account, now).await
}

/// Deletes a service account with its keys and project roles. Owners and Admins only.
///
/// Errors: `NotFound`; `Forbidden` for Members.
pub async fn delete_service_account(
    svc: &Services,
    actor: &Actor,
    service_account_id: &str,
) -> Result<(), Error> {
    let now = svc.clock.now();
    let (mut change, org) = begin(svc, actor).await?;
    let account = existing(&mut change, org, service_account_id).await?;
    sqlx::query("DELETE FROM service_accounts WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(account.to_string())
        .execute(change.conn())
        .await?;
    finish(
        change,
        actor,
        org,
        Audited::ServiceAccountDeleted,
        account,
        now,
    )
    .await
}

/// Every change opens alike: the organization locked and the caller's role there, read under
/// that lock, allowed to manage service accounts.
async fn begin<'a>(svc: &'a Services, actor: &Actor) -> Result<(Change<'a>, OrgId), Error> {
    let (org, _) = current_org(actor)?;
    let mut change = Change::begin(svc).await?;
    let role = crate::orgs::lock_as_caller(change.conn(), org, actor.user_id).await?;
    require(authz::decide(
        Some(role),
        Action::ManageServiceAccounts,
        None,
    ))?;
    Ok((change, org))
}

/// The organization's service account named by `text`, or "not found".
pub(crate) async fn existing(
    change: &mut Change<'_>,
    org: OrgId,
    text: &str,
) -> Result<ServiceAccountId, Error> {
    let account = ServiceAccountId::parse(text).ok_or(Error::NotFound)?;
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM service_accounts WHERE org_id = $1 AND id = $2")
            .bind(org.to_string())
            .bind(account.to_string())
            .fetch_optional(change.conn())
            .await?;
    found.map(|_| account).ok_or(Error::NotFound)
}

/// A unique violation on the name is the name taken; anything else stays internal.
fn name_clash<T>(result: Result<T, sqlx::Error>) -> Result<T, Error> {
    result.map_err(|err| {
        if is_unique_violation(&err) {
            Error::Conflict(Clash::ServiceAccountNameTaken)
        } else {
            err.into()
        }
    })
}

/// Audits the change (`service_account:<id>`) and commits it with the organization's access
/// snapshot dropped everywhere.
async fn finish(
    mut change: Change<'_>,
    actor: &Actor,
    org: OrgId,
    action: Audited,
    account: ServiceAccountId,
    now: Timestamp,
) -> Result<(), Error> {
    let event = Event {
        action,
        org: Some(org),
        actor: Some(actor.user_id),
        target: Some(format!("service_account:{account}")),
        client: &actor.client,
    };
    audit::record(change.conn(), event, now).await?;
    change.invalidate(Invalidation::Access(org)).await?;
    change.commit().await
}
