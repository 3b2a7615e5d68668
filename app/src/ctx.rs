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

/// Our cookies' names and attributes, decided in one place from whether the public URL is
/// https. There every name takes the `__Host-` prefix: browsers keep such a cookie only when it
/// is `Secure`, has `Path=/` and no `Domain`, so neither a sibling subdomain nor a plain-http
/// page can plant or overwrite it. Plain http (development, tests) keeps the bare names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cookies {
    secure: bool,
}

impl Cookies {
    pub fn new(secure: bool) -> Self {
        Self { secure }
    }

    fn name(self, bare: &'static str, prefixed: &'static str) -> &'static str {
        if self.secure { prefixed } else { bare }
    }

    /// The session token.
    pub fn session(self) -> &'static str {
        self.name("gatehouse_session", "__Host-gatehouse_session")
    }

    /// A sign-in waiting for its second step (MFA), for five minutes.
    pub fn mfa(self) -> &'static str {
        self.name("gatehouse_mfa", "__Host-gatehouse_mfa")
    }

    /// Binds a trip to a sign-in provider to the browser that started it (ten minutes).
    pub fn oauth(self) -> &'static str {
        self.name("gatehouse_oauth", "__Host-gatehouse_oauth")
    }

    /// A provider's verified identity waiting for its person (create the account, or prove
    /// the existing one), fifteen minutes.
    pub fn identity(self) -> &'static str {
        self.name("gatehouse_identity", "__Host-gatehouse_identity")
    }

    /// A `Set-Cookie` value for cookie `name` holding `value` for `max_age` seconds, with the
    /// attributes every cookie here has.
    pub fn set(self, name: &str, value: &str, max_age: u64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("{name}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax{secure}")
    }

    /// A `Set-Cookie` value that removes cookie `name`.
    pub fn clear(self, name: &str) -> String {
        self.set(name, "", 0)
    }
}

/// What every server function may need, provided as Leptos context by the router.
#[derive(Clone)]
pub struct ServerContext {
    pub services: Services,
    pub secure_cookies: bool,
}

impl ServerContext {
    pub fn cookies(&self) -> Cookies {
        Cookies::new(self.secure_cookies)
    }
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

/// This response's cookie names and attributes.
fn cookies() -> Cookies {
    Cookies::new(use_context::<ServerContext>().is_some_and(|c| c.secure_cookies))
}

pub fn set_session_cookie(token: &str, expires_at: Timestamp, now: Timestamp) {
    // Rounded up: the session was created a moment before `now`.
    let max_age = u64::try_from(now.until(expires_at).as_millis().div_ceil(1000)).unwrap_or(0);
    let cookies = cookies();
    set_cookie(&cookies.set(cookies.session(), token, max_age));
}

pub fn clear_session_cookie() {
    let cookies = cookies();
    set_cookie(&cookies.clear(cookies.session()));
}

/// Remembers a sign-in waiting for its second step.
pub fn set_mfa_cookie(token: &str, expires_at: Timestamp, now: Timestamp) {
    let max_age = now.until(expires_at).as_secs();
    let cookies = cookies();
    set_cookie(&cookies.set(cookies.mfa(), token, max_age));
}

pub fn clear_mfa_cookie() {
    let cookies = cookies();
    set_cookie(&cookies.clear(cookies.mfa()));
}

/// The pending second step's token from this request, if any.
pub fn mfa_cookie() -> Option<String> {
    cookie(&parts().ok()?.headers, cookies().mfa())
}

/// The session token from a request's `Cookie` headers, if any.
pub fn session_cookie(headers: &http::HeaderMap, cookies: Cookies) -> Option<String> {
    cookie(headers, cookies.session())
}

/// The pending provider identity of this request's browser, if any.
pub fn identity_cookie() -> Option<String> {
    cookie(&parts().ok()?.headers, cookies().identity())
}

pub fn clear_identity_cookie() {
    let cookies = cookies();
    set_cookie(&cookies.clear(cookies.identity()));
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
    use super::Cookies;

    #[test]
    fn https_names_every_cookie_with_the_host_prefix_and_its_required_attributes() {
        let https = Cookies::new(true);
        let names = [
            https.session(),
            https.mfa(),
            https.oauth(),
            https.identity(),
        ];
        assert_eq!(
            names,
            [
                "__Host-gatehouse_session",
                "__Host-gatehouse_mfa",
                "__Host-gatehouse_oauth",
                "__Host-gatehouse_identity"
            ]
        );
        assert_eq!(
            https.set(https.mfa(), "t", 300),
            "__Host-gatehouse_mfa=t; Max-Age=300; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
    }

    #[test]
    fn plain_http_keeps_the_bare_names_without_secure() {
        let http = Cookies::new(false);
        let names = [http.session(), http.mfa(), http.oauth(), http.identity()];
        assert_eq!(
            names,
            [
                "gatehouse_session",
                "gatehouse_mfa",
                "gatehouse_oauth",
                "gatehouse_identity"
            ]
        );
        assert_eq!(
            http.clear(http.session()),
            "gatehouse_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
        );
    }
}
