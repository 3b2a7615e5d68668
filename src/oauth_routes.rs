//! `/auth/<provider>/start` and `/auth/<provider>/callback`: the browser's trip to a sign-in
//! provider and back. Thin: `gatehouse_server::oauth` decides; these set cookies and redirect.
//! Nothing here logs the query (it carries the authorization code).

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use gatehouse_app::cookies::{self, Cookies};
use gatehouse_app::ctx::RequestClient;
use gatehouse_app::paths::{after_sign_in, mfa_step, safe_next, with_query};
use gatehouse_server::Error;
use gatehouse_server::oauth::{self, Arrival, CallbackParams};
use gatehouse_server::sign_in::SignInStep;
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
            let cookies = state.server.cookies();
            let set = cookies.set(cookies.oauth(), started.cookie.expose(), oauth::FLOW_TTL);
            redirect(&started.url, &[set])
        }
        Err(Error::NotFound) => {
            (StatusCode::NOT_FOUND, "No such sign-in provider.").into_response()
        }
        Err(Error::RateLimited { .. }) => refused(&provider, "rate_limited"),
        Err(err) => {
            tracing::error!(provider = %provider, error = %err, "provider sign-in could not start");
            refused(&provider, "provider_error")
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
    let cookies = state.server.cookies();
    let params = CallbackParams {
        code: query.get("code").map(String::as_str),
        state: query.get("state").map(String::as_str),
        error: query.get("error").map(String::as_str),
    };
    let trip = cookies::read(&headers, cookies.oauth());
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
    let mut set = vec![cookies.clear(cookies.oauth())];
    let location = match arrival {
        Ok(Arrival::SignedIn { step, next }) => signed_in(cookies, step, &next, now, &mut set),
        Ok(Arrival::ProveAccount { cookie, next }) => {
            set.push(identity_cookie(cookies, cookie.expose()));
            with_query(
                "/login",
                &[("link", Some(&provider)), ("next", Some(&next))],
            )
        }
        Ok(Arrival::ConfirmInvitation { cookie, next }) => {
            set.push(identity_cookie(cookies, cookie.expose()));
            next
        }
        Ok(Arrival::NewAccount { cookie }) => {
            set.push(identity_cookie(cookies, cookie.expose()));
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
    redirect(&location, &set)
}

/// Where a finished sign-in goes, with the cookie it sets: the session, or the second step's.
pub(crate) fn signed_in(
    cookies: Cookies,
    step: SignInStep,
    next: &str,
    now: gatehouse_server::Timestamp,
    set: &mut Vec<String>,
) -> String {
    match step {
        SignInStep::Done(signed_in) => {
            set.push(cookies.set_until(
                cookies.session(),
                signed_in.token.expose(),
                now,
                signed_in.expires_at,
            ));
            after_sign_in(next, signed_in.choose_organization)
        }
        SignInStep::SecondFactor(pending) => {
            set.push(cookies.set_until(
                cookies.mfa(),
                pending.token.expose(),
                now,
                pending.expires_at,
            ));
            mfa_step(next)
        }
    }
}

fn identity_cookie(cookies: Cookies, token: &str) -> String {
    cookies.set(cookies.identity(), token, oauth::PENDING_TTL)
}

fn oauth_error(provider: &str, code: &str) -> String {
    with_query(
        "/login",
        &[("oauth_error", Some(code)), ("provider", Some(provider))],
    )
}

fn refused(provider: &str, code: &str) -> Response {
    redirect(&oauth_error(provider, code), &[])
}

/// A 303 to `location` with `set_cookies` (complete values from [`Cookies::set`]).
pub(crate) fn redirect(location: &str, set_cookies: &[String]) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(LOCATION, value);
    }
    for set in set_cookies {
        if let Ok(value) = HeaderValue::from_str(set) {
            headers.append(SET_COOKIE, value);
        }
    }
    response
}
