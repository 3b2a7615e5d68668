//! Server-side access to the request being served: the services, the resolved caller and the
//! response cookies. The caller is resolved once per request by the router's middleware and
//! read here; nothing else parses cookies.

use gatehouse_server::{Actor, Caller, ClientInfo, EndReason, Services, Timestamp};
use http::HeaderValue;
use http::header::{ACCEPT, SET_COOKIE};
use http::request::Parts;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::error::AppError;

pub const SESSION_COOKIE: &str = "gatehouse_session";
/// A sign-in waiting for its second step (MFA), for five minutes.
pub const MFA_COOKIE: &str = "gatehouse_mfa";
/// Binds a trip to a sign-in provider to the browser that started it (ten minutes).
pub const OAUTH_COOKIE: &str = "gatehouse_oauth";
/// A provider's verified identity waiting for its person (create the account, or prove the
/// existing one), fifteen minutes.
pub const IDENTITY_COOKIE: &str = "gatehouse_identity";

/// What every server function may need, provided as Leptos context by the router.
#[derive(Clone)]
pub struct ServerContext {
    pub services: Services,
    pub secure_cookies: bool,
}

/// Request extension set by the session middleware: the caller when signed in, or why the
/// session in the cookie ended.
#[derive(Clone, Debug)]
pub enum RequestCaller {
    SignedIn(Box<Caller>),
    Ended(EndReason),
    Anonymous,
}

/// Request extension set by the session middleware: where the request came from, and the raw
/// session cookie (only sign-in uses it, to end the session it replaces).
#[derive(Clone, Debug)]
pub struct RequestClient {
    pub client: ClientInfo,
    pub session_cookie: Option<String>,
}

fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| internal("request parts missing from context"))
}

fn internal(what: &str) -> AppError {
    tracing::error!("{what}");
    AppError::new(
        crate::error::ErrorCode::Internal,
        "Something went wrong on our side. Please try again.",
    )
}

pub fn services() -> Result<Services, AppError> {
    use_context::<ServerContext>()
        .map(|ctx| ctx.services)
        .ok_or_else(|| internal("server context missing"))
}

/// The signed-in caller, if any (not yet admitted: only for signing out).
pub fn caller() -> Option<Caller> {
    match parts().ok()?.extensions.get::<RequestCaller>()? {
        RequestCaller::SignedIn(actor) => Some((**actor).clone()),
        _ => None,
    }
}

/// The signed-in caller admitted to act, or `unauthenticated` — saying why, when the session
/// was ended. Past the grace period of their organization's MFA policy,
/// `mfa_enrollment_required` (the server decides; see [`Caller::admit`]).
pub fn require_caller() -> Result<Actor, AppError> {
    let caller = require_caller_enrolling()?;
    Ok(caller.admit(services()?.clock.now())?)
}

/// The signed-in caller, even one their organization's MFA policy holds back: only for what
/// such a caller may still do — see who they are, enroll in MFA, switch organization.
pub fn require_caller_enrolling() -> Result<Caller, AppError> {
    let ended = match parts()?.extensions.get::<RequestCaller>() {
        Some(RequestCaller::SignedIn(actor)) => return Ok((**actor).clone()),
        Some(RequestCaller::Ended(reason)) => Some(*reason),
        _ => None,
    };
    Err(ended.map_or_else(AppError::unauthenticated, AppError::session_ended))
}

/// The caller read again after a change to their own session or account (whose cached entry
/// the change dropped).
pub async fn caller_after_change(svc: &Services) -> Result<Caller, AppError> {
    let request = client()?;
    let token = request.session_cookie.unwrap_or_default();
    gatehouse_server::sessions::resolve(svc, &token, request.client)
        .await?
        .active()
        .ok_or_else(AppError::unauthenticated)
}

pub fn client() -> Result<RequestClient, AppError> {
    parts()?
        .extensions
        .get::<RequestClient>()
        .cloned()
        .ok_or_else(|| internal("client info missing"))
}

pub fn request_id() -> Option<String> {
    let parts = use_context::<Parts>()?;
    parts
        .headers
        .get("x-request-id")?
        .to_str()
        .ok()
        .map(str::to_string)
}

/// True for a plain HTML form post (no JavaScript): the browser then expects a redirect.
pub fn is_form_post() -> bool {
    use_context::<Parts>()
        .and_then(|p| {
            p.headers
                .get(ACCEPT)?
                .to_str()
                .ok()
                .map(|a| a.contains("text/html"))
        })
        .unwrap_or(false)
}

/// After a no-JavaScript form post succeeds, send the browser to `path`.
pub fn redirect_form_post(path: &str) {
    if is_form_post() {
        leptos_axum::redirect(path);
    }
}

pub fn set_session_cookie(token: &str, expires_at: Timestamp, now: Timestamp) {
    // Rounded up: the session was created a moment before `now`.
    let max_age = u64::try_from(now.until(expires_at).as_millis().div_ceil(1000)).unwrap_or(0);
    set_cookie(&format!("{SESSION_COOKIE}={token}; Max-Age={max_age}"));
}

pub fn clear_session_cookie() {
    set_cookie(&format!("{SESSION_COOKIE}=; Max-Age=0"));
}

/// Remembers a sign-in waiting for its second step.
pub fn set_mfa_cookie(token: &str, expires_at: Timestamp, now: Timestamp) {
    let max_age = now.until(expires_at).as_secs();
    set_cookie(&format!("{MFA_COOKIE}={token}; Max-Age={max_age}"));
}

pub fn clear_mfa_cookie() {
    set_cookie(&format!("{MFA_COOKIE}=; Max-Age=0"));
}

/// The pending second step's token from this request, if any.
pub fn mfa_cookie() -> Option<String> {
    cookie(&parts().ok()?.headers, MFA_COOKIE)
}

/// The session token from a request's `Cookie` headers, if any.
pub fn session_cookie(headers: &http::HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

/// The pending provider identity of this request's browser, if any.
pub fn identity_cookie() -> Option<String> {
    cookie(&parts().ok()?.headers, IDENTITY_COOKIE)
}

pub fn clear_identity_cookie() {
    set_cookie(&format!("{IDENTITY_COOKIE}=; Max-Age=0"));
}

/// The value of cookie `wanted` in a request's `Cookie` headers, if any.
pub fn cookie(headers: &http::HeaderMap, wanted: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty())
}

fn set_cookie(name_value: &str) {
    let secure = use_context::<ServerContext>().is_some_and(|c| c.secure_cookies);
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&cookie_header(name_value, secure)),
    ) {
        response.append_header(SET_COOKIE, value);
    }
}

/// The one definition of the cookies' attributes.
pub fn cookie_header(name_value: &str, secure: bool) -> String {
    format!(
        "{name_value}; Path=/; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clearing_cookie(secure: bool) -> String {
    cookie_header(&format!("{SESSION_COOKIE}=; Max-Age=0"), secure)
}
