//! The caller's signed-in devices: list them, revoke one, revoke all others.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One active session. Times are ISO 8601 in UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: String,
    /// "Chrome on Windows", or "Unknown device".
    pub device: String,
    /// The address the session signed in from; `null` when unknown.
    pub ip: Option<String>,
    pub signed_in_at: String,
    pub last_active_at: String,
    pub expires_at: String,
    /// Whether this is the session making the request.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoked {
    pub revoked: u64,
}

#[server(prefix = "/api", endpoint = "list_sessions")]
pub async fn list_sessions() -> Result<Vec<SessionView>, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let sessions = gatehouse_server::sessions::list_sessions(&svc, &actor).await?;
    Ok(sessions
        .into_iter()
        .map(|s| SessionView {
            id: s.id.to_string(),
            device: s.device,
            ip: s.ip,
            signed_in_at: s.signed_in_at.to_rfc3339(),
            last_active_at: s.last_active_at.to_rfc3339(),
            expires_at: s.expires_at.to_rfc3339(),
            current: s.current,
        })
        .collect())
}

#[server(prefix = "/api", endpoint = "revoke_session")]
pub async fn revoke_session(session_id: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::sessions::revoke_session(&svc, &actor, &session_id).await?;
    if gatehouse_server::SessionId::parse(&session_id) == Some(actor.session_id) {
        ctx::clear_session_cookie();
        ctx::redirect_form_post("/login");
    } else {
        ctx::redirect_form_post(&crate::saved::Saved::SessionRevoked.location());
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "revoke_other_sessions")]
pub async fn revoke_other_sessions() -> Result<Revoked, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let revoked = gatehouse_server::sessions::revoke_other_sessions(&svc, &actor).await?;
    ctx::redirect_form_post(&crate::saved::Saved::SessionRevoked.location());
    Ok(Revoked { revoked })
}
