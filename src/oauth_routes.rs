//! `/auth/<provider>/start` and `/auth/<provider>/callback`: the browser's trip to a sign-in
//! provider and back. Thin: `gatehouse_server::oauth` decides; these set cookies and redirect.
//! Nothing here logs the query (it carries the authorization code).

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use gatehouse_app::ctx::{
    IDENTITY_COOKIE, MFA_COOKIE, OAUTH_COOKIE, RequestClient, SESSION_COOKIE, cookie, cookie_header,
};
use gatehouse_app::paths::{encode, mfa_step, safe_next};
use gatehouse_server::oauth::{self, Arrival, CallbackParams};
use gatehouse_server::sessions::SignInStep;
use gatehouse_server::{Error, Timestamp};
use http::header::{LOCATION, SET_COOKIE};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::AppState;

/// Redirects to the provider, remembering the trip in a cookie.
pub async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    Extension(request): Extension<RequestClient>,
) -> Response {
    let svc = &state.server.services;
    let next = query.get("next").map(|n| safe_next(Some(n)));
    let invite = query.get("invite").map(String::as_str);
    match oauth::start(svc, &provider, next.as_deref(), invite, &request.client).await {
        Ok(started) => {
            let set = format!("{OAUTH_COOKIE}={}; Max-Age=600", started.cookie.expose());
            redirect(&started.url, &[set], state.server.secure_cookies)
        }
        Err(Error::NotFound) => {
            (StatusCode::NOT_FOUND, "No such sign-in provider.").into_response()
        }
        Err(Error::RateLimited { .. }) => {
            refused(&provider, "rate_limited", state.server.secure_cookies)
        }
        Err(err) => {
            tracing::error!(provider = %provider, error = %err, "provider sign-in could not start");
            refused(&provider, "provider_error", state.server.secure_cookies)
        }
    }
}

/// Where the provider sends the browser back.
pub async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    Extension(request): Extension<RequestClient>,
    headers: HeaderMap,
) -> Response {
    let svc = &state.server.services;
    let secure = state.server.secure_cookies;
    let params = CallbackParams {
        code: query.get("code").map(String::as_str),
        state: query.get("state").map(String::as_str),
        error: query.get("error").map(String::as_str),
    };
    let trip = cookie(&headers, OAUTH_COOKIE);
    let arrival = oauth::callback(
        svc,
        &provider,
        trip.as_deref(),
        params,
        &request.client,
        request.session_cookie.as_deref(),
    )
    .await;
    let now = svc.clock.now();
    // The trip is over either way.
    let mut cookies = vec![format!("{OAUTH_COOKIE}=; Max-Age=0")];
    let location = match arrival {
        Ok(Arrival::SignedIn { step, next }) => match step {
            SignInStep::Done(signed_in) => {
                cookies.push(format!(
                    "{SESSION_COOKIE}={}; Max-Age={}",
                    signed_in.token.expose(),
                    seconds_until(now, signed_in.expires_at)
                ));
                next
            }
            SignInStep::SecondFactor(pending) => {
                cookies.push(format!(
                    "{MFA_COOKIE}={}; Max-Age={}",
                    pending.token.expose(),
                    seconds_until(now, pending.expires_at)
                ));
                mfa_step(&next)
            }
        },
        Ok(Arrival::ProveAccount { cookie, next }) => {
            cookies.push(identity_cookie(cookie.expose()));
            format!("/login?link={}&next={}", encode(&provider), encode(&next))
        }
        Ok(Arrival::ConfirmInvitation { cookie, next }) => {
            cookies.push(identity_cookie(cookie.expose()));
            next
        }
        Ok(Arrival::NewAccount { cookie }) => {
            cookies.push(identity_cookie(cookie.expose()));
            "/signup/provider".to_string()
        }
        Ok(Arrival::Refused(why)) => oauth_error(&provider, why.as_str()),
        Err(Error::NotFound) => {
            return (StatusCode::NOT_FOUND, "No such sign-in provider.").into_response();
        }
        Err(err) => {
            tracing::error!(provider = %provider, error = %err, "provider sign-in failed");
            oauth_error(&provider, "provider_error")
        }
    };
    redirect(&location, &cookies, secure)
}

fn identity_cookie(token: &str) -> String {
    let max_age = oauth::PENDING_TTL.as_secs();
    format!("{IDENTITY_COOKIE}={token}; Max-Age={max_age}")
}

fn seconds_until(now: Timestamp, at: Timestamp) -> u64 {
    now.until(at).as_secs()
}

fn oauth_error(provider: &str, code: &str) -> String {
    format!("/login?oauth_error={code}&provider={}", encode(provider))
}

fn refused(provider: &str, code: &str, secure: bool) -> Response {
    redirect(&oauth_error(provider, code), &[], secure)
}

/// A 303 to `location` setting `cookies` (name=value; Max-Age=…) with the site's attributes.
fn redirect(location: &str, cookies: &[String], secure: bool) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(LOCATION, value);
    }
    for set in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie_header(set, secure)) {
            headers.append(SET_COOKIE, value);
        }
    }
    response
}
