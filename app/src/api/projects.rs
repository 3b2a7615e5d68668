//! Projects: the list, a project's settings, its Members tab, and the permission check the apps
//! relying on Gatehouse call. Roles are `admin`, `member`, `viewer`; permissions `view`, `use`,
//! `edit`; times ISO 8601 in UTC. Every decision is made in `gatehouse_server::projects`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

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
    /// How the caller holds it: `organization_owner`, `organization_admin` or `direct`.
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

/// One row of a project's Members tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectMemberView {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    /// `organization_owner`, `organization_admin` or `direct`.
    pub access: String,
    /// How they have access, in words: "Organization Owner", "Organization Admin", "Direct".
    pub access_label: String,
    /// `active`, or `deactivated` (their role waits; no access meanwhile).
    pub status: String,
    pub added_by: Option<String>,
    pub added_at: Option<String>,
    /// Whether the caller may change this row's role or remove it.
    pub can_change: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectMemberList {
    pub members: Vec<ProjectMemberView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    /// Whether the caller may add members (project Admin, project not archived).
    pub can_manage: bool,
    /// Whether the caller may invite people who are not in the organization yet.
    pub can_invite: bool,
}

/// An organization member the Members tab's type-ahead offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateView {
    pub user_id: String,
    pub name: String,
    pub email: String,
}

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

#[cfg(feature = "ssr")]
mod wording {
    use gatehouse_server::authz::Via;
    use gatehouse_server::projects::Reason;
    use gatehouse_server::{ProjectRole, Role, Timestamp};

    pub fn access(via: Via) -> (&'static str, &'static str) {
        match via {
            Via::Organization(Role::Owner) => ("organization_owner", "Organization Owner"),
            Via::Organization(_) => ("organization_admin", "Organization Admin"),
            Via::Grant => ("direct", "Direct"),
        }
    }

    pub fn role_label(role: ProjectRole) -> &'static str {
        match role {
            ProjectRole::Admin => "Admin",
            ProjectRole::Member => "Member",
            ProjectRole::Viewer => "Viewer",
        }
    }

    fn permission_label(role: ProjectRole) -> &'static str {
        match role.highest_permission() {
            gatehouse_server::Permission::View => "View",
            gatehouse_server::Permission::Use => "Use",
            gatehouse_server::Permission::Edit => "Edit",
        }
    }

    /// A reason without its leading permission: "Admin of the organization".
    pub fn because(reason: &Reason, now: Timestamp) -> String {
        match reason {
            Reason::Organization(role) => format!("{} of the organization", role.label()),
            Reason::Grant {
                role,
                added_by,
                added_at,
            } => {
                let mut text = format!("{} of this project", role_label(*role));
                if let Some(by) = added_by {
                    text.push_str(&format!(", added by {by}"));
                }
                if let Some(at) = added_at {
                    let on = crate::time::day(at.as_millis(), now.as_millis());
                    text.push_str(&format!(" on {on}"));
                }
                text
            }
            Reason::NoRole => "No role on this project".to_string(),
            Reason::Deactivated => "Deactivated in the organization: no access until \
                                    reactivated"
                .to_string(),
            Reason::Archived => "The project is archived: read-only".to_string(),
        }
    }

    /// A reason as the explainer says it: "Edit — Admin of the organization".
    pub fn explained(reason: &Reason, now: Timestamp) -> String {
        let role = match reason {
            Reason::Organization(_) => Some(ProjectRole::Admin),
            Reason::Grant { role, .. } => Some(*role),
            _ => None,
        };
        match role {
            Some(role) => format!("{} — {}", permission_label(role), because(reason, now)),
            None => because(reason, now),
        }
    }
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

/// A project's Members tab: implicit Admins and everyone granted a role whose name or email
/// contains `query`, a page at a time.
#[server(prefix = "/api", endpoint = "list_project_members")]
pub async fn list_project_members(
    project_id: String,
    query: Option<String>,
    page: Option<i64>,
) -> Result<ProjectMemberList, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let role = org_role(&actor)?;
    let page = page.unwrap_or(1).max(1);
    let listed = gatehouse_server::projects::list_project_members(
        &svc,
        &actor,
        &project_id,
        query.as_deref().unwrap_or_default(),
        page,
    )
    .await?;
    let can_manage = listed.can_manage;
    Ok(ProjectMemberList {
        members: listed
            .members
            .into_iter()
            .map(|m| {
                let (access, access_label) = wording::access(m.via);
                ProjectMemberView {
                    user_id: m.user_id.to_string(),
                    can_change: can_manage && access == "direct",
                    name: m.name,
                    email: m.email,
                    role: m.role.as_str().to_string(),
                    access: access.to_string(),
                    access_label: access_label.to_string(),
                    status: if m.deactivated {
                        "deactivated"
                    } else {
                        "active"
                    }
                    .to_string(),
                    added_by: m.added_by,
                    added_at: m.added_at.map(|at| at.to_rfc3339()),
                }
            })
            .collect(),
        total: listed.total,
        page,
        page_size: gatehouse_server::projects::MEMBERS_PAGE_SIZE,
        can_manage,
        can_invite: can_manage
            && gatehouse_server::authz::decide(
                Some(role),
                gatehouse_server::authz::Action::Invite {
                    role: gatehouse_server::Role::Member,
                },
                None,
            )
            .is_allowed(),
    })
}

/// The Members tab's type-ahead: organization members matching `query` (name or email) without
/// a role on the project.
#[server(prefix = "/api", endpoint = "project_member_candidates")]
pub async fn project_member_candidates(
    project_id: String,
    #[server(default)] query: String,
) -> Result<Vec<CandidateView>, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let found =
        gatehouse_server::projects::project_member_candidates(&svc, &actor, &project_id, &query)
            .await?;
    Ok(found
        .into_iter()
        .map(|c| CandidateView {
            user_id: c.user_id.to_string(),
            name: c.name,
            email: c.email,
        })
        .collect())
}

/// "Add": grants `role` to every `user_id` (as a form: `user_id[0]=…&user_id[1]=…`).
#[server(prefix = "/api", endpoint = "add_project_members")]
pub async fn add_project_members(
    project_id: String,
    #[server(default)] user_id: Vec<String>,
    role: String,
) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::projects::add_project_members(&svc, &actor, &project_id, &user_id, &role)
        .await?;
    ctx::redirect_form_post(
        &crate::saved::Saved::ProjectMembersAdded.at(&members_path(&project_id)),
    );
    Ok(())
}

#[server(prefix = "/api", endpoint = "update_project_member_role")]
pub async fn update_project_member_role(
    project_id: String,
    user_id: String,
    role: String,
) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::projects::update_project_member_role(
        &svc,
        &actor,
        &project_id,
        &user_id,
        &role,
    )
    .await?;
    ctx::redirect_form_post(&crate::saved::Saved::ProjectRole.at(&members_path(&project_id)));
    Ok(())
}

#[server(prefix = "/api", endpoint = "remove_project_member")]
pub async fn remove_project_member(project_id: String, user_id: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::projects::remove_project_member(&svc, &actor, &project_id, &user_id).await?;
    ctx::redirect_form_post(
        &crate::saved::Saved::ProjectMemberRemoved.at(&members_path(&project_id)),
    );
    Ok(())
}

/// Invites someone who is not in the organization yet as a Member who gets `role` on the
/// project when they accept (organization Owners and Admins).
#[server(prefix = "/api", endpoint = "invite_to_project")]
pub async fn invite_to_project(
    project_id: String,
    email: String,
    role: String,
) -> Result<crate::api::invitations::IssuedInvitation, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let issued =
        gatehouse_server::invitations::invite_to_project(&svc, &actor, &email, &project_id, &role)
            .await?;
    ctx::redirect_form_post(&crate::saved::Saved::ProjectInvited.at(&members_path(&project_id)));
    Ok(crate::api::invitations::IssuedInvitation {
        id: issued.id.to_string(),
        link: issued.link,
        expires_at: issued.expires_at.to_rfc3339(),
        emailed: issued.emailed,
    })
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
#[server(prefix = "/api", endpoint = "check_permission")]
pub async fn check_permission(
    project_id: String,
    permission: String,
    user_id: Option<String>,
) -> Result<PermissionAnswer, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let answer = gatehouse_server::projects::check_permission(
        &svc,
        &actor,
        &project_id,
        &permission,
        user_id.as_deref(),
    )
    .await?;
    Ok(PermissionAnswer {
        allowed: answer.allowed,
        role: answer.role.map(|r| r.as_str().to_string()),
        because: wording::because(&answer.because, svc.clock.now()),
    })
}

/// Every project the caller can see, with their effective role.
#[server(prefix = "/api", endpoint = "list_my_projects")]
pub async fn list_my_projects() -> Result<Vec<MyProjectView>, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let projects = gatehouse_server::projects::list_my_projects(&svc, &actor).await?;
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
