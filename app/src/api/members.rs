//! The Members screen: list and search the organization's members, change roles, remove,
//! deactivate and reactivate them, hand out password reset links, and leave.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One member. Roles are lowercase; times ISO 8601 in UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    /// `on` or `off`.
    pub mfa: String,
    /// Set when the organization's policy requires MFA of this member and they have none yet:
    /// the end of their grace period (milliseconds since the Unix epoch).
    pub mfa_required_by: Option<i64>,
    /// Whole days left of that grace period (0 once it is over).
    pub mfa_days_left: Option<i64>,
    /// `active` or `deactivated`.
    pub status: String,
    /// Latest activity of their devices in this organization; `null` when none is signed in.
    pub last_active_at: Option<String>,
    /// When they last signed in (kept after their sessions end); `null` if never.
    #[serde(default)]
    pub last_sign_in_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberList {
    pub members: Vec<MemberView>,
    /// Matching members over all pages.
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// A password reset link to hand over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetLinkView {
    pub link: String,
    pub expires_at: String,
}

/// Members by name, 25 a page; `query` searches names and emails; `inactive_days` (1–3650)
/// keeps only those with no sign-in for that many days.
#[server(prefix = "/api", endpoint = "list_members")]
pub async fn list_members(
    query: Option<String>,
    page: Option<i64>,
    inactive_days: Option<i64>,
) -> Result<MemberList, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let page = page.unwrap_or(1).max(1);
    let now = svc.clock.now();
    let listed = gatehouse_server::members::list_members_filtered(
        &svc,
        &actor,
        query.as_deref().unwrap_or_default(),
        inactive_days,
        page,
    )
    .await?;
    Ok(MemberList {
        members: listed
            .members
            .into_iter()
            .map(|m| MemberView {
                user_id: m.user_id.to_string(),
                name: m.name,
                email: m.email,
                role: m.role.as_str().to_string(),
                mfa: if m.mfa_enabled { "on" } else { "off" }.to_string(),
                mfa_required_by: m
                    .mfa_required_by
                    .map(gatehouse_server::Timestamp::as_millis),
                mfa_days_left: m
                    .mfa_required_by
                    .map(|deadline| gatehouse_server::security_policy::days_left(deadline, now)),
                status: if m.deactivated {
                    "deactivated"
                } else {
                    "active"
                }
                .to_string(),
                last_active_at: m.last_active_at.map(|at| at.to_rfc3339()),
                last_sign_in_at: m.last_sign_in_at.map(|at| at.to_rfc3339()),
            })
            .collect(),
        total: listed.total,
        page,
        page_size: gatehouse_server::members::PAGE_SIZE,
    })
}

#[server(prefix = "/api", endpoint = "update_member_role")]
pub async fn update_member_role(user_id: String, role: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::members::update_member_role(&svc, &actor, &user_id, &role).await?;
    ctx::redirect_form_post(&crate::saved::Saved::Role.location());
    Ok(())
}

#[server(prefix = "/api", endpoint = "remove_member")]
pub async fn remove_member(user_id: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::members::remove_member(&svc, &actor, &user_id).await?;
    ctx::redirect_form_post(&crate::saved::Saved::Removed.location());
    Ok(())
}

#[server(prefix = "/api", endpoint = "deactivate_member")]
pub async fn deactivate_member(user_id: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::members::deactivate_member(&svc, &actor, &user_id).await?;
    ctx::redirect_form_post(&crate::saved::Saved::Deactivated.location());
    Ok(())
}

#[server(prefix = "/api", endpoint = "reactivate_member")]
pub async fn reactivate_member(user_id: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::members::reactivate_member(&svc, &actor, &user_id).await?;
    ctx::redirect_form_post(&crate::saved::Saved::Reactivated.location());
    Ok(())
}

#[server(prefix = "/api", endpoint = "create_reset_link")]
pub async fn create_reset_link(user_id: String) -> Result<ResetLinkView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let link = gatehouse_server::password_resets::create_reset_link(&svc, &actor, &user_id).await?;
    Ok(ResetLinkView {
        link: link.link,
        expires_at: link.expires_at.to_rfc3339(),
    })
}

#[server(prefix = "/api", endpoint = "leave_organization")]
pub async fn leave_organization() -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::members::leave_organization(&svc, &actor).await?;
    ctx::redirect_form_post("/");
    Ok(())
}
