//! Answers about access: `check_permission` for the apps that rely on Gatehouse (from the
//! organization's snapshot in memory, no query), "my projects", and the explainer that says in
//! kinds (the app words them) why someone holds the role they hold.

use super::*;
use crate::authz::Via;
use crate::error::Denial;
use crate::vocab::{KeyActor, KeyHolder, Permission};

/// Why someone has, or lacks, access to a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Owner or Admin of the organization: Admin on every project.
    Organization(Role),
    /// A role granted on the project; who granted it and when, where known.
    Grant {
        role: ProjectRole,
        added_by: Option<String>,
        added_at: Option<Timestamp>,
    },
    /// A role granted on the project to a team the person is in.
    Team {
        team_id: TeamId,
        name: String,
        role: ProjectRole,
    },
    /// A member without a role on the project.
    NoRole,
    /// Deactivated in the organization: their roles wait for reactivation.
    Deactivated,
    /// The project is archived: it can be seen, not used or edited.
    Archived,
}

/// The answer to "may this person do that on this project".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessAnswer {
    pub allowed: bool,
    /// Their effective role, if any.
    pub role: Option<ProjectRole>,
    pub because: Reason,
}

/// Why a person holds their role on a project: every path, strongest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub user_id: UserId,
    pub name: String,
    pub project_name: String,
    pub role: Option<ProjectRole>,
    pub reasons: Vec<Reason>,
}

/// One project a member can reach, for their row on the Members screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberProject {
    pub project_id: ProjectId,
    pub name: String,
    pub archived: bool,
    pub role: ProjectRole,
    pub reasons: Vec<Reason>,
}

/// A project the caller can see, with their effective role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyProject {
    pub id: ProjectId,
    pub name: String,
    pub archived: bool,
    pub role: ProjectRole,
}

/// The person an answer is about: the caller, or (`user_id` given) someone else, which needs
/// organization Owner/Admin or project Admin. "Not found" for a project the caller cannot see
/// or a person who is not a member.
fn subject(
    snapshot: &OrgAccess,
    actor: &Actor,
    project: ProjectId,
    user_id: Option<&str>,
) -> Result<UserId, Error> {
    let caller = snapshot
        .access(project, actor.user_id)
        .ok_or(Error::NotFound)?;
    let user = match user_id.map(str::trim).filter(|id| !id.is_empty()) {
        None => return Ok(actor.user_id),
        Some(id) => UserId::parse(id).ok_or(Error::NotFound)?,
    };
    if user != actor.user_id && caller.role != ProjectRole::Admin {
        return Err(Error::Forbidden(Denial::ExplainOthersAccess));
    }
    snapshot.members.get(&user).ok_or(Error::NotFound)?;
    Ok(user)
}

/// Whether the caller (or, given `user_id`, someone else) holds `permission` on a project,
/// with their role and the reason. Served from memory.
///
/// Errors: `Validation` on `permission`; `NotFound` for a project the caller cannot see or a
/// person who is not a member; `Forbidden` when asking about someone else without
/// organization Owner/Admin or project Admin.
pub async fn check_permission(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    permission: &str,
    user_id: Option<&str>,
) -> Result<AccessAnswer, Error> {
    let (org, _) = current_org(actor)?;
    let Some(permission) = Permission::parse(permission) else {
        return Err(FieldErrors::single(
            "permission",
            Problem::UnknownPermission,
        ));
    };
    let project = ProjectId::parse(project_id).ok_or(Error::NotFound)?;
    let snapshot = access_of(svc, org).await?;
    let user = subject(&snapshot, actor, project, user_id)?;
    let deactivated = snapshot.members.get(&user).is_some_and(|m| m.deactivated);
    Ok(answer(
        &snapshot,
        project,
        permission,
        snapshot.access(project, user),
        deactivated,
    ))
}

/// The answer for someone holding `access` on `project`.
fn answer(
    snapshot: &OrgAccess,
    project: ProjectId,
    permission: Permission,
    access: Option<ProjectAccess>,
    deactivated: bool,
) -> AccessAnswer {
    let archived = snapshot.projects.get(&project).is_some_and(|p| p.archived);
    match access {
        None if deactivated => AccessAnswer {
            allowed: false,
            role: None,
            because: Reason::Deactivated,
        },
        None => AccessAnswer {
            allowed: false,
            role: None,
            because: Reason::NoRole,
        },
        Some(access) if archived && permission != Permission::View => AccessAnswer {
            allowed: false,
            role: Some(access.role),
            because: Reason::Archived,
        },
        Some(access) => AccessAnswer {
            allowed: authz::allows(access.role, permission),
            role: Some(access.role),
            because: reason_for(snapshot, access),
        },
    }
}

/// What a key may reach of `project`: a service account's own role, or a person's role on the
/// key's one project (what they hold now). `None` where the key cannot see the project.
fn key_access(snapshot: &OrgAccess, key: &KeyActor, project: ProjectId) -> Option<ProjectAccess> {
    match &key.holder {
        KeyHolder::ServiceAccount { id, .. } => snapshot.service_account_access(project, *id),
        KeyHolder::Person { user_id, .. } if key.project == Some(project) => {
            snapshot.access(project, *user_id)
        }
        KeyHolder::Person { .. } => None,
    }
}

/// [`check_permission`] for a request authenticated by an API key: about the key's holder, or
/// (`user_id`, with project Admin) about a member. A person's key answers only for its project.
///
/// Errors: as [`check_permission`].
pub async fn check_permission_with_key(
    svc: &Services,
    key: &KeyActor,
    project_id: &str,
    permission: &str,
    user_id: Option<&str>,
) -> Result<AccessAnswer, Error> {
    let Some(permission) = Permission::parse(permission) else {
        return Err(FieldErrors::single(
            "permission",
            Problem::UnknownPermission,
        ));
    };
    let project = ProjectId::parse(project_id).ok_or(Error::NotFound)?;
    let snapshot = access_of(svc, key.org).await?;
    let own = key_access(&snapshot, key, project).ok_or(Error::NotFound)?;
    let asked = user_id.map(str::trim).filter(|id| !id.is_empty());
    let person = match (asked, &key.holder) {
        (None, _) => None,
        (Some(id), KeyHolder::Person { user_id, .. }) if *id == user_id.to_string() => None,
        (Some(id), _) => Some(UserId::parse(id).ok_or(Error::NotFound)?),
    };
    let Some(person) = person else {
        return Ok(answer(&snapshot, project, permission, Some(own), false));
    };
    if own.role != ProjectRole::Admin {
        return Err(Error::Forbidden(Denial::ExplainOthersAccess));
    }
    let member = snapshot.members.get(&person).ok_or(Error::NotFound)?;
    Ok(answer(
        &snapshot,
        project,
        permission,
        snapshot.access(project, person),
        member.deactivated,
    ))
}

/// [`list_my_projects`] for a key: a service account's projects, or a person's key's one
/// project while they can reach it.
pub async fn list_key_projects(svc: &Services, key: &KeyActor) -> Result<Vec<MyProject>, Error> {
    let snapshot = access_of(svc, key.org).await?;
    let reach = match &key.holder {
        KeyHolder::ServiceAccount { id, .. } => snapshot.visible_to_service_account(*id),
        KeyHolder::Person { .. } => key
            .project
            .and_then(|project| Some((project, key_access(&snapshot, key, project)?)))
            .into_iter()
            .collect(),
    };
    Ok(my_projects(&snapshot, reach))
}

fn reason_for(snapshot: &OrgAccess, access: ProjectAccess) -> Reason {
    match access.via {
        Via::Organization(role) => Reason::Organization(role),
        Via::Grant => Reason::Grant {
            role: access.role,
            added_by: None,
            added_at: None,
        },
        Via::Team(team_id) => Reason::Team {
            team_id,
            name: team_name(snapshot, team_id),
            role: access.role,
        },
    }
}

fn team_name(snapshot: &OrgAccess, team: TeamId) -> String {
    snapshot
        .teams
        .get(&team)
        .map(|t| t.name.clone())
        .unwrap_or_default()
}

/// The teams through which `user` holds a role on `project`, each named.
fn team_paths(snapshot: &OrgAccess, project: ProjectId, user: UserId) -> Vec<TeamPath> {
    snapshot
        .paths(project, user)
        .into_iter()
        .filter_map(|path| match path {
            Path::Team(team, role) => Some((team, team_name(snapshot, team), role)),
            Path::Grant(_) => None,
        })
        .collect()
}

type TeamPath = (TeamId, String, ProjectRole);

/// Every project the caller can see, by name, with their effective role. Served from memory.
pub async fn list_my_projects(svc: &Services, actor: &Actor) -> Result<Vec<MyProject>, Error> {
    let (org, _) = current_org(actor)?;
    let snapshot = access_of(svc, org).await?;
    Ok(my_projects(&snapshot, snapshot.visible_to(actor.user_id)))
}

fn my_projects(snapshot: &OrgAccess, reach: Vec<(ProjectId, ProjectAccess)>) -> Vec<MyProject> {
    let mut projects: Vec<MyProject> = reach
        .into_iter()
        .filter_map(|(id, access)| {
            let facts = snapshot.projects.get(&id)?;
            Some(MyProject {
                id,
                name: facts.name.clone(),
                archived: facts.archived,
                role: access.role,
            })
        })
        .collect();
    projects.sort_by_cached_key(|p| (p.name.to_lowercase(), p.id));
    projects
}

type GrantDetail = (String, i64, Option<String>);

/// Why `user_id` (the caller when empty) holds their role on a project, every path named.
///
/// Errors: as [`check_permission`].
pub async fn explain_access(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    user_id: Option<&str>,
) -> Result<Explanation, Error> {
    let (org, _) = current_org(actor)?;
    let project = ProjectId::parse(project_id).ok_or(Error::NotFound)?;
    let snapshot = access_of(svc, org).await?;
    let user = subject(&snapshot, actor, project, user_id)?;
    let pool = svc.db.pool();
    let grant: Option<GrantDetail> = sqlx::query_as(
        "SELECT g.role, g.granted_at, u.name FROM project_grants g \
         LEFT JOIN users u ON u.id = g.granted_by WHERE g.project_id = $1 AND g.user_id = $2",
    )
    .bind(project.to_string())
    .bind(user.to_string())
    .fetch_optional(pool)
    .await?;
    let name: String = sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(user.to_string())
        .fetch_one(pool)
        .await?;
    let facts = snapshot.projects.get(&project).ok_or(Error::NotFound)?;
    let member = snapshot.members.get(&user).ok_or(Error::NotFound)?;
    let teams = team_paths(&snapshot, project, user);
    let (role, reasons) = reasons(
        member.role,
        member.deactivated,
        facts.archived,
        grant,
        teams,
    )?;
    Ok(Explanation {
        user_id: user,
        name,
        project_name: facts.name.clone(),
        role,
        reasons,
    })
}

/// Every path to a project for a member, strongest first: the organization role, the grant,
/// each team's grant; then what holds them back (deactivation, archiving).
fn reasons(
    org_role: Role,
    deactivated: bool,
    archived: bool,
    grant: Option<GrantDetail>,
    teams: Vec<TeamPath>,
) -> Result<(Option<ProjectRole>, Vec<Reason>), Error> {
    let mut reasons = Vec::new();
    if authz::implicit_role(org_role).is_some() {
        reasons.push(Reason::Organization(org_role));
    }
    let mut paths = Vec::new();
    let mut held = Vec::new();
    if let Some((role, at, by)) = grant {
        let role = parse_project_role(&role)?;
        paths.push(Path::Grant(role));
        held.push(Reason::Grant {
            role,
            added_by: by,
            added_at: Some(Timestamp::from_millis(at)),
        });
    }
    for (team_id, name, role) in teams {
        paths.push(Path::Team(team_id, role));
        held.push(Reason::Team {
            team_id,
            name,
            role,
        });
    }
    // Strongest first; a stable sort keeps the person's own grant before a team's.
    held.sort_by_key(|reason| match reason {
        Reason::Grant { role, .. } | Reason::Team { role, .. } => {
            std::cmp::Reverse(role.highest_permission())
        }
        _ => std::cmp::Reverse(crate::vocab::Permission::View),
    });
    reasons.extend(held);
    let role = authz::effective(Some(org_role), false, paths).map(|a| a.role);
    if role.is_none() {
        reasons.push(Reason::NoRole);
    }
    if deactivated {
        reasons.push(Reason::Deactivated);
    }
    if archived && role.is_some() {
        reasons.push(Reason::Archived);
    }
    let role = if deactivated { None } else { role };
    Ok((role, reasons))
}

/// The projects a member of the caller's organization can reach, by name, each with their role
/// and every reason. The member themselves and organization Owners and Admins may call it.
///
/// Errors: `NotFound` for someone who is not a member here; `Forbidden` for anyone else.
pub async fn list_member_projects(
    svc: &Services,
    actor: &Actor,
    user_id: &str,
) -> Result<Vec<MemberProject>, Error> {
    let (org, role) = current_org(actor)?;
    let user = UserId::parse(user_id).ok_or(Error::NotFound)?;
    let snapshot = access_of(svc, org).await?;
    let member = *snapshot.members.get(&user).ok_or(Error::NotFound)?;
    if user != actor.user_id && !role.oversees() {
        return Err(Error::Forbidden(Denial::ExplainOthersAccess));
    }
    let rows: Vec<(String, String, i64, Option<String>)> = sqlx::query_as(
        "SELECT g.project_id, g.role, g.granted_at, u.name FROM project_grants g \
         LEFT JOIN users u ON u.id = g.granted_by WHERE g.org_id = $1 AND g.user_id = $2",
    )
    .bind(org.to_string())
    .bind(user.to_string())
    .fetch_all(svc.db.pool())
    .await?;
    let mut grants: HashMap<ProjectId, GrantDetail> = HashMap::new();
    for (project, role, at, by) in rows {
        grants.insert(ids::from_db(&project, ProjectId::parse)?, (role, at, by));
    }
    let mut projects = Vec::new();
    for (&id, facts) in &snapshot.projects {
        let grant = grants.remove(&id);
        let teams = team_paths(&snapshot, id, user);
        if grant.is_none() && teams.is_empty() && authz::implicit_role(member.role).is_none() {
            continue;
        }
        let (role, reasons) = reasons(member.role, false, facts.archived, grant, teams)?;
        let Some(role) = role else { continue };
        let mut reasons = reasons;
        if member.deactivated {
            reasons.push(Reason::Deactivated);
        }
        projects.push(MemberProject {
            project_id: id,
            name: facts.name.clone(),
            archived: facts.archived,
            role,
            reasons,
        });
    }
    projects.sort_by_cached_key(|p| (p.name.to_lowercase(), p.project_id));
    Ok(projects)
}
