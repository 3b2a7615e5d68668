//! Teams on a project's Members tab: which teams hold a role on it, the type-ahead that finds
//! teams to add, and adding, re-roling and removing them. Everyone in a team holds its role; the
//! right that manages the project's members manages its teams (`gatehouse_server::projects`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::members_path;
use crate::error::AppError;

/// A team holding a role on a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectTeamView {
    pub team_id: String,
    pub name: String,
    pub role: String,
    /// People in the team (each holds `role` on the project).
    pub member_count: i64,
    /// Who gave the team its role (a name; `null` when their account is gone), and when.
    pub added_by: Option<String>,
    pub added_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectTeamList {
    pub teams: Vec<ProjectTeamView>,
    /// Whether the caller may add teams, change their roles and remove them (project Admin,
    /// project not archived).
    pub can_manage: bool,
}

/// A team the "Add team" type-ahead offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamCandidateView {
    pub team_id: String,
    pub name: String,
    pub member_count: i64,
}

/// The teams holding a role on a project, by name. Anyone who can see the project.
#[server(prefix = "/api", endpoint = "list_project_teams")]
pub async fn list_project_teams(project_id: String) -> Result<ProjectTeamList, AppError> {
    use crate::ctx;
    use gatehouse_server::authz::{ProjectAction, decide_project};
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let teams = gatehouse_server::projects::list_project_teams(&svc, &actor, &project_id).await?;
    // What the buttons show; the domain decides each change again.
    let project = gatehouse_server::projects::get_project(&svc, &actor, &project_id).await?;
    let can_manage = decide_project(
        Some(super::org_role(&actor)?),
        Some(project.access),
        project.archived,
        ProjectAction::ManageMembers,
    )
    .is_allowed();
    Ok(ProjectTeamList {
        teams: teams
            .into_iter()
            .map(|t| ProjectTeamView {
                team_id: t.team_id.to_string(),
                name: t.name,
                role: t.role.as_str().to_string(),
                member_count: t.member_count,
                added_by: t.added_by,
                added_at: t.added_at.to_rfc3339(),
            })
            .collect(),
        can_manage,
    })
}

/// "Add team"'s type-ahead: up to 10 teams of the organization whose name contains `query`
/// (every team for an empty one) and that hold no role on the project yet.
#[server(prefix = "/api", endpoint = "project_team_candidates")]
pub async fn project_team_candidates(
    project_id: String,
    #[server(default)] query: String,
) -> Result<Vec<TeamCandidateView>, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let found =
        gatehouse_server::projects::project_team_candidates(&svc, &actor, &project_id, &query)
            .await?;
    Ok(found
        .into_iter()
        .map(|c| TeamCandidateView {
            team_id: c.team_id.to_string(),
            name: c.name,
            member_count: c.member_count,
        })
        .collect())
}

/// "Add team": everyone in the team holds `role` on the project.
#[server(prefix = "/api", endpoint = "add_project_team")]
pub async fn add_project_team(
    project_id: String,
    #[server(default)] team_id: String,
    role: String,
) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::projects::add_project_team(&svc, &actor, &project_id, &team_id, &role)
        .await?;
    ctx::redirect_form_post(&crate::saved::Saved::ProjectTeamAdded.at(&members_path(&project_id)));
    Ok(())
}

#[server(prefix = "/api", endpoint = "update_project_team_role")]
pub async fn update_project_team_role(
    project_id: String,
    team_id: String,
    role: String,
) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::projects::update_project_team_role(
        &svc,
        &actor,
        &project_id,
        &team_id,
        &role,
    )
    .await?;
    ctx::redirect_form_post(&crate::saved::Saved::ProjectTeamRole.at(&members_path(&project_id)));
    Ok(())
}

#[server(prefix = "/api", endpoint = "remove_project_team")]
pub async fn remove_project_team(project_id: String, team_id: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::projects::remove_project_team(&svc, &actor, &project_id, &team_id).await?;
    ctx::redirect_form_post(
        &crate::saved::Saved::ProjectTeamRemoved.at(&members_path(&project_id)),
    );
    Ok(())
}
