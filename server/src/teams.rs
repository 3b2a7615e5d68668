//! Teams: groups of an organization's members that receive project roles together. Owners and
//! Admins create, rename, delete them and choose their lead; a team's lead adds and removes its
//! members; its members see it (`authz::decide_team`). A team's project roles are given on the
//! project's Members tab (`projects::teams`).
//!
//! Every query is scoped by the caller's organization; a team of another organization, or one
//! the caller may not see, is "not found". Every change locks the organization, is audited and
//! publishes `Invalidation::Access`, so who-can-reach-what holds on the next request everywhere.

use sqlx::AnyConnection;

use crate::audit::{self, Action as Audited, Event};
use crate::authz::{self, TeamAction, TeamStanding, current_org, require};
use crate::cache::{Change, Invalidation};
use crate::clock::Timestamp;
use crate::error::{Clash, FieldErrors, Problem, Subject, is_unique_violation};
use crate::ids::{self, OrgId, ProjectId, TeamId, UserId};
use crate::vocab::{Actor, ProjectRole, Role};
use crate::{Error, Services};

mod invited;
mod members;

pub(crate) use invited::{join_invited_teams, placeholders};

pub use members::{
    TEAM_MEMBERS_MAX, TeamMember, TeamMemberPage, add_team_members, list_team_members,
    remove_team_member, set_team_lead, team_member_candidates,
};

const NAME_MAX: usize = 100;
/// Teams per page of the Teams screen.
pub const PAGE_SIZE: i64 = 25;
/// An organization may hold this many teams.
pub const TEAMS_MAX: i64 = 2000;
/// People one request may add to a team (or name when creating it).
pub const ADD_MAX: usize = 50;

/// A team's name: trimmed, 1–100 characters, no control characters.
fn parse_name(text: &str) -> Result<String, Vec<Problem>> {
    crate::users::parse_label(text, NAME_MAX, Subject::TeamName)
}

/// A team as the Teams screen shows it, with the caller's place in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub description: String,
    pub created_at: Timestamp,
    pub member_count: i64,
    /// The lead's id and name.
    pub lead: Option<(UserId, String)>,
    /// Projects the team holds a role on.
    pub project_count: usize,
    pub standing: TeamStanding,
    /// Whether the caller may add and remove its members.
    pub can_manage_members: bool,
    /// Whether the caller may rename it, choose its lead, delete it.
    pub can_edit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamPage {
    pub teams: Vec<Team>,
    /// How many teams match, over all pages.
    pub total: i64,
    /// Whether the caller may create teams.
    pub can_create: bool,
}

/// A project a team holds a role on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamProject {
    pub project_id: ProjectId,
    pub name: String,
    pub archived: bool,
    pub role: ProjectRole,
}

type TeamRow = (
    String,
    String,
    String,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
    i64,
);

const TEAM_COLUMNS: &str = "t.id, t.name, t.description, t.created_at, \
     (SELECT COUNT(*) FROM team_members c WHERE c.team_id = t.id), l.user_id, lu.name, \
     (SELECT me.is_lead FROM team_members me WHERE me.team_id = t.id AND me.user_id = $2)";

/// Lists the teams the caller can see whose name contains `query` (case-insensitive), by name,
/// a page at a time (pages count from 1): every team for Owners and Admins, the teams they are
/// in for Members.
pub async fn list_teams(
    svc: &Services,
    actor: &Actor,
    query: &str,
    page: i64,
) -> Result<TeamPage, Error> {
    let (org, role) = current_org(actor)?;
    let query = crate::members::search_query(query)?;
    let pattern = format!("%{}%", crate::members::like_escape(&query.to_lowercase()));
    let everything = i64::from(role.oversees());
    // The page's teams are chosen (and counted) first; members, lead and the caller's place are
    // then read for those rows only.
    let matching = "FROM teams t WHERE t.org_id = $1 AND t.name_key LIKE $3 ESCAPE '\\' \
         AND ($4 = 1 OR EXISTS (SELECT 1 FROM team_members i \
                                WHERE i.team_id = t.id AND i.user_id = $2))";
    let rows: Vec<TeamRow> = sqlx::query_as(&format!(
        "SELECT {TEAM_COLUMNS}, p.total \
         FROM (SELECT t.id, t.name_key, COUNT(*) OVER () AS total {matching} \
               ORDER BY t.name_key, t.id LIMIT $5 OFFSET $6) p \
         JOIN teams t ON t.id = p.id \
         LEFT JOIN team_members l ON l.team_id = t.id AND l.is_lead = 1 \
         LEFT JOIN users lu ON lu.id = l.user_id \
         ORDER BY p.name_key, p.id"
    ))
    .bind(org.to_string())
    .bind(actor.user_id.to_string())
    .bind(&pattern)
    .bind(everything)
    .bind(PAGE_SIZE)
    .bind((page.max(1) - 1).saturating_mul(PAGE_SIZE))
    .fetch_all(svc.db.pool())
    .await?;
    let total = match rows.first() {
        Some(row) => row.8,
        // Past the last page (or nothing matches): count on its own.
        None => {
            sqlx::query_scalar(&format!("SELECT COUNT(*) {matching}"))
                .bind(org.to_string())
                .bind(actor.user_id.to_string())
                .bind(&pattern)
                .bind(everything)
                .fetch_one(svc.db.pool())
                .await?
        }
    };
    let snapshot = crate::projects::access_of(svc, org).await?;
    let teams = rows
        .into_iter()
        .map(|row| team_from(row, role, &snapshot))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(TeamPage {
        teams,
        total,
        can_create: manager(role),
    })
}

fn team_from(
    row: TeamRow,
    org_role: Role,
    snapshot: &crate::access::OrgAccess,
) -> Result<Team, Error> {
    let (id, name, description, created_at, member_count, lead_id, lead_name, mine, _) = row;
    let id = ids::from_db(&id, TeamId::parse)?;
    let standing = TeamStanding {
        member: mine.is_some(),
        lead: mine == Some(1),
    };
    let lead = match (lead_id, lead_name) {
        (Some(lead), Some(name)) => Some((ids::from_db(&lead, UserId::parse)?, name)),
        _ => None,
    };
    let allowed = |action| authz::decide_team(Some(org_role), standing, action).is_allowed();
    Ok(Team {
        id,
        name,
        description,
        created_at: Timestamp::from_millis(created_at),
        member_count,
        lead,
        project_count: snapshot.grants_by_team.get(&id).map_or(0, Vec::len),
        standing,
        can_manage_members: allowed(TeamAction::ManageMembers),
        can_edit: allowed(TeamAction::Edit),
    })
}

/// A team offered in a form's choice of teams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamChoice {
    pub id: TeamId,
    pub name: String,
    pub member_count: usize,
}

/// Every team the caller can see (all of them for Owners and Admins, their own for Members), by
/// name, for choosing teams in a form (the invite dialog). Served from the organization's
/// snapshot: no query.
pub async fn team_choices(svc: &Services, actor: &Actor) -> Result<Vec<TeamChoice>, Error> {
    let (org, role) = current_org(actor)?;
    let snapshot = crate::projects::access_of(svc, org).await?;
    let mine = snapshot.teams_of.get(&actor.user_id);
    let mut choices: Vec<TeamChoice> = snapshot
        .teams
        .iter()
        .filter(|(id, _)| role.oversees() || mine.is_some_and(|teams| teams.contains(id)))
        .map(|(&id, facts)| TeamChoice {
            id,
            name: facts.name.clone(),
            member_count: facts.size,
        })
        .collect();
    choices.sort_by_cached_key(|c| (c.name.to_lowercase(), c.id));
    Ok(choices)
}

/// One team, with the caller's place in it. Anyone who can see it may call it.
///
/// Errors: `NotFound` for a team of another organization or one the caller may not see.
pub async fn get_team(svc: &Services, actor: &Actor, team_id: &str) -> Result<Team, Error> {
    let (org, role) = current_org(actor)?;
    let team = TeamId::parse(team_id).ok_or(Error::NotFound)?;
    let row: Option<TeamRow> = sqlx::query_as(&format!(
        "SELECT {TEAM_COLUMNS}, 1 FROM teams t \
         LEFT JOIN team_members l ON l.team_id = t.id AND l.is_lead = 1 \
         LEFT JOIN users lu ON lu.id = l.user_id \
         WHERE t.org_id = $1 AND t.id = $3"
    ))
    .bind(org.to_string())
    .bind(actor.user_id.to_string())
    .bind(team.to_string())
    .fetch_optional(svc.db.pool())
    .await?;
    let snapshot = crate::projects::access_of(svc, org).await?;
    let team = team_from(row.ok_or(Error::NotFound)?, role, &snapshot)?;
    require(authz::decide_team(
        Some(role),
        team.standing,
        TeamAction::View,
    ))?;
    Ok(team)
}

/// The projects a team holds a role on, by name. Anyone who can see the team may call it.
///
/// Errors: as [`get_team`].
pub async fn list_team_projects(
    svc: &Services,
    actor: &Actor,
    team_id: &str,
) -> Result<Vec<TeamProject>, Error> {
    let team = get_team(svc, actor, team_id).await?;
    let (org, _) = current_org(actor)?;
    let snapshot = crate::projects::access_of(svc, org).await?;
    let mut projects: Vec<TeamProject> = snapshot
        .grants_by_team
        .get(&team.id)
        .into_iter()
        .flatten()
        .filter_map(|&(project_id, role)| {
            let facts = snapshot.projects.get(&project_id)?;
            Some(TeamProject {
                project_id,
                name: facts.name.clone(),
                archived: facts.archived,
                role,
            })
        })
        .collect();
    projects.sort_by_cached_key(|p| (p.name.to_lowercase(), p.project_id));
    Ok(projects)
}

/// Creates a team with its first members (`user_ids`, members of the organization) and,
/// optionally, its lead (made a member too); its id. Owners and Admins only.
///
/// Errors: `Validation` on `name`, `description`, `user_id` (too many); `Conflict` for a name the
/// organization already uses (ignoring case); `NotFound` for a person who is not a member here;
/// `Forbidden` for Members.
pub async fn create_team(
    svc: &Services,
    actor: &Actor,
    name: &str,
    description: &str,
    user_ids: &[String],
    lead: Option<&str>,
) -> Result<TeamId, Error> {
    let (org, _) = current_org(actor)?;
    let mut errors = FieldErrors::default();
    let name = errors.check("name", parse_name(name));
    let description = errors.check(
        "description",
        crate::projects::parse_description(description),
    );
    let mut people = members::people(user_ids, true)?;
    let lead = match lead.map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => Some(UserId::parse(id).ok_or(Error::NotFound)?),
        None => None,
    };
    if let Some(lead) = lead
        && !people.contains(&lead)
    {
        people.push(lead);
    }
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let caller_role = crate::orgs::lock_as_caller(change.conn(), org, actor.user_id).await?;
    require(authz::decide_team(
        Some(caller_role),
        TeamStanding::default(),
        TeamAction::Create,
    ))?;
    let (Some(name), Some(description)) = (name, description) else {
        return Err(Error::Validation(errors));
    };
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM teams WHERE org_id = $1")
        .bind(org.to_string())
        .fetch_one(change.conn())
        .await?;
    if count >= TEAMS_MAX {
        return Err(FieldErrors::single(
            "name",
            Problem::TooManyTeams { max: TEAMS_MAX },
        ));
    }
    let id = TeamId::random();
    let inserted = sqlx::query(
        "INSERT INTO teams (id, org_id, name, name_key, description, created_by, created_at) \
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
    record(&mut change, actor, org, Audited::TeamCreated, id, "", now).await?;
    members::insert(&mut change, actor, org, id, &people, now).await?;
    if let Some(lead) = lead {
        members::make_lead(&mut change, actor, org, id, Some(lead), now).await?;
    }
    commit(change, org).await?;
    Ok(id)
}

/// A unique violation on a team's name is the name taken; anything else stays internal.
fn name_clash<T>(result: Result<T, sqlx::Error>) -> Result<T, Error> {
    result.map_err(|err| {
        if is_unique_violation(&err) {
            Error::Conflict(Clash::TeamNameTaken)
        } else {
            err.into()
        }
    })
}

/// Renames a team and sets its description. Owners and Admins only.
///
/// Errors: as [`create_team`], plus `NotFound` for a team the caller cannot see.
pub async fn update_team(
    svc: &Services,
    actor: &Actor,
    team_id: &str,
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
    let (mut change, org, team) = begin_team_change(svc, actor, team_id, TeamAction::Edit).await?;
    let (Some(name), Some(description)) = (name, description) else {
        return Err(Error::Validation(errors));
    };
    let updated = sqlx::query(
        "UPDATE teams SET name = $1, name_key = $2, description = $3 \
         WHERE org_id = $4 AND id = $5",
    )
    .bind(&name)
    .bind(name.to_lowercase())
    .bind(&description)
    .bind(org.to_string())
    .bind(team.to_string())
    .execute(change.conn())
    .await;
    name_clash(updated)?;
    finish(change, actor, org, Audited::TeamUpdated, team, "", now).await
}

/// Deletes a team: its members lose what it gave them on their next request; invitations that
/// named it no longer join it. Owners and Admins only.
///
/// Errors: `NotFound`; `Forbidden` for Members (its lead too).
pub async fn delete_team(svc: &Services, actor: &Actor, team_id: &str) -> Result<(), Error> {
    let now = svc.clock.now();
    let (mut change, org, team) =
        begin_team_change(svc, actor, team_id, TeamAction::Delete).await?;
    // Invitations let go of the team first: an acceptance that has claimed its teams (and may be
    // joining this one) is waited for here, before the team's row is locked, rather than
    // deadlocking with it; whom it added is then deleted with the team.
    sqlx::query("DELETE FROM invitation_teams WHERE team_id = $1")
        .bind(team.to_string())
        .execute(change.conn())
        .await?;
    sqlx::query("DELETE FROM teams WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(team.to_string())
        .execute(change.conn())
        .await?;
    finish(change, actor, org, Audited::TeamDeleted, team, "", now).await
}

/// The opening every change to a team shares: its id parsed, the organization locked, the
/// caller's role and place in the team read under that lock, and `action` decided.
async fn begin_team_change<'a>(
    svc: &'a Services,
    actor: &Actor,
    team_id: &str,
    action: TeamAction,
) -> Result<(Change<'a>, OrgId, TeamId), Error> {
    let (org, _) = current_org(actor)?;
    let team = TeamId::parse(team_id).ok_or(Error::NotFound)?;
    let mut change = Change::begin(svc).await?;
    let caller_role = crate::orgs::lock_as_caller(change.conn(), org, actor.user_id).await?;
    let row: Option<(String, Option<i64>)> = sqlx::query_as(
        "SELECT t.id, (SELECT m.is_lead FROM team_members m \
                       WHERE m.team_id = t.id AND m.user_id = $3) \
         FROM teams t WHERE t.org_id = $1 AND t.id = $2",
    )
    .bind(org.to_string())
    .bind(team.to_string())
    .bind(actor.user_id.to_string())
    .fetch_optional(change.conn())
    .await?;
    let (_, mine) = row.ok_or(Error::NotFound)?;
    let standing = TeamStanding {
        member: mine.is_some(),
        lead: mine == Some(1),
    };
    require(authz::decide_team(Some(caller_role), standing, action))?;
    Ok((change, org, team))
}

/// Every team change ends alike: audited (`team:<id>` then `detail`), then committed with the
/// organization's access snapshot dropped everywhere.
async fn finish(
    mut change: Change<'_>,
    actor: &Actor,
    org: OrgId,
    action: Audited,
    team: TeamId,
    detail: &str,
    now: Timestamp,
) -> Result<(), Error> {
    record(&mut change, actor, org, action, team, detail, now).await?;
    commit(change, org).await
}

/// Audits one team change inside its transaction.
async fn record(
    change: &mut Change<'_>,
    actor: &Actor,
    org: OrgId,
    action: Audited,
    team: TeamId,
    detail: &str,
    now: Timestamp,
) -> Result<(), Error> {
    let event = Event::by(action, actor, org, format!("team:{team}{detail}"));
    audit::record(change.conn(), event, now).await
}

async fn commit(mut change: Change<'_>, org: OrgId) -> Result<(), Error> {
    change.invalidate(Invalidation::Access(org)).await?;
    change.commit().await
}

fn manager(role: Role) -> bool {
    role.manages()
}
