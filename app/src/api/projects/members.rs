//! A project's Members tab: its people, the type-ahead, adding, re-roling, removing and
//! inviting.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::members_path;
#[cfg(feature = "ssr")]
use super::org_role;
#[cfg(feature = "ssr")]
use super::wording;
use crate::error::AppError;

/// One row of a project's Members tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectMemberView {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    /// `organization_owner`, `organization_admin` or `direct` (people holding a role only
    /// through a team are in the teams list, not here).
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
