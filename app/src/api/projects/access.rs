//! Answers about access: `check_permission` and `list_my_projects` for the apps relying on
//! Gatehouse, the explainer, and a member's projects.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::wording;
use crate::error::AppError;

/// `check_permission`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionAnswer {
    pub allowed: bool,
    /// The effective role; `null` without one.
    pub role: Option<String>,
    /// Why, in words: "Admin of the organization", "Member of this project", …
    pub because: String,
}

/// Why a person holds their role on a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessExplanation {
    pub user_id: String,
    pub name: String,
    pub project_name: String,
    pub role: Option<String>,
    /// Every path, strongest first: "Edit — Admin of the organization", "Use — Member of this
    /// project, added by Ada on 3 Dec", or why there is none.
    pub reasons: Vec<String>,
}

/// A project the caller can see, for the apps relying on Gatehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyProjectView {
    pub id: String,
    pub name: String,
    pub archived: bool,
    pub role: String,
}

/// A project a member can reach, for their row on the Members screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberProjectView {
    pub project_id: String,
    pub name: String,
    pub archived: bool,
    pub role: String,
    pub reasons: Vec<String>,
}

/// "Why does this person have access?" — `user_id` defaults to the caller.
#[server(prefix = "/api", endpoint = "explain_access")]
pub async fn explain_access(
    project_id: String,
    user_id: Option<String>,
) -> Result<AccessExplanation, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let now = svc.clock.now();
    let explained =
        gatehouse_server::projects::explain_access(&svc, &actor, &project_id, user_id.as_deref())
            .await?;
    Ok(AccessExplanation {
        user_id: explained.user_id.to_string(),
        name: explained.name,
        project_name: explained.project_name,
        role: explained.role.map(|r| r.as_str().to_string()),
        reasons: explained
            .reasons
            .iter()
            .map(|r| wording::explained(r, now))
            .collect(),
    })
}

/// Whether the caller (or `user_id`) holds `permission` (`view`, `use`, `edit`) on a project.
/// Takes a session or an API key (`Authorization: Bearer`).
#[server(prefix = "/api", endpoint = "check_permission")]
pub async fn check_permission(
    project_id: String,
    permission: String,
    user_id: Option<String>,
) -> Result<PermissionAnswer, AppError> {
    use crate::ctx::{self, Principal};
    use gatehouse_server::projects;
    let svc = ctx::services()?;
    let (project_id, permission, user_id) = (&project_id, &permission, user_id.as_deref());
    let answer = match ctx::require_principal()? {
        Principal::Person(actor) => {
            projects::check_permission(&svc, &actor, project_id, permission, user_id).await?
        }
        Principal::Key(key) => {
            projects::check_permission_with_key(&svc, &key, project_id, permission, user_id).await?
        }
    };
    Ok(PermissionAnswer {
        allowed: answer.allowed,
        role: answer.role.map(|r| r.as_str().to_string()),
        because: wording::because(&answer.because, svc.clock.now()),
    })
}

/// Every project the caller can see, with their effective role. Takes a session or an API
/// key.
#[server(prefix = "/api", endpoint = "list_my_projects")]
pub async fn list_my_projects() -> Result<Vec<MyProjectView>, AppError> {
    use crate::ctx::{self, Principal};
    let svc = ctx::services()?;
    let projects = match ctx::require_principal()? {
        Principal::Person(actor) => {
            gatehouse_server::projects::list_my_projects(&svc, &actor).await?
        }
        Principal::Key(key) => gatehouse_server::projects::list_key_projects(&svc, &key).await?,
    };
    Ok(projects
        .into_iter()
        .map(|p| MyProjectView {
            id: p.id.to_string(),
            name: p.name,
            archived: p.archived,
            role: p.role.as_str().to_string(),
        })
        .collect())
}

/// The projects a member can reach, each with role and reasons (the member themselves, or
/// organization Owners and Admins).
#[server(prefix = "/api", endpoint = "list_member_projects")]
pub async fn list_member_projects(user_id: String) -> Result<Vec<MemberProjectView>, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let now = svc.clock.now();
    let projects = gatehouse_server::projects::list_member_projects(&svc, &actor, &user_id).await?;
    Ok(projects
        .into_iter()
        .map(|p| MemberProjectView {
            project_id: p.project_id.to_string(),
            name: p.name,
            archived: p.archived,
            role: p.role.as_str().to_string(),
            reasons: p
                .reasons
                .iter()
                .map(|r| wording::explained(r, now))
                .collect(),
        })
        .collect())
}
