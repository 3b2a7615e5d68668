//! Projects: the list, a project's settings, its Members tab, and the permission check the apps
//! relying on Gatehouse call. Roles are `admin`, `member`, `viewer`; permissions `view`, `use`,
//! `edit`; times ISO 8601 in UTC. Every decision is made in `gatehouse_server::projects`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

mod access;
mod members;
mod teams;
#[cfg(feature = "ssr")]
mod wording;

pub use access::*;
pub use members::*;
pub use teams::*;

/// The General tab of a project.
pub fn project_path(id: &str) -> String {
    format!("/projects/{id}")
}

/// The Members tab of a project.
pub fn members_path(id: &str) -> String {
    format!("/projects/{id}/members")
}

/// A project with the caller's role on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub archived: bool,
    /// The caller's effective role.
    pub role: String,
    /// How the caller holds it: `organization_owner`, `organization_admin`, `direct`, or `team`
    /// when their strongest role on it comes from a team they are in.
    pub access: String,
    pub created_at: String,
    /// Whether the caller may rename it and change its description (Edit, not archived).
    pub can_edit: bool,
    /// Whether the caller may archive, restore and delete it (organization Owners and Admins).
    pub can_archive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectList {
    pub projects: Vec<ProjectView>,
    /// Matching projects over all pages.
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    /// Whether the caller may create projects (organization Owners and Admins).
    pub can_create: bool,
}

/// A created object's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    pub id: String,
}

#[cfg(feature = "ssr")]
fn project_view(
    project: gatehouse_server::projects::Project,
    org_role: gatehouse_server::Role,
) -> ProjectView {
    use gatehouse_server::authz::{ProjectAction, decide_project};
    let (access, _) = wording::access(project.access.via);
    let may = |action| {
        decide_project(
            Some(org_role),
            Some(project.access),
            project.archived,
            action,
        )
        .is_allowed()
    };
    ProjectView {
        id: project.id.to_string(),
        can_edit: may(ProjectAction::Edit),
        can_archive: may(ProjectAction::Archive),
        name: project.name,
        description: project.description,
        archived: project.archived,
        role: project.access.role.as_str().to_string(),
        access: access.to_string(),
        created_at: project.created_at.to_rfc3339(),
    }
}

/// The caller's organization role (the view's `can_*` flags follow from it).
#[cfg(feature = "ssr")]
fn org_role(actor: &gatehouse_server::Actor) -> Result<gatehouse_server::Role, AppError> {
    Ok(gatehouse_server::authz::current_org(actor)?.1)
}

/// The Projects screen: projects the caller can see whose name or description contains `query`,
/// archived ones when `archived` is true, a page at a time.
#[server(prefix = "/api", endpoint = "list_projects")]
pub async fn list_projects(
    query: Option<String>,
    #[server(default)] archived: bool,
    page: Option<i64>,
) -> Result<ProjectList, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let role = org_role(&actor)?;
    let page = page.unwrap_or(1).max(1);
    let listed = gatehouse_server::projects::list_projects(
        &svc,
        &actor,
        query.as_deref().unwrap_or_default(),
        archived,
        page,
    )
    .await?;
    Ok(ProjectList {
        projects: listed
            .projects
            .into_iter()
            .map(|p| project_view(p, role))
            .collect(),
        total: listed.total,
        page,
        page_size: gatehouse_server::projects::PAGE_SIZE,
        can_create: gatehouse_server::authz::decide_project(
            Some(role),
            None,
            false,
            gatehouse_server::authz::ProjectAction::Create,
        )
        .is_allowed(),
    })
}

/// One project the caller can see.
#[server(prefix = "/api", endpoint = "get_project")]
pub async fn get_project(project_id: String) -> Result<ProjectView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let project = gatehouse_server::projects::get_project(&svc, &actor, &project_id).await?;
    Ok(project_view(project, org_role(&actor)?))
}

/// "New project" (organization Owners and Admins).
#[server(prefix = "/api", endpoint = "create_project")]
pub async fn create_project(
    name: String,
    #[server(default)] description: String,
) -> Result<Created, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let id = gatehouse_server::projects::create_project(&svc, &actor, &name, &description).await?;
    let id = id.to_string();
    ctx::redirect_form_post(&crate::saved::Saved::ProjectCreated.at(&project_path(&id)));
    Ok(Created { id })
}

/// Renames a project and sets its description (Edit on the project).
#[server(prefix = "/api", endpoint = "update_project")]
pub async fn update_project(
    project_id: String,
    name: String,
    #[server(default)] description: String,
) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::projects::update_project(&svc, &actor, &project_id, &name, &description)
        .await?;
    ctx::redirect_form_post(&crate::saved::Saved::ProjectSaved.at(&project_path(&project_id)));
    Ok(())
}

/// Archives a project: read-only, listed under "Archived" (organization Owners and Admins).
#[server(prefix = "/api", endpoint = "archive_project")]
pub async fn archive_project(project_id: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::projects::set_archived(&svc, &actor, &project_id, true).await?;
    ctx::redirect_form_post(&crate::saved::Saved::ProjectArchived.at(&project_path(&project_id)));
    Ok(())
}

/// Restores an archived project (organization Owners and Admins).
#[server(prefix = "/api", endpoint = "restore_project")]
pub async fn restore_project(project_id: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::projects::set_archived(&svc, &actor, &project_id, false).await?;
    ctx::redirect_form_post(&crate::saved::Saved::ProjectRestored.at(&project_path(&project_id)));
    Ok(())
}

/// Deletes a project and its grants; `confirm_name` must be its name (organization Owners and
/// Admins).
#[server(prefix = "/api", endpoint = "delete_project")]
pub async fn delete_project(project_id: String, confirm_name: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::projects::delete_project(&svc, &actor, &project_id, &confirm_name).await?;
    ctx::redirect_form_post(&crate::saved::Saved::ProjectDeleted.location());
    Ok(())
}
