//! API keys: listing, creating (the secret answered once), rotating and revoking them, and the
//! calls made *with* a key: `whoami` and `introspect_key` (`check_permission` and
//! `list_my_projects` take keys too; see `api::projects::access`). Every decision is made in
//! `gatehouse_server::api_keys`.
//!
//! Keys travel only in `Authorization: Bearer`; a key in a URL's query is refused before any
//! server function runs (see the server's middleware).

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A project's API keys tab: the caller's personal keys for it.
pub fn project_keys_path(project_id: &str) -> String {
    format!("/projects/{project_id}/keys")
}

/// A key as lists show it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    /// `service_account` or `personal`.
    pub kind: String,
    pub service_account_id: Option<String>,
    pub service_account_name: Option<String>,
    /// A personal key's owner and project.
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub project_id: Option<String>,
    pub project_name: Option<String>,
    /// `ghk_…` and the last four characters.
    pub hint: String,
    /// `active`, `expiring_soon` (within 7 days), `expired` or `revoked`.
    pub status: String,
    pub created_at: String,
    pub created_by: Option<String>,
    pub expires_at: String,
    pub rotated_at: Option<String>,
    /// While a rotation's overlap lasts: until when the previous secret still works.
    pub previous_valid_until: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
    pub last_used_ip: Option<String>,
    /// Whether the caller may rotate and revoke it.
    pub can_manage: bool,
}

/// A key just created or rotated: the secret, this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedKeyView {
    pub id: String,
    pub secret: String,
    pub expires_at: String,
}

/// Who a key (or a session) acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhoamiView {
    /// `service_account` or `user`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub name: String,
    /// The organization's id.
    pub organization: String,
    pub organization_name: String,
    /// A personal key's project; `null` otherwise.
    pub project: Option<String>,
    /// The key the call was made with; `null` for a session.
    pub key_id: Option<String>,
    pub expires_at: Option<String>,
}

/// RFC 7662's answer: only `active` for an inactive key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntrospectionView {
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Project id → what the key may do there (`view`, `use`, `edit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<BTreeMap<String, Vec<String>>>,
    /// Expiry, in seconds since 1970 (RFC 7662).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
}

#[cfg(feature = "ssr")]
fn key_view(key: gatehouse_server::api_keys::ApiKey) -> ApiKeyView {
    use gatehouse_server::api_keys::KeyOwner;
    let rfc = |t: gatehouse_server::Timestamp| t.to_rfc3339();
    let (kind, account, person) = match key.owner {
        KeyOwner::ServiceAccount { id, name } => ("service_account", Some((id, name)), None),
        KeyOwner::Person {
            user_id,
            name,
            project_id,
            project_name,
        } => (
            "personal",
            None,
            Some((user_id, name, project_id, project_name)),
        ),
    };
    ApiKeyView {
        id: key.id.to_string(),
        name: key.name,
        kind: kind.to_string(),
        service_account_id: account.as_ref().map(|(id, _)| id.to_string()),
        service_account_name: account.map(|(_, name)| name),
        user_id: person.as_ref().map(|p| p.0.to_string()),
        user_name: person.as_ref().map(|p| p.1.clone()),
        project_id: person.as_ref().map(|p| p.2.to_string()),
        project_name: person.map(|p| p.3),
        hint: key.hint,
        status: key.status.as_str().to_string(),
        created_at: rfc(key.created_at),
        created_by: key.created_by,
        expires_at: rfc(key.expires_at),
        rotated_at: key.rotated_at.map(rfc),
        previous_valid_until: key.previous_valid_until.map(rfc),
        revoked_at: key.revoked_at.map(rfc),
        last_used_at: key.last_used_at.map(rfc),
        last_used_ip: key.last_used_ip,
        can_manage: key.can_manage,
    }
}

#[cfg(feature = "ssr")]
fn issued_view(issued: gatehouse_server::api_keys::IssuedKey) -> IssuedKeyView {
    IssuedKeyView {
        id: issued.id.to_string(),
        secret: issued.secret,
        expires_at: issued.expires_at.to_rfc3339(),
    }
}

/// Keys of the caller's organization, newest first: a service account's (`service_account_id`,
/// Owners and Admins), a project's personal keys (`project_id`), or, with neither, every key for
/// Owners and Admins and their own for Members.
#[server(prefix = "/api", endpoint = "list_api_keys")]
pub async fn list_api_keys(
    project_id: Option<String>,
    service_account_id: Option<String>,
) -> Result<Vec<ApiKeyView>, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let keys = gatehouse_server::api_keys::list_api_keys(
        &svc,
        &actor,
        project_id.as_deref(),
        service_account_id.as_deref(),
    )
    .await?;
    Ok(keys.into_iter().map(key_view).collect())
}

/// Creates a key (`name`, `expires_in_days`: 7, 30, 90 or 365, default 90) for a service
/// account (`service_account_id`) or, with `project_id`, a personal key for the caller on that
/// project. The answer carries the secret, this once.
#[server(prefix = "/api", endpoint = "create_api_key")]
pub async fn create_api_key(
    name: String,
    #[server(default)] expires_in_days: String,
    service_account_id: Option<String>,
    project_id: Option<String>,
) -> Result<IssuedKeyView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let issued = gatehouse_server::api_keys::create_api_key(
        &svc,
        &actor,
        &name,
        &expires_in_days,
        service_account_id.as_deref(),
        project_id.as_deref(),
    )
    .await?;
    Ok(issued_view(issued))
}

/// A new secret for a key; the previous one keeps working for `overlap` (`none`, `1h`, `1d`,
/// `7d`). The answer carries the new secret, this once.
#[server(prefix = "/api", endpoint = "rotate_api_key")]
pub async fn rotate_api_key(key_id: String, overlap: String) -> Result<IssuedKeyView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let issued =
        gatehouse_server::api_keys::rotate_api_key(&svc, &actor, &key_id, &overlap).await?;
    Ok(issued_view(issued))
}

/// Revokes a key: refused from the next request on every instance.
#[server(prefix = "/api", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(key_id: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::api_keys::revoke_api_key(&svc, &actor, &key_id).await?;
    if let Some(back) = revoked_location() {
        ctx::redirect_form_post(&back);
    }
    Ok(())
}

/// Where a no-JavaScript revoke goes back to, confirming it: the page it was posted from (a
/// service account's page or a project's API keys tab). Elsewhere Leptos' own redirect back
/// applies.
#[cfg(feature = "ssr")]
fn revoked_location() -> Option<String> {
    use crate::saved::Saved;
    let parts = use_context::<http::request::Parts>()?;
    let referer = parts.headers.get(http::header::REFERER)?.to_str().ok()?;
    let uri: http::Uri = referer.parse().ok()?;
    let path = crate::paths::safe_next(Some(uri.path()));
    let saved = if path.starts_with(crate::api::service_accounts::SERVICE_ACCOUNTS_PATH) {
        Saved::ServiceAccountKeyRevoked
    } else if path.starts_with("/projects/") {
        Saved::ProjectKeyRevoked
    } else {
        return None;
    };
    Some(saved.at(&path))
}

/// Who the call acts as: the key's service account or person, or the signed-in person.
#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<WhoamiView, AppError> {
    use crate::ctx::{self, Principal};
    Ok(match ctx::require_principal()? {
        Principal::Key(key) => {
            let me = gatehouse_server::api_keys::whoami(&key);
            WhoamiView {
                kind: me.kind.to_string(),
                id: me.id,
                name: me.name,
                organization: me.organization.to_string(),
                organization_name: me.organization_name,
                project: me.project.map(|p| p.to_string()),
                key_id: Some(me.key_id.to_string()),
                expires_at: Some(me.expires_at.to_rfc3339()),
            }
        }
        Principal::Person(actor) => {
            let org = actor.org.clone().ok_or_else(AppError::unauthenticated)?;
            WhoamiView {
                kind: "user".to_string(),
                id: actor.user_id.to_string(),
                name: actor.name.clone(),
                organization: org.id.to_string(),
                organization_name: org.name,
                project: None,
                key_id: None,
                expires_at: None,
            }
        }
    })
}

/// RFC 7662 introspection of `token`, asked with a service account's key.
#[server(prefix = "/api", endpoint = "introspect_key")]
pub async fn introspect_key(token: String) -> Result<IntrospectionView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let caller = ctx::require_key()?;
    let answer = gatehouse_server::api_keys::introspect_key(&svc, &caller, &token).await?;
    if !answer.active {
        return Ok(IntrospectionView {
            active: false,
            sub: None,
            org: None,
            project: None,
            permissions: None,
            exp: None,
        });
    }
    Ok(IntrospectionView {
        active: true,
        sub: answer.sub,
        org: answer.org.map(|o| o.to_string()),
        project: answer.project.map(|p| p.to_string()),
        permissions: Some(
            answer
                .permissions
                .into_iter()
                .map(|(project, permissions)| {
                    let words = permissions.iter().map(|p| p.as_str().to_string()).collect();
                    (project.to_string(), words)
                })
                .collect(),
        ),
        exp: answer.exp.map(|t| t.as_millis() / 1000),
    })
}
