//! Projects: the unit of access below an organization. Owners and Admins create, archive,
//! restore and delete them; whoever holds Edit on a project renames it and changes its
//! description. Project roles, the Members tab and the permission check are in the submodules.
//!
//! Every query is scoped by the caller's organization; a project of another organization, or
//! one the caller cannot see, is "not found". `authz` decides, from the organization's access
//! snapshot ([`access_of`]) or, inside a change, from rows read under the organization's lock.
//! Every change publishes `Invalidation::Access`, so it holds on the next request everywhere.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::AnyConnection;

use crate::access::{Facts, MemberFacts, OrgAccess, ProjectFacts, ServiceAccountFacts, TeamFacts};
use crate::audit::{self, Action as Audited, Event};
use crate::authz::{self, Path, ProjectAccess, ProjectAction, current_org, require};
use crate::cache::{Change, Invalidation};
use crate::clock::Timestamp;
use crate::error::{Clash, FieldErrors, Problem, Subject, is_unique_violation};
use crate::ids::{self, InvitationId, OrgId, ProjectId, ServiceAccountId, TeamId, UserId};
use crate::vocab::{Actor, ProjectRole, Role};
use crate::{Error, Services};

mod check;
mod grants;
mod held;
mod invited;
mod members;
mod service_accounts;
mod snapshot;
mod teams;

pub(crate) use grants::{grant_of, paths_of};
pub(crate) use invited::grant_invited_role;
pub(crate) use snapshot::access_of;

pub use check::{
    AccessAnswer, Explanation, MemberProject, MyProject, Reason, check_permission,
    check_permission_with_key, explain_access, list_key_projects, list_member_projects,
    list_my_projects,
};
pub use members::{
    ADD_MAX, Candidate, MEMBERS_PAGE_SIZE, ProjectMember, ProjectMemberPage, add_project_members,
    list_project_members, project_member_candidates, remove_project_member,
    update_project_member_role,
};
pub use service_accounts::{
    ProjectServiceAccount, ServiceAccountCandidate, add_project_service_account,
    list_project_service_accounts, project_service_account_candidates,
    remove_project_service_account, update_project_service_account_role,
};
pub use teams::{
    ProjectTeam, TeamCandidate, add_project_team, list_project_teams, project_team_candidates,
    remove_project_team, update_project_team_role,
};

const NAME_MAX: usize = 100;
const DESCRIPTION_MAX: usize = 1000;
/// Projects per page of the Projects screen.
pub const PAGE_SIZE: i64 = 25;
/// An organization may hold this many projects.
pub const PROJECTS_MAX: i64 = 5000;

/// A project's name: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectName(String);

impl ProjectName {
    pub fn parse(text: &str) -> Result<Self, Vec<Problem>> {
        crate::users::parse_label(text, NAME_MAX, Subject::ProjectName).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What uniqueness compares: the name lower-cased (Unicode-aware).
    fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A project's description: trimmed, at most 1,000 characters; line breaks allowed.
pub(crate) fn parse_description(text: &str) -> Result<String, Vec<Problem>> {
    let trimmed = text.trim();
    let mut problems = Vec::new();
    if trimmed.chars().count() > DESCRIPTION_MAX {
        problems.push(Problem::TooLong {
            max: DESCRIPTION_MAX,
        });
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        problems.push(Problem::ControlCharacters);
    }
    if problems.is_empty() {
        Ok(trimmed.to_string())
    } else {
        Err(problems)
    }
}

/// A project as its page and the Projects screen show it, with the caller's access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    pub description: String,
    pub archived: bool,
    pub created_at: Timestamp,
    pub access: ProjectAccess,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPage {
    pub projects: Vec<Project>,
    /// How many projects match, over all pages.
    pub total: i64,
}

pub(crate) fn parse_project_role(text: &str) -> Result<ProjectRole, Error> {
    ProjectRole::parse(text)
        .ok_or_else(|| Error::internal(format!("unknown project role in database: {text:?}")))
}

/// The project role named in input, or a field error on `role`.
pub(crate) fn role_input(role: &str) -> Result<ProjectRole, Error> {
    ProjectRole::parse(role).ok_or_else(|| FieldErrors::single("role", Problem::UnknownProjectRole))
}

/// Lists the projects the caller can see whose name or description contains `query`
/// (case-insensitive), archived ones only when `archived`, by name, a page at a time (pages
/// count from 1). Organization Owners and Admins see every project; Members those they hold a
/// role on.
pub async fn list_projects(
    svc: &Services,
    actor: &Actor,
    query: &str,
    archived: bool,
    page: i64,
) -> Result<ProjectPage, Error> {
    let (org, _) = current_org(actor)?;
    let query = crate::members::search_query(query)?;
    // Served from the organization's snapshot: no query, whatever the organization's size.
    let snapshot = access_of(svc, org).await?;
    let pattern = query.to_lowercase();
    let mut matching: Vec<(String, ProjectId, &ProjectFacts, ProjectAccess)> = snapshot
        .visible_to(actor.user_id)
        .into_iter()
        .filter_map(|(id, access)| {
            let facts = snapshot.projects.get(&id)?;
            let key = facts.name.to_lowercase();
            let found = pattern.is_empty()
                || key.contains(&pattern)
                || facts.description.to_lowercase().contains(&pattern);
            (facts.archived == archived && found).then_some((key, id, facts, access))
        })
        .collect();
    matching.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let total = i64::try_from(matching.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from((page.max(1) - 1).saturating_mul(PAGE_SIZE)).unwrap_or(usize::MAX);
    let projects = matching
        .into_iter()
        .skip(skip)
        .take(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX))
        .map(|(_, id, facts, access)| project_from(id, access, facts))
        .collect();
    Ok(ProjectPage { projects, total })
}

type ProjectRow = (String, String, String, Option<i64>, i64);

fn project_from(id: ProjectId, access: ProjectAccess, facts: &ProjectFacts) -> Project {
    Project {
        id,
        name: facts.name.clone(),
        description: facts.description.clone(),
        archived: facts.archived,
        created_at: facts.created_at,
        access,
    }
}

/// One project, with the caller's access to it. Anyone who can see it may call it.
///
/// Errors: `NotFound` for a project of another organization or one the caller cannot see.
pub async fn get_project(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
) -> Result<Project, Error> {
    let (org, role) = current_org(actor)?;
    let project = ProjectId::parse(project_id).ok_or(Error::NotFound)?;
    let snapshot = access_of(svc, org).await?;
    let access = snapshot.access(project, actor.user_id);
    require(authz::decide_project(
        Some(role),
        access,
        false,
        ProjectAction::View,
    ))?;
    let facts = snapshot.projects.get(&project).ok_or(Error::NotFound)?;
    let access = access.ok_or(Error::NotFound)?;
    Ok(project_from(project, access, facts))
}

/// Creates a project in the caller's organization; its id. Owners and Admins only.
///
/// Errors: `Validation` on `name` and `description`; `Conflict` for a name the organization
/// already uses (ignoring case); `Forbidden` for Members.
pub async fn create_project(
    svc: &Services,
    actor: &Actor,
    name: &str,
    description: &str,
) -> Result<ProjectId, Error> {
    let (org, _) = current_org(actor)?;
    let mut errors = FieldErrors::default();
    let name = errors.check("name", ProjectName::parse(name));
    let description = errors.check("description", parse_description(description));
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let caller_role = crate::orgs::lock_as_caller(change.conn(), org, actor.user_id).await?;
    require(authz::decide_project(
        Some(caller_role),
        None,
        false,
        ProjectAction::Create,
    ))?;
    let (Some(name), Some(description)) = (name, description) else {
        return Err(Error::Validation(errors));
    };
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE org_id = $1")
        .bind(org.to_string())
        .fetch_one(change.conn())
        .await?;
    if count >= PROJECTS_MAX {
        return Err(FieldErrors::single(
            "name",
            Problem::TooManyProjects { max: PROJECTS_MAX },
        ));
    }
    let id = ProjectId::random();
    let inserted = sqlx::query(
        "INSERT INTO projects (id, org_id, name, name_key, description, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(name.as_str())
    .bind(name.key())
    .bind(description.as_str())
    .bind(actor.user_id.to_string())
    .bind(now.as_millis())
    .execute(change.conn())
    .await;
    name_clash(inserted)?;
    finish(change, actor, org, Audited::ProjectCreated, id, "", now).await?;
    Ok(id)
}

/// A unique violation on a project's name is the name taken; anything else stays internal.
fn name_clash<T>(result: Result<T, sqlx::Error>) -> Result<T, Error> {
    result.map_err(|err| {
        if is_unique_violation(&err) {
            Error::Conflict(Clash::ProjectNameTaken)
        } else {
            err.into()
        }
    })
}

/// Renames a project and sets its description. Needs Edit on the project; refused while it is
/// archived.
///
/// Errors: as [`create_project`], plus `NotFound` for a project the caller cannot see and
/// `Conflict` for an archived one.
pub async fn update_project(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    name: &str,
    description: &str,
) -> Result<(), Error> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", ProjectName::parse(name));
    let description = errors.check("description", parse_description(description));
    let now = svc.clock.now();
    let (mut change, org, project, facts) =
        begin_project_change(svc, actor, project_id, ProjectAction::Edit).await?;
    let (Some(name), Some(description)) = (name, description) else {
        return Err(Error::Validation(errors));
    };
    let updated = sqlx::query(
        "UPDATE projects SET name = $1, name_key = $2, description = $3 \
         WHERE org_id = $4 AND id = $5",
    )
    .bind(name.as_str())
    .bind(name.key())
    .bind(description.as_str())
    .bind(org.to_string())
    .bind(project.to_string())
    .execute(change.conn())
    .await;
    name_clash(updated)?;
    let action = if facts.name == name.as_str() {
        Audited::ProjectUpdated
    } else {
        Audited::ProjectRenamed
    };
    finish(change, actor, org, action, project, "", now).await
}

/// Archives a project (read-only, listed under "Archived") or, with `archived` false, restores
/// it. Owners and Admins only.
///
/// Errors: `NotFound`; `Forbidden` for Members; `Conflict` when it already is in that state.
pub async fn set_archived(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    archived: bool,
) -> Result<(), Error> {
    let now = svc.clock.now();
    let (mut change, org, project, facts) =
        begin_project_change(svc, actor, project_id, ProjectAction::Archive).await?;
    match (facts.archived, archived) {
        (true, true) => return Err(Error::Conflict(Clash::ProjectArchived)),
        (false, false) => return Err(Error::Conflict(Clash::ProjectNotArchived)),
        _ => {}
    }
    sqlx::query("UPDATE projects SET archived_at = $1 WHERE org_id = $2 AND id = $3")
        .bind(archived.then_some(now.as_millis()))
        .bind(org.to_string())
        .bind(project.to_string())
        .execute(change.conn())
        .await?;
    let action = if archived {
        Audited::ProjectArchived
    } else {
        Audited::ProjectRestored
    };
    finish(change, actor, org, action, project, "", now).await
}

/// Deletes a project and every role granted on it. `confirm_name` must be the project's name
/// (ignoring case and surrounding space). Owners and Admins only.
///
/// Errors: `NotFound`; `Forbidden` for Members; `Validation` on `confirm_name`.
pub async fn delete_project(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    confirm_name: &str,
) -> Result<(), Error> {
    let now = svc.clock.now();
    let (mut change, org, project, facts) =
        begin_project_change(svc, actor, project_id, ProjectAction::Delete).await?;
    if confirm_name.trim().to_lowercase() != facts.name.to_lowercase() {
        let problem = if confirm_name.trim().is_empty() {
            Problem::Required(Subject::ProjectNameConfirmation)
        } else {
            Problem::NameMismatch
        };
        return Err(FieldErrors::single("confirm_name", problem));
    }
    // Invitations let go of the project first, as its foreign key would: an acceptance that has
    // claimed one (and may be about to grant its role) is waited for here, before the project's
    // row is locked, rather than deadlocking with it; what it granted is then deleted below.
    sqlx::query("UPDATE invitations SET project_id = NULL WHERE project_id = $1")
        .bind(project.to_string())
        .execute(change.conn())
        .await?;
    sqlx::query("DELETE FROM project_grants WHERE project_id = $1")
        .bind(project.to_string())
        .execute(change.conn())
        .await?;
    sqlx::query("DELETE FROM projects WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(project.to_string())
        .execute(change.conn())
        .await?;
    finish(
        change,
        actor,
        org,
        Audited::ProjectDeleted,
        project,
        "",
        now,
    )
    .await
}

/// The opening every change to a project shares: its id parsed, the organization locked, the
/// caller's role and access read under that lock, and `action` decided. The project's facts as
/// they are now.
pub(crate) async fn begin_project_change<'a>(
    svc: &'a Services,
    actor: &Actor,
    project_id: &str,
    action: ProjectAction,
) -> Result<(Change<'a>, OrgId, ProjectId, ProjectFacts), Error> {
    let (org, _) = current_org(actor)?;
    let project = ProjectId::parse(project_id).ok_or(Error::NotFound)?;
    let mut change = Change::begin(svc).await?;
    let caller_role = crate::orgs::lock_as_caller(change.conn(), org, actor.user_id).await?;
    let row: Option<ProjectRow> = sqlx::query_as(
        "SELECT id, name, description, archived_at, created_at FROM projects \
         WHERE org_id = $1 AND id = $2",
    )
    .bind(org.to_string())
    .bind(project.to_string())
    .fetch_optional(change.conn())
    .await?;
    let Some((_, name, description, archived_at, created_at)) = row else {
        return Err(Error::NotFound);
    };
    let paths = paths_of(change.conn(), project, actor.user_id).await?;
    let access = authz::effective(Some(caller_role), false, paths);
    let facts = ProjectFacts {
        name,
        description,
        created_at: Timestamp::from_millis(created_at),
        archived: archived_at.is_some(),
    };
    require(authz::decide_project(
        Some(caller_role),
        access,
        facts.archived,
        action,
    ))?;
    Ok((change, org, project, facts))
}

/// Every project change ends alike: audited (`project:<id>` then `detail`), then committed with
/// the organization's access snapshot dropped everywhere.
async fn finish(
    mut change: Change<'_>,
    actor: &Actor,
    org: OrgId,
    action: Audited,
    project: ProjectId,
    detail: &str,
    now: Timestamp,
) -> Result<(), Error> {
    record(&mut change, actor, org, action, project, detail, now).await?;
    commit(change, org).await
}

/// Audits one project change inside its transaction.
async fn record(
    change: &mut Change<'_>,
    actor: &Actor,
    org: OrgId,
    action: Audited,
    project: ProjectId,
    detail: &str,
    now: Timestamp,
) -> Result<(), Error> {
    let event = Event::by(action, actor, org, format!("project:{project}{detail}"));
    audit::record(change.conn(), event, now).await
}

/// Commits a change to the organization's projects or grants: it holds on the next request on
/// every instance.
async fn commit(mut change: Change<'_>, org: OrgId) -> Result<(), Error> {
    change.invalidate(Invalidation::Access(org)).await?;
    change.commit().await
}

/// Whether `role` in the organization makes someone an implicit Admin of every project.
pub(crate) fn implicit_admin(role: Role) -> bool {
    role.manages()
}
