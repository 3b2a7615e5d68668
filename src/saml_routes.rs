//! `/saml/<organization id>/metadata`, `/start`, `/acs` and `/continue`: an organization's own
//! identity provider. Thin: `gatehouse_server::saml` decides; these render, set cookies and
//! redirect. Nothing here logs the response (it carries the person's identity).

use std::collections::HashMap;

use axum::Extension;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Response};
use gatehouse_app::cookies;
use gatehouse_app::ctx::RequestClient;
use gatehouse_app::paths::{encode, safe_next, with_query};
use gatehouse_server::Error;
use gatehouse_server::saml::{self, Answered, Arrival, Refusal};
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};

use crate::AppState;
use crate::oauth_routes::{redirect, signed_in};

const NO_SUCH_ORGANIZATION: &str = "No such organization.";

/// The service provider's metadata, for the organization's IT administrator to import.
pub async fn metadata(State(state): State<AppState>, Path(org): Path<String>) -> Response {
    match saml::metadata(&state.server.services, &org).await {
        Ok(xml) => (
            [
                (CONTENT_TYPE, "application/samlmetadata+xml; charset=utf-8"),
                (CACHE_CONTROL, "no-cache"),
            ],
            xml,
        )
            .into_response(),
        Err(Error::NotFound) => (StatusCode::NOT_FOUND, NO_SUCH_ORGANIZATION).into_response(),
        Err(err) => {
            tracing::error!(org = %org, error = %err, "SAML metadata failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Sends the browser to the organization's identity provider (HTTP-Redirect binding), with
/// the cookie that binds the trip to this browser.
pub async fn start(
    State(state): State<AppState>,
    Path(org): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    Extension(request): Extension<RequestClient>,
) -> Response {
    let svc = &state.server.services;
    let next = query.get("next").map(|n| safe_next(Some(n)));
    match saml::start(svc, &org, next.as_deref(), &request.client).await {
        Ok(Ok(started)) => {
            let cookies = state.server.cookies();
            let set = cookies.set(cookies.saml(), started.binding.expose(), saml::REQUEST_TTL);
            redirect(&started.url, &[set])
        }
        Ok(Err(why)) => redirect(&refused(why), &[]),
        Err(Error::NotFound) => (StatusCode::NOT_FOUND, NO_SUCH_ORGANIZATION).into_response(),
        Err(err) => {
            tracing::error!(org = %org, error = %err, "SAML sign-in could not start");
            redirect(&refused(Refusal::ProviderError), &[])
        }
    }
}

/// The identity provider's answer, posted by the browser from the provider's page (the one
/// state-changing route the Origin check lets through: the signature is its proof). Verified,
/// it sends the browser on to `/continue`, a top-level GET that carries its cookies.
pub async fn acs(
    State(state): State<AppState>,
    Path(org): Path<String>,
    Extension(request): Extension<RequestClient>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let svc = &state.server.services;
    let Some(response) = form
        .ok()
        .and_then(|Form(mut fields)| fields.remove("SAMLResponse"))
    else {
        return redirect(&refused(Refusal::Malformed), &[]);
    };
    let location = match saml::acs(svc, &org, &response, &request.client).await {
        Ok(Answered::Verified { token }) => format!(
            "/saml/{}/continue?arrival={}",
            encode(&org),
            encode(token.expose())
        ),
        Ok(Answered::Refused(why)) => refused(why),
        Err(Error::NotFound) => {
            return (StatusCode::NOT_FOUND, NO_SUCH_ORGANIZATION).into_response();
        }
        Err(err) => {
            tracing::error!(org = %org, error = %err, "SAML answer failed");
            refused(Refusal::ProviderError)
        }
    };
    redirect(&location, &[])
}

/// The browser that started the trip finishes it: signed in (or on to the second factor).
pub async fn finish(
    State(state): State<AppState>,
    Path(org): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    Extension(request): Extension<RequestClient>,
    headers: HeaderMap,
) -> Response {
    let svc = &state.server.services;
    let cookies = state.server.cookies();
    let binding = cookies::read(&headers, cookies.saml());
    let token = query.get("arrival").map(String::as_str).unwrap_or_default();
    let arrival = saml::finish(
        svc,
        &org,
        token,
        binding.as_deref(),
        &request.client,
        request.session_cookie.as_deref(),
    )
    .await;
    // The trip is over either way.
    let mut set = vec![cookies.clear(cookies.saml())];
    let location = match arrival {
        Ok(Arrival::SignedIn { step, next }) => {
            signed_in(cookies, step, &next, svc.clock.now(), &mut set)
        }
        Ok(Arrival::Refused(why)) => refused(why),
        Err(Error::NotFound) => {
            return (StatusCode::NOT_FOUND, NO_SUCH_ORGANIZATION).into_response();
        }
        Err(err) => {
            tracing::error!(org = %org, error = %err, "SAML sign-in failed");
            refused(Refusal::ProviderError)
        }
    };
    redirect(&location, &set)
}

fn refused(why: Refusal) -> String {
    with_query("/login", &[("saml_error", Some(why.as_str()))])
}
