//! Request middleware: cross-origin refusal, per-request session resolution, security headers,
//! and HTTP statuses for server-function errors.

use std::net::SocketAddr;

use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gatehouse_app::ctx::{RequestCaller, RequestClient, session_cookie};
use gatehouse_app::error::{AppError, ErrorCode};
use gatehouse_server::{ClientHints, ClientInfo, Resolved, sessions};
use http::header::{self, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use leptos::nonce::Nonce;

use crate::AppState;

/// Refuses state-changing requests that a browser says come from another site: `Sec-Fetch-Site`
/// other than same-origin, or an `Origin` that is neither the public URL nor the requested host.
/// This covers plain HTML form posts too, which carry no custom header.
pub async fn refuse_foreign_origin(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && is_foreign(req.headers(), &state.public.origin()) {
        tracing::info!("refused a cross-origin state-changing request");
        let body = AppError::new(
            ErrorCode::Forbidden,
            "Cross-origin requests are not allowed.",
        );
        return (StatusCode::FORBIDDEN, Json(body)).into_response();
    }
    next.run(req).await
}

fn is_foreign(headers: &HeaderMap, public_origin: &str) -> bool {
    let text =
        |name: header::HeaderName| headers.get(name).map(|v| v.to_str().unwrap_or("invalid"));
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site"))
        && site != "same-origin"
        && site != "none"
    {
        return true;
    }
    let Some(origin) = text(header::ORIGIN) else {
        return false;
    };
    let own_host = text(header::HOST).is_some_and(|host| {
        origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            == Some(host)
    });
    origin != public_origin && !own_host
}

/// Resolves the session cookie once per request and stores the caller (and client info) as
/// request extensions for server functions and page rendering. A cookie that no longer names a
/// live session is removed.
pub async fn resolve_session(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let client = client_info(&req, &state);
    let cookies = state.server.cookies();
    let cookie = session_cookie(req.headers(), cookies);
    let mut stale_cookie = false;
    let caller = match &cookie {
        None => RequestCaller::Anonymous,
        Some(token) => {
            match sessions::resolve(&state.server.services, token, client.clone()).await {
                Ok(Resolved::Active(actor)) => RequestCaller::SignedIn(actor),
                Ok(Resolved::Ended(reason)) => {
                    stale_cookie = true;
                    RequestCaller::Ended(reason)
                }
                Ok(Resolved::Unknown) => {
                    stale_cookie = true;
                    RequestCaller::Anonymous
                }
                Err(err) => {
                    tracing::error!(error = %err, "session lookup failed");
                    let body = AppError::new(
                        ErrorCode::Internal,
                        "Something went wrong on our side. Please try again.",
                    );
                    return (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response();
                }
            }
        }
    };
    req.extensions_mut().insert(caller);
    req.extensions_mut().insert(RequestClient {
        client,
        session_cookie: cookie,
    });
    let mut response = next.run(req).await;
    let sets_cookie = response.headers().contains_key(header::SET_COOKIE);
    if stale_cookie
        && !sets_cookie
        && let Ok(value) = HeaderValue::from_str(&cookies.clear(cookies.session()))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The client's address (the socket peer, or what a trusted proxy forwarded; see
/// [`gatehouse_server::TrustedProxies::client_ip`]), user agent and client hints.
fn client_info(req: &Request, state: &AppState) -> ClientInfo {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    // Every header line counts: a client's own line must not hide the one our proxy appended.
    let forwarded_for = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .map(|line| line.to_str().unwrap_or("unreadable"));
    let ip = state.trusted_proxies.client_ip(peer, forwarded_for);
    let hints = ClientHints {
        platform: header("sec-ch-ua-platform").map(str::to_string),
        brands: header("sec-ch-ua").map(str::to_string),
    };
    ClientInfo::new(
        ip.map(|ip| ip.to_string()),
        header("user-agent").unwrap_or_default(),
    )
    .with_hints(hints)
}

/// Headers every response carries. Pages show personal data, so nothing but the hashed static
/// bundle is cached. With an https public URL, browsers are told to use https only (HSTS; a
/// year, the common preload minimum, without `includeSubDomains`: sibling hosts are not ours
/// to pin).
///
/// The Content-Security-Policy lets scripts run only from this origin or inline with this
/// response's nonce, which Leptos puts on its hydration and data scripts (the router provides
/// the nonce made here; see `router`). WebAssembly compilation needs `'wasm-unsafe-eval'`;
/// string `eval` stays forbidden. Styles, images and connections are this origin's only.
pub async fn security_headers(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let cacheable = req.uri().path().starts_with("/pkg/") || req.uri().path() == "/favicon.ico";
    let nonce = Nonce::new();
    req.extensions_mut().insert(nonce.clone());
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    let fixed = [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if let Ok(policy) = HeaderValue::from_str(&content_security_policy(&nonce)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    if state.public.is_https() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if !cacheable {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn content_security_policy(nonce: &Nonce) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// Server functions answer errors with 500 by default; give fetch callers the real status
/// (401/403/404/409/422/429 with `Retry-After`) from the error's code. Plain form posts are
/// redirects and pass untouched.
pub async fn server_fn_status(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(secs) = error.retry_after {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    const PUBLIC: &str = "http://127.0.0.1:3000";

    #[test]
    fn same_origin_and_header_less_requests_pass() {
        assert!(!is_foreign(&headers(&[]), PUBLIC));
        assert!(!is_foreign(
            &headers(&[("origin", "http://127.0.0.1:3000")]),
            PUBLIC
        ));
        assert!(!is_foreign(
            &headers(&[("sec-fetch-site", "same-origin")]),
            PUBLIC
        ));
        let via_host = headers(&[
            ("origin", "http://localhost:3000"),
            ("host", "localhost:3000"),
        ]);
        assert!(!is_foreign(&via_host, PUBLIC));
    }

    #[test]
    fn foreign_origins_and_cross_site_fetches_are_refused() {
        assert!(is_foreign(
            &headers(&[("origin", "http://evil.example")]),
            PUBLIC
        ));
        assert!(is_foreign(&headers(&[("origin", "null")]), PUBLIC));
        assert!(is_foreign(
            &headers(&[("sec-fetch-site", "cross-site")]),
            PUBLIC
        ));
        assert!(is_foreign(
            &headers(&[("sec-fetch-site", "same-site")]),
            PUBLIC
        ));
        let spoofed_host = headers(&[
            ("origin", "http://evil.example"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(is_foreign(&spoofed_host, PUBLIC));
    }
}
