//! Teams on a project's Members tab: which teams hold a role on it, the type-ahead that finds
//! teams to add, and adding, re-roling and removing them. Everyone in a team holds its role;
//! the same right that manages the project's members manages its teams.

use super::held::{Holder, change_held_grant};
use super::*;

/// A team holding a role on a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectTeam {
    pub team_id: TeamId,
    pub name: String,
    pub role: ProjectRole,
    pub member_count: i64,
    pub added_by: Option<String>,
    pub added_at: Timestamp,
}

/// A team the type-ahead offers to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamCandidate {
    pub team_id: TeamId,
    pub name: String,
    pub member_count: i64,
}

/// Suggestions the type-ahead offers.
const CANDIDATES_MAX: i64 = 10;

/// The teams holding a role on a project, by name. Anyone who can see the project may call it.
///
/// Errors: `NotFound` for a project the caller cannot see.
pub async fn list_project_teams(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
) -> Result<Vec<ProjectTeam>, Error> {
    let (org, role) = current_org(actor)?;
    let project = ProjectId::parse(project_id).ok_or(Error::NotFound)?;
    let snapshot = access_of(svc, org).await?;
    require(authz::decide_project(
        Some(role),
        snapshot.access(project, actor.user_id),
        false,
        ProjectAction::View,
    ))?;
    let rows: Vec<(String, String, String, i64, Option<String>, i64)> = sqlx::query_as(
        "SELECT t.id, t.name, g.role, \
                (SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id), gb.name, \
                g.granted_at \
         FROM team_project_grants g JOIN teams t ON t.id = g.team_id \
         LEFT JOIN users gb ON gb.id = g.granted_by \
         WHERE g.project_id = $1 AND g.org_id = $2 ORDER BY t.name_key, t.id",
    )
    .bind(project.to_string())
    .bind(org.to_string())
    .fetch_all(svc.db.pool())
    .await?;
    rows.into_iter()
        .map(|(id, name, role, member_count, added_by, added_at)| {
            Ok(ProjectTeam {
                team_id: ids::from_db(&id, TeamId::parse)?,
                name,
                role: parse_project_role(&role)?,
                member_count,
                added_by,
                added_at: Timestamp::from_millis(added_at),
            })
        })
        .collect()
}

/// Teams of the organization whose name contains `query` and that hold no role on the project
/// yet, for the type-ahead. Needs the right to manage the project's members.
pub async fn project_team_candidates(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    query: &str,
) -> Result<Vec<TeamCandidate>, Error> {
    let (org, role) = current_org(actor)?;
    let project = ProjectId::parse(project_id).ok_or(Error::NotFound)?;
    let query = crate::members::search_query(query)?;
    let snapshot = access_of(svc, org).await?;
    let archived = snapshot.projects.get(&project).is_some_and(|p| p.archived);
    require(authz::decide_project(
        Some(role),
        snapshot.access(project, actor.user_id),
        archived,
        ProjectAction::ManageMembers,
    ))?;
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT t.id, t.name, (SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id) \
         FROM teams t WHERE t.org_id = $1 AND t.name_key LIKE $2 ESCAPE '\\' \
           AND NOT EXISTS (SELECT 1 FROM team_project_grants g \
                           WHERE g.project_id = $3 AND g.team_id = t.id) \
         ORDER BY t.name_key, t.id LIMIT $4",
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
        .map(|(id, name, member_count)| {
            Ok(TeamCandidate {
                team_id: ids::from_db(&id, TeamId::parse)?,
                name,
                member_count,
            })
        })
        .collect()
}

/// Gives a team of the organization `role` on a project: everyone in it holds that role (or
/// a higher one they hold otherwise) from their next request. Needs the right to manage the
/// project's members.
///
/// Errors: `Validation` on `role`, or on `team_id` when empty; `NotFound` for a project the
/// caller cannot see or a team of another organization; `Conflict` for a team already on it or
/// an archived project.
pub async fn add_project_team(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    team_id: &str,
    role: &str,
) -> Result<(), Error> {
    let role = role_input(role)?;
    let team = match team_id.trim() {
        "" => {
            return Err(FieldErrors::single(
                "team_id",
                Problem::Required(Subject::Team),
            ));
        }
        id => TeamId::parse(id).ok_or(Error::NotFound)?,
    };
    let now = svc.clock.now();
    let (mut change, org, project, _) =
        begin_project_change(svc, actor, project_id, ProjectAction::ManageMembers).await?;
    let name = team_name(change.conn(), org, team).await?;
    let added = sqlx::query(
        "INSERT INTO team_project_grants \
             (project_id, team_id, org_id, role, granted_by, granted_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (project_id, team_id) DO NOTHING",
    )
    .bind(project.to_string())
    .bind(team.to_string())
    .bind(org.to_string())
    .bind(role.as_str())
    .bind(actor.user_id.to_string())
    .bind(now.as_millis())
    .execute(change.conn())
    .await?;
    if added.rows_affected() == 0 {
        return Err(Error::Conflict(Clash::TeamAlreadyOnProject { name }));
    }
    let detail = format!(" team:{team} role:{role}");
    finish(
        change,
        actor,
        org,
        Audited::ProjectTeamAdded,
        project,
        &detail,
        now,
    )
    .await
}

/// Changes the role a team holds on a project. Needs the right to manage its members.
///
/// Errors: `Validation` on `role`; `NotFound` for a project the caller cannot see or a team
/// without a role on it; `Conflict` for an archived project.
pub async fn update_project_team_role(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    team_id: &str,
    role: &str,
) -> Result<(), Error> {
    let role = role_input(role)?;
    change_team_grant(svc, actor, project_id, team_id, Some(role)).await
}

/// Takes a team's role on a project away; what it gave its members ends on their next request.
/// Needs the right to manage the project's members.
///
/// Errors: as [`update_project_team_role`].
pub async fn remove_project_team(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    team_id: &str,
) -> Result<(), Error> {
    change_team_grant(svc, actor, project_id, team_id, None).await
}

async fn change_team_grant(
    svc: &Services,
    actor: &Actor,
    project_id: &str,
    team_id: &str,
    to: Option<ProjectRole>,
) -> Result<(), Error> {
    let team = TeamId::parse(team_id.trim()).ok_or(Error::NotFound)?;
    change_held_grant(svc, actor, project_id, Holder::Team(team), to).await
}

/// A team's name; "not found" for a team of another organization.
async fn team_name(conn: &mut AnyConnection, org: OrgId, team: TeamId) -> Result<String, Error> {
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM teams WHERE org_id = $1 AND id = $2")
            .bind(org.to_string())
            .bind(team.to_string())
            .fetch_optional(conn)
            .await?;
    name.ok_or(Error::NotFound)
}
