//! Service accounts: the Settings → Service accounts screen and its changes (Owners and Admins),
//! and service accounts on a project's Members tab. Every decision is made in
//! `gatehouse_server::service_accounts` and `gatehouse_server::projects`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use crate::api::projects::Created;
#[cfg(feature = "ssr")]
use crate::api::projects::members_path;
use crate::error::AppError;

/// The Service accounts screen.
pub const SERVICE_ACCOUNTS_PATH: &str = "/settings/service-accounts";

/// A service account's page: its projects and keys.
pub fn service_account_path(id: &str) -> String {
    format!("{SERVICE_ACCOUNTS_PATH}/{id}")
}

/// A project a service account holds a role on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAccountProjectView {
    pub project_id: String,
    pub name: String,
    /// `admin`, `member` or `viewer`.
    pub role: String,
}

/// A service account as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAccountView {
    pub id: String,
    pub name: String,
    pub description: String,
    /// `active` or `deactivated`.
    pub status: String,
    pub created_at: String,
    pub created_by: Option<String>,
    pub projects: Vec<ServiceAccountProjectView>,
    /// Keys neither revoked nor expired.
    pub key_count: i64,
    pub last_used_at: Option<String>,
}

/// A service account holding a role on a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectServiceAccountView {
    pub service_account_id: String,
    pub name: String,
    pub role: String,
    /// `active` or `deactivated`.
    pub status: String,
    pub added_by: Option<String>,
    pub added_at: String,
}

/// A service account that may be added to a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAccountCandidateView {
    pub service_account_id: String,
    pub name: String,
}

#[cfg(feature = "ssr")]
fn status(deactivated: bool) -> String {
    if deactivated { "deactivated" } else { "active" }.to_string()
}

/// The organization's service accounts by name, each with its projects, live keys and last
/// use (Owners and Admins).
#[server(prefix = "/api", endpoint = "list_service_accounts")]
pub async fn list_service_accounts() -> Result<Vec<ServiceAccountView>, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let accounts = gatehouse_server::service_accounts::list_service_accounts(&svc, &actor).await?;
    Ok(accounts
        .into_iter()
        .map(|a| ServiceAccountView {
            id: a.id.to_string(),
            name: a.name,
            description: a.description,
            status: status(a.deactivated),
            created_at: a.created_at.to_rfc3339(),
            created_by: a.created_by,
            projects: a
                .projects
                .into_iter()
                .map(|p| ServiceAccountProjectView {
                    project_id: p.project_id.to_string(),
                    name: p.name,
                    role: p.role.as_str().to_string(),
                })
                .collect(),
            key_count: a.key_count,
            last_used_at: a.last_used_at.map(|t| t.to_rfc3339()),
        })
        .collect())
}

/// Creates a service account (Owners and Admins).
#[server(prefix = "/api", endpoint = "create_service_account")]
pub async fn create_service_account(
    name: String,
    #[server(default)] description: String,
) -> Result<Created, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let id = gatehouse_server::service_accounts::create_service_account(
        &svc,
        &actor,
        &name,
        &description,
    )
    .await?;
    let id = id.to_string();
    ctx::redirect_form_post(
        &crate::saved::Saved::ServiceAccountCreated.at(&service_account_path(&id)),
    );
    Ok(Created { id })
}

/// Renames a service account and sets its description (Owners and Admins).
#[server(prefix = "/api", endpoint = "update_service_account")]
pub async fn update_service_account(
    service_account_id: String,
    name: String,
    #[server(default)] description: String,
) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::service_accounts::update_service_account(
        &svc,
        &actor,
        &service_account_id,
        &name,
        &description,
    )
    .await?;
    ctx::redirect_form_post(
        &crate::saved::Saved::ServiceAccountSaved.at(&service_account_path(&service_account_id)),
    );
    Ok(())
}

/// Deactivates a service account: its keys stop at once (Owners and Admins).
#[server(prefix = "/api", endpoint = "deactivate_service_account")]
pub async fn deactivate_service_account(service_account_id: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::service_accounts::deactivate_service_account(
        &svc,
        &actor,
        &service_account_id,
    )
    .await?;
    ctx::redirect_form_post(
        &crate::saved::Saved::ServiceAccountDeactivated
            .at(&service_account_path(&service_account_id)),
    );
    Ok(())
}

/// Reactivates a service account (Owners and Admins).
#[server(prefix = "/api", endpoint = "reactivate_service_account")]
pub async fn reactivate_service_account(service_account_id: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::service_accounts::reactivate_service_account(
        &svc,
        &actor,
        &service_account_id,
    )
    .await?;
    ctx::redirect_form_post(
        &crate::saved::Saved::ServiceAccountReactivated
            .at(&service_account_path(&service_account_id)),
    );
    Ok(())
}

/// Deletes a service account with its keys and project roles (Owners and Admins).
#[server(prefix = "/api", endpoint = "delete_service_account")]
pub async fn delete_service_account(service_account_id: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::service_accounts::delete_service_account(&svc, &actor, &service_account_id)
        .await?;
    ctx::redirect_form_post(&crate::saved::Saved::ServiceAccountDeleted.location());
    Ok(())
}

/// The service accounts holding a role on a project.
#[server(prefix = "/api", endpoint = "list_project_service_accounts")]
pub async fn list_project_service_accounts(
    project_id: String,
) -> Result<Vec<ProjectServiceAccountView>, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let accounts =
        gatehouse_server::projects::list_project_service_accounts(&svc, &actor, &project_id)
            .await?;
    Ok(accounts
        .into_iter()
        .map(|a| ProjectServiceAccountView {
            service_account_id: a.service_account_id.to_string(),
            name: a.name,
            role: a.role.as_str().to_string(),
            status: status(a.deactivated),
            added_by: a.added_by,
            added_at: a.added_at.to_rfc3339(),
        })
        .collect())
}

/// Service accounts that may be added to a project (those holding no role on it yet).
#[server(prefix = "/api", endpoint = "project_service_account_candidates")]
pub async fn project_service_account_candidates(
    project_id: String,
) -> Result<Vec<ServiceAccountCandidateView>, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let candidates =
        gatehouse_server::projects::project_service_account_candidates(&svc, &actor, &project_id)
            .await?;
    Ok(candidates
        .into_iter()
        .map(|c| ServiceAccountCandidateView {
            service_account_id: c.service_account_id.to_string(),
            name: c.name,
        })
        .collect())
}

/// Gives a service account `role` on a project.
#[server(prefix = "/api", endpoint = "add_project_service_account")]
pub async fn add_project_service_account(
    project_id: String,
    service_account_id: String,
    role: String,
) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::projects::add_project_service_account(
        &svc,
        &actor,
        &project_id,
        &service_account_id,
        &role,
    )
    .await?;
    ctx::redirect_form_post(
        &crate::saved::Saved::ProjectServiceAccountAdded.at(&members_path(&project_id)),
    );
    Ok(())
}

/// Changes the role a service account holds on a project.
#[server(prefix = "/api", endpoint = "update_project_service_account_role")]
pub async fn update_project_service_account_role(
    project_id: String,
    service_account_id: String,
    role: String,
) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::projects::update_project_service_account_role(
        &svc,
        &actor,
        &project_id,
        &service_account_id,
        &role,
    )
    .await?;
    ctx::redirect_form_post(
        &crate::saved::Saved::ProjectServiceAccountRole.at(&members_path(&project_id)),
    );
    Ok(())
}

/// Takes a service account's role on a project away.
#[server(prefix = "/api", endpoint = "remove_project_service_account")]
pub async fn remove_project_service_account(
    project_id: String,
    service_account_id: String,
) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::projects::remove_project_service_account(
        &svc,
        &actor,
        &project_id,
        &service_account_id,
    )
    .await?;
    ctx::redirect_form_post(
        &crate::saved::Saved::ProjectServiceAccountRemoved.at(&members_path(&project_id)),
    );
    Ok(())
}
