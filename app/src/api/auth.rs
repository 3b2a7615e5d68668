//! Sign-up, sign-in, sign-out and "who am I".

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// `POST /api/current_user` and the result of signing in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    pub user: UserInfo,
    /// The organization this session acts in; `null` when the user belongs to none.
    pub organization: Option<OrgInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub id: String,
    pub name: String,
    pub email: String,
    pub mfa_enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgInfo {
    pub id: String,
    pub name: String,
    /// `owner`, `admin` or `member`.
    pub role: String,
}

impl OrgInfo {
    /// "Owner", "Admin", "Member".
    pub fn role_label(&self) -> String {
        let mut chars = self.role.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }
}

#[cfg(feature = "ssr")]
impl From<&gatehouse_server::Actor> for SignedInUser {
    fn from(actor: &gatehouse_server::Actor) -> Self {
        Self {
            user: UserInfo {
                id: actor.user_id.to_string(),
                name: actor.name.clone(),
                email: actor.email.clone(),
                mfa_enabled: false,
            },
            organization: actor.org.as_ref().map(|org| OrgInfo {
                id: org.id.to_string(),
                name: org.name.clone(),
                role: org.role.as_str().to_string(),
            }),
        }
    }
}

/// Sets the cookie for a new session and describes its user.
#[cfg(feature = "ssr")]
async fn start_session(
    svc: &gatehouse_server::Services,
    signed_in: gatehouse_server::SignedIn,
    client: gatehouse_server::ClientInfo,
    next: &str,
) -> Result<SignedInUser, AppError> {
    let token = signed_in.token.expose();
    crate::ctx::set_session_cookie(token, signed_in.expires_at, svc.clock.now());
    let actor = gatehouse_server::sessions::resolve(svc, token, client)
        .await?
        .active()
        .ok_or_else(AppError::unauthenticated)?;
    crate::ctx::redirect_form_post(next);
    Ok(SignedInUser::from(&actor))
}

#[server(prefix = "/api", endpoint = "sign_up")]
pub async fn sign_up(
    name: String,
    email: String,
    password: String,
    organization: String,
) -> Result<SignedInUser, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let request = ctx::client()?;
    let input = gatehouse_server::accounts::SignUp {
        name: &name,
        email: &email,
        password: &password,
        organization: &organization,
    };
    let previous = request.session_cookie.as_deref();
    let signed_in =
        gatehouse_server::accounts::sign_up(&svc, input, &request.client, previous).await?;
    let client = request.client;
    start_session(&svc, signed_in, client, "/").await
}

/// Signs in; into organization `org` when given (a `/login?org=` link), and a form post then
/// goes to `next` when it is a path of this site.
#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    org: Option<String>,
    next: Option<String>,
) -> Result<SignedInUser, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let request = ctx::client()?;
    let org = org.filter(|org| !org.trim().is_empty());
    let signed_in = gatehouse_server::sessions::sign_in(
        &svc,
        &email,
        &password,
        org.as_deref(),
        &request.client,
        request.session_cookie.as_deref(),
    )
    .await?;
    let next = crate::paths::safe_next(next.as_deref());
    start_session(&svc, signed_in, request.client, &next).await
}

/// Signs out; a form post then goes to `next` when it is a path of this site, else `/login`.
#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out(next: Option<String>) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    if let Some(actor) = ctx::caller() {
        gatehouse_server::sessions::sign_out(&svc, &actor).await?;
    }
    ctx::clear_session_cookie();
    let next = next.map(|next| crate::paths::safe_next(Some(&next)));
    ctx::redirect_form_post(next.as_deref().unwrap_or("/login"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "current_user")]
pub async fn current_user() -> Result<SignedInUser, AppError> {
    let actor = crate::ctx::require_caller()?;
    Ok(SignedInUser::from(&actor))
}
