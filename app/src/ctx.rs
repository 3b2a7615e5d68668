//! Server-side access to the request being served: the services, the resolved caller and the
//! response cookies (built in [`crate::cookies`]). The caller is resolved once per request by the
//! router's middleware and read here.

use std::sync::Arc;

use gatehouse_server::{Actor, Caller, ClientInfo, EndReason, KeyActor, Services, Timestamp};
use http::HeaderValue;
use http::StatusCode;
use http::header::{ACCEPT, RETRY_AFTER, SET_COOKIE};
use http::request::Parts;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::cookies::Cookies;
use crate::error::AppError;

/// What every server function may need, provided as Leptos context by the router. Cloned for
/// every request, so the services are shared, not copied.
#[derive(Clone)]
pub struct ServerContext {
    pub services: Arc<Services>,
    pub secure_cookies: bool,
}

impl ServerContext {
    pub fn cookies(&self) -> Cookies {
        Cookies::new(self.secure_cookies)
    }
}

/// Request extension set by the session middleware: the caller when signed in, or why the
/// session in the cookie ended, or the API key the request authenticated with
/// (`Authorization: Bearer`, which then stands alone: the cookie is not read).
#[derive(Clone, Debug)]
pub enum RequestCaller {
    SignedIn(Box<Caller>),
    Ended(EndReason),
    Anonymous,
    Key(Box<KeyActor>),
}

/// Who an API call acts as: a signed-in person admitted by their organization, or an API key.
#[derive(Clone, Debug)]
pub enum Principal {
    Person(Box<Actor>),
    Key(Box<KeyActor>),
}

/// The caller of a call that takes API keys as well as sessions (`check_permission`,
/// `list_my_projects`, `whoami`).
pub fn require_principal() -> Result<Principal, AppError> {
    if let Some(RequestCaller::Key(key)) = parts()?.extensions.get::<RequestCaller>() {
        return Ok(Principal::Key(key.clone()));
    }
    require_caller().map(|actor| Principal::Person(Box::new(actor)))
}

/// The API key a call that takes only keys (`introspect_key`) was made with.
pub fn require_key() -> Result<KeyActor, AppError> {
    match parts()?.extensions.get::<RequestCaller>() {
        Some(RequestCaller::Key(key)) => Ok((**key).clone()),
        _ => Err(AppError::new(
            crate::error::ErrorCode::Unauthenticated,
            "This call needs an API key: send it as Authorization: Bearer <key>.",
        )),
    }
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

pub fn services() -> Result<Arc<Services>, AppError> {
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
    caller_of(parts()?.extensions.get::<RequestCaller>())
}

/// The admitted caller from a request's resolved [`RequestCaller`], for the few plain routes
/// outside server functions (the activity export): the same answers as [`require_caller`].
pub fn admitted(caller: Option<&RequestCaller>, now: Timestamp) -> Result<Actor, AppError> {
    Ok(caller_of(caller)?.admit(now)?)
}

fn caller_of(caller: Option<&RequestCaller>) -> Result<Caller, AppError> {
    let ended = match caller {
        Some(RequestCaller::SignedIn(actor)) => return Ok((**actor).clone()),
        Some(RequestCaller::Ended(reason)) => Some(*reason),
        Some(RequestCaller::Key(_)) => {
            return Err(gatehouse_server::Error::Forbidden(
                gatehouse_server::error::Denial::NotForApiKeys,
            )
            .into());
        }
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

/// A server function answers `error`: fetch callers get its HTTP status (401, 403, 404, 409,
/// 422, 429 with `Retry-After`, …; see [`AppError::status`]) instead of the 500 Leptos answers
/// every error with. A no-JavaScript form post keeps the redirect back to its page that Leptos
/// answers it with (the error rides in that URL).
pub fn answer_with(error: &AppError) {
    let Some(response) = use_context::<ResponseOptions>() else {
        return;
    };
    if is_form_post() {
        return;
    }
    response.set_status(
        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    );
    if let Some(seconds) = error.retry_after {
        response.insert_header(RETRY_AFTER, HeaderValue::from(seconds));
    }
}

/// After a no-JavaScript form post succeeds, send the browser to `path`.
pub fn redirect_form_post(path: &str) {
    if is_form_post() {
        leptos_axum::redirect(path);
    }
}

/// This response's cookie names and attributes.
fn cookies() -> Cookies {
    Cookies::new(use_context::<ServerContext>().is_some_and(|c| c.secure_cookies))
}

pub fn set_session_cookie(token: &str, expires_at: Timestamp, now: Timestamp) {
    let cookies = cookies();
    set_cookie(&cookies.set_until(cookies.session(), token, now, expires_at));
}

pub fn clear_session_cookie() {
    let cookies = cookies();
    set_cookie(&cookies.clear(cookies.session()));
}

/// Remembers a sign-in waiting for its second step.
pub fn set_mfa_cookie(token: &str, expires_at: Timestamp, now: Timestamp) {
    let cookies = cookies();
    set_cookie(&cookies.set_until(cookies.mfa(), token, now, expires_at));
}

pub fn clear_mfa_cookie() {
    let cookies = cookies();
    set_cookie(&cookies.clear(cookies.mfa()));
}

/// The pending second step's token from this request, if any.
pub fn mfa_cookie() -> Option<String> {
    crate::cookies::read(&parts().ok()?.headers, cookies().mfa())
}

/// The pending provider identity of this request's browser, if any.
pub fn identity_cookie() -> Option<String> {
    crate::cookies::read(&parts().ok()?.headers, cookies().identity())
}

pub fn clear_identity_cookie() {
    let cookies = cookies();
    set_cookie(&cookies.clear(cookies.identity()));
}

/// Adds a `Set-Cookie` (see [`Cookies::set`]) to this response.
fn set_cookie(set_cookie: &str) {
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(set_cookie),
    ) {
        response.append_header(SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use leptos::server_fn::error::FromServerFnError;

    use super::*;
    use crate::error::ErrorCode;

    /// The status and `Retry-After` a server function answering `error` to a request that
    /// accepts `accept` ends up with.
    fn answered(error: &AppError, accept: &str) -> (Option<StatusCode>, Option<String>) {
        let owner = Owner::new();
        owner.with(|| {
            let (parts, ()) = http::Request::post("/api/x")
                .header(ACCEPT, accept)
                .body(())
                .unwrap_or_else(|e| unreachable!("{e}"))
                .into_parts();
            provide_context(parts);
            let response = ResponseOptions::default();
            provide_context(response.clone());
            let _body = error.ser();
            let parts = response.0.read().unwrap_or_else(|e| unreachable!("{e}"));
            let retry = parts
                .headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            (parts.status, retry)
        })
    }

    #[test]
    fn a_fetch_caller_gets_the_error_status_and_retry_after() {
        let mut limited = AppError::new(ErrorCode::RateLimited, "slow down");
        limited.retry_after = Some(900);
        assert_eq!(
            answered(&limited, "application/json"),
            (Some(StatusCode::TOO_MANY_REQUESTS), Some("900".into()))
        );
        assert_eq!(
            answered(&AppError::unauthenticated(), "*/*"),
            (Some(StatusCode::UNAUTHORIZED), None)
        );
    }

    #[test]
    fn a_form_post_keeps_the_redirect_leptos_answers_it_with() {
        let error = AppError::new(ErrorCode::Validation, "fix it");
        assert_eq!(answered(&error, "text/html,*/*"), (None, None));
    }
}
