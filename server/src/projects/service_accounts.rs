//! Service accounts on a project's Members tab: which hold a role on it, which may be added, and
//! adding, re-roling and removing them. The same right that manages the project's members
//! manages its service accounts.

use super::held::{Holder, change_held_grant};
use super::*;

/// A service account holding a role on a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectServiceAccount {
    pub service_account_id: ServiceAccountId,
    pub name: String,
    pub role: ProjectRole,
    pub deactivated: bool,
    pub added_by: Option<String>,
    pub added_at: Timestamp,
}

/// A service account the Members tab offers to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccountCandidate {
    pub service_account_id: ServiceAccountId,
    pub name: String,
}

/// id, name, role, deactivated at, granted by, granted at.
type GrantRow = (String, String, String, Option<i64>, Option<String>, i64);

/// The service accounts holding a role on a project, by name. Anyone who can see the project
/// may call it.
///
/// Errors: `NotFound` for a project the caller cannot see.
pub async fn list_project_service_accounts(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
) -> Result<Vec<ProjectServiceAccount>, Error> {
    let (org, role) = current_org(actor)?;
    let project = ProjectId::parse(project_id).ok_or(Error::NotFound)?;
    let snapshot = access_of(svc, org).await?;
    require(authz::decide_project(
        Some(role),
        snapshot.access(project, actor.user_id),
        false,
        ProjectAction::View,
    ))?;
    let rows: Vec<GrantRow> = sqlx::query_as(
        "SELECT a.id, a.name, g.role, a.deactivated_at, gb.name, g.granted_at \
         FROM service_account_grants g JOIN service_accounts a ON a.id = g.service_account_id \
         LEFT JOIN users gb ON gb.id = g.granted_by \
         WHERE g.project_id = $1 AND g.org_id = $2 ORDER BY a.name_key, a.id",
    )
    .bind(project.to_string())
    .bind(org.to_string())
    .fetch_all(svc.db.pool())
    .await?;
    rows.into_iter()
        .map(|(id, name, role, deactivated, added_by, added_at)| {
            Ok(ProjectServiceAccount {
                service_account_id: ids::from_db(&id, ServiceAccountId::parse)?,
                name,
                role: parse_project_role(&role)?,
                deactivated: deactivated.is_some(),
                added_by,
                added_at: Timestamp::from_millis(added_at),
            })
        })
        .collect()
}

/// The organization's service accounts that hold no role on the project yet, by name (from
/// the access snapshot). Needs the right to manage the project's members.
///
/// Errors: `NotFound` for a project the caller cannot see; `Forbidden` without the right.
pub async fn project_service_account_candidates(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
) -> Result<Vec<ServiceAccountCandidate>, Error> {
    let (org, role) = current_org(actor)?;
    let project = ProjectId::parse(project_id).ok_or(Error::NotFound)?;
    let snapshot = access_of(svc, org).await?;
    let archived = snapshot.projects.get(&project).is_some_and(|p| p.archived);
    require(authz::decide_project(
        Some(role),
        snapshot.access(project, actor.user_id),
        archived,
        ProjectAction::ManageMembers,
    ))?;
    let holds = |account: &ServiceAccountId| {
        snapshot
            .grants_by_service_account
            .get(account)
            .is_some_and(|grants| grants.iter().any(|(p, _)| *p == project))
    };
    let mut candidates: Vec<ServiceAccountCandidate> = snapshot
        .service_accounts
        .iter()
        .filter(|(id, facts)| !facts.deactivated && !holds(id))
        .map(|(&id, facts)| ServiceAccountCandidate {
            service_account_id: id,
            name: facts.name.clone(),
        })
        .collect();
    candidates.sort_by_cached_key(|c| (c.name.to_lowercase(), c.service_account_id));
    Ok(candidates)
}

/// Gives a service account of the organization `role` on a project; its keys hold it from
/// their next request. Needs the right to manage the project's members.
///
/// Errors: `Validation` on `role`, or on `service_account_id` when empty; `NotFound` for a
/// project the caller cannot see or an account of another organization; `Conflict` for an
/// account already on it or an archived project.
pub async fn add_project_service_account(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    service_account_id: &str,
    role: &str,
) -> Result<(), Error> {
    let role = role_input(role)?;
    let account = match service_account_id.trim() {
        "" => {
            return Err(FieldErrors::single(
                "service_account_id",
                Problem::Required(Subject::ServiceAccount),
            ));
        }
        id => ServiceAccountId::parse(id).ok_or(Error::NotFound)?,
    };
    let now = svc.clock.now();
    let (mut change, org, project, _) =
        begin_project_change(svc, actor, project_id, ProjectAction::ManageMembers).await?;
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM service_accounts WHERE org_id = $1 AND id = $2")
            .bind(org.to_string())
            .bind(account.to_string())
            .fetch_optional(change.conn())
            .await?;
    let name = name.ok_or(Error::NotFound)?;
    let added = sqlx::query(
        "INSERT INTO service_account_grants \
             (project_id, service_account_id, org_id, role, granted_by, granted_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (project_id, service_account_id) DO NOTHING",
    )
    .bind(project.to_string())
    .bind(account.to_string())
    .bind(org.to_string())
    .bind(role.as_str())
    .bind(actor.user_id.to_string())
    .bind(now.as_millis())
    .execute(change.conn())
    .await?;
    if added.rows_affected() == 0 {
        return Err(Error::Conflict(Clash::ServiceAccountAlreadyOnProject {
            name,
        }));
    }
    let detail = format!(" service_account:{account} role:{role}");
    finish(
        change,
        actor,
        org,
        Audited::ProjectServiceAccountAdded,
        project,
        &detail,
        now,
    )
    .await
}

/// Changes the role a service account holds on a project.
///
/// Errors: `Validation` on `role`; `NotFound` for a project the caller cannot see or an account
/// without a role on it; `Conflict` for an archived project.
pub async fn update_project_service_account_role(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    service_account_id: &str,
    role: &str,
) -> Result<(), Error> {
    let role = role_input(role)?;
    let account = ServiceAccountId::parse(service_account_id).ok_or(Error::NotFound)?;
    change_held_grant(
        svc,
        actor,
        project_id,
        Holder::ServiceAccount(account),
        Some(role),
    )
    .await
}

/// Takes a service account's role on a project away; its keys lose it on their next request.
///
/// Errors: as [`update_project_service_account_role`].
pub async fn remove_project_service_account(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    service_account_id: &str,
) -> Result<(), Error> {
    let account = ServiceAccountId::parse(service_account_id).ok_or(Error::NotFound)?;
    change_held_grant(
        svc,
        actor,
        project_id,
        Holder::ServiceAccount(account),
        None,
    )
    .await
}
