//! A project's Members tab: who holds a role on it and how, the type-ahead that finds
//! organization members to add, and adding, re-roling and removing them. Organization Owners
//! and Admins appear as implicit Admins whose access cannot be changed here.

use super::*;
use crate::authz::Via;
use crate::error::{Denial, Private};

/// Rows per page of the Members tab.
pub const MEMBERS_PAGE_SIZE: i64 = 50;
/// People one request may add.
pub const ADD_MAX: usize = 50;
/// Suggestions the type-ahead offers.
const CANDIDATES_MAX: i64 = 10;

/// One row of a project's Members tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectMember {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: ProjectRole,
    pub via: Via,
    /// Deactivated members keep their grant but have no access until reactivated.
    pub deactivated: bool,
    /// Who granted the role, and when (none for implicit Admins).
    pub added_by: Option<String>,
    pub added_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectMemberPage {
    pub members: Vec<ProjectMember>,
    pub total: i64,
    /// Whether the caller may add, re-role and remove members (project Admin, not archived).
    pub can_manage: bool,
}

/// An organization member the type-ahead offers to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
}

type MemberRow = (
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
    i64,
);

/// The people with access to a project whose name or email contains `query`, by name, a page
/// at a time: the organization's Owners and Admins (implicit Admins) and everyone granted a
/// role. Anyone who can see the project may call it.
///
/// Errors: `NotFound` for a project the caller cannot see; `Validation` on `query`.
pub async fn list_project_members(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    query: &str,
    page: i64,
) -> Result<ProjectMemberPage, Error> {
    let (org, role) = current_org(actor)?;
    let project = ProjectId::parse(project_id).ok_or(Error::NotFound)?;
    let query = crate::members::search_query(query)?;
    let snapshot = access_of(svc, org).await?;
    let access = snapshot.access(project, actor.user_id);
    require(authz::decide_project(
        Some(role),
        access,
        false,
        ProjectAction::View,
    ))?;
    let archived = snapshot.projects.get(&project).is_some_and(|p| p.archived);
    let can_manage =
        authz::decide_project(Some(role), access, archived, ProjectAction::ManageMembers)
            .is_allowed();
    let pattern = format!("%{}%", crate::members::like_escape(&query.to_lowercase()));
    // The people with access come from the project's grants (its primary key) and the
    // organization's Owners and Admins (an index on role), however many members the
    // organization has; they are cut to the page in name order before names and emails are
    // joined.
    let rows: Vec<MemberRow> = sqlx::query_as(
        "SELECT u.id, u.name, u.email, p.role, p.deactivated_at, g.role, g.granted_at, gb.name, \
                p.total \
         FROM (SELECT m.user_id, m.role, m.deactivated_at, m.sort_key, COUNT(*) OVER () AS total \
               FROM memberships m \
               WHERE m.org_id = $1 AND m.sort_key LIKE $3 ESCAPE '\\' \
                 AND m.user_id IN (SELECT user_id FROM project_grants WHERE project_id = $2 \
                                   UNION ALL SELECT user_id FROM memberships \
                                   WHERE org_id = $1 AND role IN ('owner', 'admin')) \
               ORDER BY m.sort_key LIMIT $4 OFFSET $5) p \
         JOIN users u ON u.id = p.user_id \
         LEFT JOIN project_grants g ON g.project_id = $2 AND g.user_id = p.user_id \
         LEFT JOIN users gb ON gb.id = g.granted_by \
         ORDER BY p.sort_key",
    )
    .bind(org.to_string())
    .bind(project.to_string())
    .bind(&pattern)
    .bind(MEMBERS_PAGE_SIZE)
    .bind((page.max(1) - 1).saturating_mul(MEMBERS_PAGE_SIZE))
    .fetch_all(svc.db.pool())
    .await?;
    let total = match rows.first() {
        Some(row) => row.8,
        // Past the last page (or nothing matches): count on its own.
        None => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM memberships m \
                 WHERE m.org_id = $1 AND m.sort_key LIKE $3 ESCAPE '\\' \
                   AND m.user_id IN (SELECT user_id FROM project_grants WHERE project_id = $2 \
                                     UNION ALL SELECT user_id FROM memberships \
                                     WHERE org_id = $1 AND role IN ('owner', 'admin'))",
            )
            .bind(org.to_string())
            .bind(project.to_string())
            .bind(&pattern)
            .fetch_one(svc.db.pool())
            .await?
        }
    };
    let members = rows
        .into_iter()
        .filter_map(|row| member_from(row).transpose())
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(ProjectMemberPage {
        members,
        total,
        can_manage,
    })
}

fn member_from(row: MemberRow) -> Result<Option<ProjectMember>, Error> {
    let (id, name, email, org_role, deactivated_at, grant, granted_at, granted_by, _) = row;
    let org_role = crate::orgs::parse_role(&org_role)?;
    let grant = grant.as_deref().map(parse_project_role).transpose()?;
    // Deactivation is shown, not hidden: the row keeps its role, marked as without access.
    let Some(access) = authz::effective(Some(org_role), false, grant.map(Path::Grant)) else {
        return Ok(None);
    };
    let implicit = matches!(access.via, Via::Organization(_));
    Ok(Some(ProjectMember {
        user_id: ids::from_db(&id, UserId::parse)?,
        name,
        email,
        role: access.role,
        via: access.via,
        deactivated: deactivated_at.is_some(),
        added_by: if implicit { None } else { granted_by },
        added_at: if implicit {
            None
        } else {
            granted_at.map(Timestamp::from_millis)
        },
    }))
}

/// Organization members whose name or email contains `query` and who hold no role on the
/// project yet (implicit Admins and deactivated members excluded), for the Members tab's
/// type-ahead. Needs the right to manage the project's members.
pub async fn project_member_candidates(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    query: &str,
) -> Result<Vec<Candidate>, Error> {
    let (org, role) = current_org(actor)?;
    let project = ProjectId::parse(project_id).ok_or(Error::NotFound)?;
    let query = crate::members::search_query(query)?;
    let snapshot = access_of(svc, org).await?;
    let access = snapshot.access(project, actor.user_id);
    let archived = snapshot.projects.get(&project).is_some_and(|p| p.archived);
    require(authz::decide_project(
        Some(role),
        access,
        archived,
        ProjectAction::ManageMembers,
    ))?;
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT u.id, u.name, u.email FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.org_id = $1 AND m.role = 'member' AND m.deactivated_at IS NULL \
           AND m.sort_key LIKE $2 ESCAPE '\\' \
           AND NOT EXISTS (SELECT 1 FROM project_grants g \
                           WHERE g.project_id = $3 AND g.user_id = m.user_id) \
         ORDER BY m.sort_key LIMIT $4",
    )
    .bind(org.to_string())
    .bind(format!(
        "%{}%",
        crate::members::like_escape(&query.to_lowercase())
    ))
    .bind(project.to_string())
    .bind(CANDIDATES_MAX)
    .fetch_all(svc.db.pool())
    .await?;
    rows.into_iter()
        .map(|(id, name, email)| {
            Ok(Candidate {
                user_id: ids::from_db(&id, UserId::parse)?,
                name,
                email,
            })
        })
        .collect()
}

/// Grants `role` on a project to each of `user_ids` (members of the caller's organization).
/// Needs the right to manage the project's members; all or nothing.
///
/// Errors: `Validation` on `role` and `user_id` (none, too many); `NotFound` for a project the
/// caller cannot see or a person who is not a member here; `Forbidden` for an organization
/// Owner or Admin (already Admin); `Conflict` for someone who already holds a role on it or an
/// archived project.
pub async fn add_project_members(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    user_ids: &[String],
    role: &str,
) -> Result<(), Error> {
    let role = role_input(role)?;
    if user_ids.is_empty() {
        return Err(FieldErrors::single(
            "user_id",
            Problem::Required(Subject::People),
        ));
    }
    if user_ids.len() > ADD_MAX {
        return Err(FieldErrors::single(
            "user_id",
            Problem::TooManyPeople { max: ADD_MAX },
        ));
    }
    let mut users = Vec::with_capacity(user_ids.len());
    for id in user_ids {
        let user = UserId::parse(id).ok_or(Error::NotFound)?;
        if !users.contains(&user) {
            users.push(user);
        }
    }
    let now = svc.clock.now();
    let (mut change, org, project, _) =
        begin_project_change(svc, actor, project_id, ProjectAction::ManageMembers).await?;
    for &user in &users {
        let (org_role, name) = member_of(change.conn(), org, user).await?;
        if implicit_admin(org_role) {
            return Err(Error::Forbidden(Denial::ImplicitProjectAdmin));
        }
        let added = sqlx::query(
            "INSERT INTO project_grants \
                 (project_id, org_id, user_id, role, granted_by, granted_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (project_id, user_id) DO NOTHING",
        )
        .bind(project.to_string())
        .bind(org.to_string())
        .bind(user.to_string())
        .bind(role.as_str())
        .bind(actor.user_id.to_string())
        .bind(now.as_millis())
        .execute(change.conn())
        .await?;
        if added.rows_affected() == 0 {
            return Err(Error::Conflict(Clash::AlreadyOnProject {
                name: Private(name),
            }));
        }
        let detail = format!(" user:{user} role:{role}");
        record(
            &mut change,
            actor,
            org,
            Audited::ProjectMemberAdded,
            project,
            &detail,
            now,
        )
        .await?;
    }
    commit(change, org).await
}

/// Changes the role a member holds on a project. Needs the right to manage its members.
///
/// Errors: `Validation` on `role`; `NotFound` for a project the caller cannot see or a person
/// without a grant on it; `Forbidden` for an implicit Admin; `Conflict` for an archived project.
pub async fn update_project_member_role(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    user_id: &str,
    role: &str,
) -> Result<(), Error> {
    let role = role_input(role)?;
    change_grant(svc, actor, project_id, user_id, Some(role)).await
}

/// Removes a member's role on a project; their access through it ends at their next request.
/// Needs the right to manage its members.
///
/// Errors: as [`update_project_member_role`].
pub async fn remove_project_member(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    user_id: &str,
) -> Result<(), Error> {
    change_grant(svc, actor, project_id, user_id, None).await
}

/// Sets a granted role to `to`, or (`None`) removes it.
async fn change_grant(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    user_id: &str,
    to: Option<ProjectRole>,
) -> Result<(), Error> {
    let user = UserId::parse(user_id).ok_or(Error::NotFound)?;
    let now = svc.clock.now();
    let (mut change, org, project, _) =
        begin_project_change(svc, actor, project_id, ProjectAction::ManageMembers).await?;
    let from = granted(&mut change, org, project, user).await?;
    let query = match to {
        Some(role) => sqlx::query(
            "UPDATE project_grants SET role = $3 WHERE project_id = $1 AND user_id = $2",
        )
        .bind(project.to_string())
        .bind(user.to_string())
        .bind(role.as_str()),
        None => sqlx::query("DELETE FROM project_grants WHERE project_id = $1 AND user_id = $2")
            .bind(project.to_string())
            .bind(user.to_string()),
    };
    query.execute(change.conn()).await?;
    let (action, detail) = match to {
        Some(role) => (
            Audited::ProjectMemberRoleChanged,
            format!(" user:{user} role:{from}->{role}"),
        ),
        None => (
            Audited::ProjectMemberRemoved,
            format!(" user:{user} role:{from}"),
        ),
    };
    finish(change, actor, org, action, project, &detail, now).await
}

/// A member's organization role and name; "not found" for anyone else.
async fn member_of(
    conn: &mut AnyConnection,
    org: OrgId,
    user: UserId,
) -> Result<(Role, String), Error> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT m.role, u.name FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.org_id = $1 AND m.user_id = $2",
    )
    .bind(org.to_string())
    .bind(user.to_string())
    .fetch_optional(conn)
    .await?;
    let (role, name) = row.ok_or(Error::NotFound)?;
    Ok((crate::orgs::parse_role(&role)?, name))
}

/// The role `user` was granted on the project: refused for implicit Admins (their access is not
/// the project's to change), "not found" without a grant.
async fn granted(
    change: &mut Change<'_>,
    org: OrgId,
    project: ProjectId,
    user: UserId,
) -> Result<ProjectRole, Error> {
    let (org_role, _) = member_of(change.conn(), org, user).await?;
    if implicit_admin(org_role) {
        return Err(Error::Forbidden(Denial::ImplicitProjectAdmin));
    }
    grant_of(change.conn(), project, user)
        .await?
        .ok_or(Error::NotFound)
}
