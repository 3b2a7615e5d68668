//! Teams: the Teams screen, a team's page (its members, its lead, the projects it holds a role
//! on) and the changes made there. Every decision is made in `gatehouse_server::teams`: Owners
//! and Admins manage every team, a team's lead adds and removes its members, its members see it.
//!
//! Lists of people are several `user_id` fields, as a form `user_id[0]=…&user_id[1]=…` (as for
//! `add_project_members`; repeated plain keys are refused).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use crate::api::projects::{CandidateView, Created};
use crate::error::AppError;

/// The Teams screen.
pub const TEAMS_PATH: &str = "/settings/teams";

/// A team's page.
pub fn team_path(id: &str) -> String {
    format!("{TEAMS_PATH}/{id}")
}

/// Rows per page of a team's member list (`gatehouse_server::teams`' own page size, which the
/// server does not export yet).
pub const TEAM_MEMBERS_PAGE_SIZE: i64 = 50;

/// A team's lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamLeadView {
    pub user_id: String,
    pub name: String,
}

/// A team, with the caller's place in it and what they may do with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: String,
    pub member_count: i64,
    pub lead: Option<TeamLeadView>,
    /// Projects the team holds a role on.
    pub project_count: i64,
    /// Whether the caller is in the team.
    pub is_member: bool,
    /// Whether the caller leads it.
    pub is_lead: bool,
    /// Whether the caller may add and remove its members (its lead, Owners and Admins).
    pub can_manage_members: bool,
    /// Whether the caller may rename it, choose its lead and delete it (Owners and Admins).
    pub can_edit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamList {
    pub teams: Vec<TeamView>,
    /// Matching teams over all pages.
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    /// Whether the caller may create teams (Owners and Admins).
    pub can_create: bool,
}

/// A project a team holds a role on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamProjectView {
    pub project_id: String,
    pub name: String,
    pub archived: bool,
    /// `admin`, `member` or `viewer`.
    pub role: String,
}

/// One member of a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMemberView {
    pub user_id: String,
    pub name: String,
    pub email: String,
    /// Whether they lead the team.
    pub lead: bool,
    /// `active`, or `deactivated` (in the team, without its access until reactivated).
    pub status: String,
    pub added_by: Option<String>,
    pub added_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMemberList {
    pub members: Vec<TeamMemberView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    /// Whether the caller may add and remove members.
    pub can_manage: bool,
}

#[cfg(feature = "ssr")]
fn team_view(team: gatehouse_server::teams::Team) -> TeamView {
    TeamView {
        id: team.id.to_string(),
        name: team.name,
        description: team.description,
        created_at: team.created_at.to_rfc3339(),
        member_count: team.member_count,
        lead: team.lead.map(|(user_id, name)| TeamLeadView {
            user_id: user_id.to_string(),
            name,
        }),
        project_count: i64::try_from(team.project_count).unwrap_or(i64::MAX),
        is_member: team.standing.member,
        is_lead: team.standing.lead,
        can_manage_members: team.can_manage_members,
        can_edit: team.can_edit,
    }
}

/// The Teams screen: the teams the caller can see (every team for Owners and Admins, their own
/// for Members) whose name contains `query`, by name, a page at a time.
#[server(prefix = "/api", endpoint = "list_teams")]
pub async fn list_teams(query: Option<String>, page: Option<i64>) -> Result<TeamList, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let page = page.unwrap_or(1).max(1);
    let listed = gatehouse_server::teams::list_teams(
        &svc,
        &actor,
        query.as_deref().unwrap_or_default(),
        page,
    )
    .await?;
    Ok(TeamList {
        teams: listed.teams.into_iter().map(team_view).collect(),
        total: listed.total,
        page,
        page_size: gatehouse_server::teams::PAGE_SIZE,
        can_create: listed.can_create,
    })
}

/// One team the caller can see.
#[server(prefix = "/api", endpoint = "get_team")]
pub async fn get_team(team_id: String) -> Result<TeamView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let team = gatehouse_server::teams::get_team(&svc, &actor, &team_id).await?;
    Ok(team_view(team))
}

/// The projects a team holds a role on, by name.
#[server(prefix = "/api", endpoint = "list_team_projects")]
pub async fn list_team_projects(team_id: String) -> Result<Vec<TeamProjectView>, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let projects = gatehouse_server::teams::list_team_projects(&svc, &actor, &team_id).await?;
    Ok(projects
        .into_iter()
        .map(|p| TeamProjectView {
            project_id: p.project_id.to_string(),
            name: p.name,
            archived: p.archived,
            role: p.role.as_str().to_string(),
        })
        .collect())
}

/// "Create Team" (Owners and Admins): its first members (`user_id[0]=…&user_id[1]=…`) and
/// optionally its lead (`lead_user_id`, made a member too).
#[server(prefix = "/api", endpoint = "create_team")]
pub async fn create_team(
    name: String,
    #[server(default)] description: String,
    #[server(default)] user_id: Vec<String>,
    lead_user_id: Option<String>,
) -> Result<Created, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let id = gatehouse_server::teams::create_team(
        &svc,
        &actor,
        &name,
        &description,
        &user_id,
        lead_user_id.as_deref(),
    )
    .await?;
    let id = id.to_string();
    ctx::redirect_form_post(&crate::saved::Saved::TeamCreated.at(&team_path(&id)));
    Ok(Created { id })
}

/// Renames a team and sets its description (Owners and Admins).
#[server(prefix = "/api", endpoint = "update_team")]
pub async fn update_team(
    team_id: String,
    name: String,
    #[server(default)] description: String,
) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::teams::update_team(&svc, &actor, &team_id, &name, &description).await?;
    ctx::redirect_form_post(&crate::saved::Saved::TeamSaved.at(&team_path(&team_id)));
    Ok(())
}

/// Deletes a team: its members lose what it gave them (Owners and Admins).
#[server(prefix = "/api", endpoint = "delete_team")]
pub async fn delete_team(team_id: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::teams::delete_team(&svc, &actor, &team_id).await?;
    ctx::redirect_form_post(&crate::saved::Saved::TeamDeleted.location());
    Ok(())
}

/// A team's members whose name or email contains `query`, the lead first, a page at a time.
#[server(prefix = "/api", endpoint = "list_team_members")]
pub async fn list_team_members(
    team_id: String,
    query: Option<String>,
    page: Option<i64>,
) -> Result<TeamMemberList, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let page = page.unwrap_or(1).max(1);
    let listed = gatehouse_server::teams::list_team_members(
        &svc,
        &actor,
        &team_id,
        query.as_deref().unwrap_or_default(),
        page,
    )
    .await?;
    Ok(TeamMemberList {
        members: listed
            .members
            .into_iter()
            .map(|m| TeamMemberView {
                user_id: m.user_id.to_string(),
                name: m.name,
                email: m.email,
                lead: m.lead,
                status: if m.deactivated {
                    "deactivated"
                } else {
                    "active"
                }
                .to_string(),
                added_by: m.added_by,
                added_at: m.added_at.to_rfc3339(),
            })
            .collect(),
        total: listed.total,
        page,
        page_size: TEAM_MEMBERS_PAGE_SIZE,
        can_manage: listed.can_manage,
    })
}

/// The type-ahead: active organization members matching `query` (name or email) who are not in
/// the team; with `team_id` empty, any active member, for a team being created.
#[server(prefix = "/api", endpoint = "team_member_candidates")]
pub async fn team_member_candidates(
    #[server(default)] team_id: String,
    #[server(default)] query: String,
) -> Result<Vec<CandidateView>, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let found =
        gatehouse_server::teams::team_member_candidates(&svc, &actor, &team_id, &query).await?;
    Ok(found
        .into_iter()
        .map(|c| CandidateView {
            user_id: c.user_id.to_string(),
            name: c.name,
            email: c.email,
        })
        .collect())
}

/// "Add members": puts every `user_id[i]` in the team (its lead, Owners and Admins).
#[server(prefix = "/api", endpoint = "add_team_members")]
pub async fn add_team_members(
    team_id: String,
    #[server(default)] user_id: Vec<String>,
) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::teams::add_team_members(&svc, &actor, &team_id, &user_id).await?;
    ctx::redirect_form_post(&crate::saved::Saved::TeamMembersAdded.at(&team_path(&team_id)));
    Ok(())
}

/// Takes someone out of the team (its lead, Owners and Admins).
#[server(prefix = "/api", endpoint = "remove_team_member")]
pub async fn remove_team_member(team_id: String, user_id: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::teams::remove_team_member(&svc, &actor, &team_id, &user_id).await?;
    ctx::redirect_form_post(&crate::saved::Saved::TeamMemberRemoved.at(&team_path(&team_id)));
    Ok(())
}

/// Makes `user_id` the team's lead (putting them in it), or with `user_id` empty leaves the team
/// without one (Owners and Admins).
#[server(prefix = "/api", endpoint = "set_team_lead")]
pub async fn set_team_lead(
    team_id: String,
    #[server(default)] user_id: String,
) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::teams::set_team_lead(&svc, &actor, &team_id, &user_id).await?;
    ctx::redirect_form_post(&crate::saved::Saved::TeamLead.at(&team_path(&team_id)));
    Ok(())
}
