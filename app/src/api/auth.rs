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
    /// Set when the organization's policy requires MFA of the user and they have none yet: the
    /// end of their grace period (milliseconds since the Unix epoch).
    #[serde(default)]
    pub mfa_required_by: Option<i64>,
    /// Whole days left of that grace period (0 once it is over).
    #[serde(default)]
    pub mfa_days_left: Option<i64>,
    /// The grace period is over: nothing but MFA enrollment is allowed until the user enrolls.
    #[serde(default)]
    pub mfa_enrollment_required: bool,
    /// The session proved its owner present (sign-in, password or code) within ten minutes:
    /// sensitive changes need no `proof` until then.
    #[serde(default)]
    pub recently_proven: bool,
    /// SMTP is configured and the user's email is not verified yet: they may not invite until
    /// they open the emailed link.
    #[serde(default)]
    pub email_verification_pending: bool,
    /// Only in the answer of a sign-in that named no organization, of an account that may act
    /// in several: the session acts in the one used last, and the UI asks which one to enter
    /// (`/choose-organization`).
    #[serde(default)]
    pub choose_organization: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub id: String,
    pub name: String,
    pub email: String,
    pub mfa_enabled: bool,
    /// Unused backup codes (0 without MFA).
    #[serde(default)]
    pub backup_codes_remaining: i64,
    /// The owner proved they receive mail at `email` (accounts older than the rule count).
    #[serde(default)]
    pub email_verified: bool,
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
impl SignedInUser {
    /// The caller as the UI sees them, at `now`.
    pub fn of(actor: &gatehouse_server::Caller, now: gatehouse_server::Timestamp) -> Self {
        let required_by = actor.mfa.required_by;
        Self {
            user: UserInfo {
                id: actor.user_id.to_string(),
                name: actor.name.clone(),
                email: actor.email.clone(),
                mfa_enabled: actor.mfa.enabled,
                backup_codes_remaining: actor.mfa.backup_codes_left,
                email_verified: actor.email_verified,
            },
            organization: actor.org.as_ref().map(|org| OrgInfo {
                id: org.id.to_string(),
                name: org.name.clone(),
                role: org.role.as_str().to_string(),
            }),
            mfa_required_by: required_by.map(gatehouse_server::Timestamp::as_millis),
            mfa_days_left: required_by
                .map(|deadline| gatehouse_server::security_policy::days_left(deadline, now)),
            mfa_enrollment_required: actor.mfa.overdue(now),
            recently_proven: gatehouse_server::reauth::is_recent(actor, now),
            email_verification_pending: actor.needs_email_verification,
            choose_organization: false,
        }
    }
}

/// Sets the cookie for a new session and describes its user. A form post then goes on to
/// `next`, through the organization chooser when the sign-in asks for it.
#[cfg(feature = "ssr")]
pub(crate) async fn start_session(
    svc: &gatehouse_server::Services,
    signed_in: gatehouse_server::SignedIn,
    client: gatehouse_server::ClientInfo,
    next: &str,
) -> Result<SignedInUser, AppError> {
    let token = signed_in.token.expose();
    let choose_organization = signed_in.choose_organization;
    crate::ctx::set_session_cookie(token, signed_in.expires_at, svc.clock.now());
    // A provider waiting to be linked to this account: the sign-in just proved it.
    if let Some(pending) = crate::ctx::identity_cookie() {
        gatehouse_server::oauth::link_pending(svc, &pending, signed_in.user_id, &client).await?;
        crate::ctx::clear_identity_cookie();
    }
    let actor = gatehouse_server::sessions::resolve(svc, token, client)
        .await?
        .active()
        .ok_or_else(AppError::unauthenticated)?;
    crate::ctx::redirect_form_post(&crate::paths::after_sign_in(next, choose_organization));
    Ok(SignedInUser {
        choose_organization,
        ..SignedInUser::of(&actor, svc.clock.now())
    })
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
/// goes to `next` when it is a path of this site (an account in several organizations signing
/// in without `org` is asked which one to enter first: `choose_organization`). An account with
/// MFA is not signed in yet: the answer is `mfa_required` (401), a cookie remembers the pending
/// sign-in for five minutes, and `verify_mfa` completes it (a form post goes on to
/// `/login/mfa`).
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
    let step = gatehouse_server::sign_in::sign_in(
        &svc,
        &email,
        &password,
        org.as_deref(),
        &request.client,
        request.session_cookie.as_deref(),
    )
    .await?;
    let next = crate::paths::safe_next(next.as_deref());
    match step {
        gatehouse_server::sign_in::SignInStep::Done(signed_in) => {
            start_session(&svc, signed_in, request.client, &next).await
        }
        gatehouse_server::sign_in::SignInStep::SecondFactor(pending) => {
            Err(second_factor_next(&svc, &pending, &next))
        }
    }
}

/// A pending second step: its cookie, a form post on to `/login/mfa`, and the `mfa_required`
/// answer for fetch callers.
#[cfg(feature = "ssr")]
pub(crate) fn second_factor_next(
    svc: &gatehouse_server::Services,
    pending: &gatehouse_server::mfa::PendingSignIn,
    next: &str,
) -> AppError {
    crate::ctx::set_mfa_cookie(pending.token.expose(), pending.expires_at, svc.clock.now());
    crate::ctx::redirect_form_post(&crate::paths::mfa_step(next));
    AppError::new(
        crate::error::ErrorCode::MfaRequired,
        "Enter the code from your authenticator app to finish signing in.",
    )
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
    use crate::ctx;
    let actor = ctx::require_caller_enrolling()?;
    Ok(SignedInUser::of(&actor, ctx::services()?.clock.now()))
}
