//! Request middleware: cross-origin refusal, per-request session resolution and security
//! headers. (Server-function errors set their own HTTP status; see `gatehouse_app::ctx`.)

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gatehouse_app::cookies;
use gatehouse_app::ctx::{RequestCaller, RequestClient};
use gatehouse_app::error::{AppError, ErrorCode};
use gatehouse_server::config::PublicOrigin;
use gatehouse_server::{ClientHints, ClientInfo, Resolved, api_keys, sessions};
use http::header::{self, HeaderValue};
use http::uri::Authority;
use http::{HeaderMap, Method, StatusCode, Uri};
use leptos::nonce::Nonce;
use url::{Host, Url};

use crate::AppState;

/// Refuses state-changing requests (anything but GET, HEAD, OPTIONS) that are not for this
/// server or not from its pages: a `Host` other than the public URL's (a DNS-rebinding page
/// reaches a loopback server under its own name, and to the browser that is same-origin), then
/// `Sec-Fetch-Site` other than same-origin, or an `Origin` other than the public URL's. This
/// covers plain HTML form posts too, which carry no custom header.
pub async fn refuse_foreign_origin(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // The SAML ACS receives the identity provider's cross-site form post (Origin the
    // provider's, or `null`): its signed response is its proof, so only the Host is checked.
    let check_origin = !is_saml_acs(req.uri().path());
    if !safe && let Some(message) = refusal(req.headers(), req.uri(), &state.public, check_origin) {
        tracing::info!(reason = message, "refused a state-changing request");
        let body = AppError::new(ErrorCode::Forbidden, message);
        return (StatusCode::FORBIDDEN, Json(body)).into_response();
    }
    next.run(req).await
}

/// Why a state-changing request must not run, as the user is told, if it must not.
fn refusal(
    headers: &HeaderMap,
    uri: &Uri,
    public: &PublicOrigin,
    check_origin: bool,
) -> Option<&'static str> {
    // HTTP/1.1 always sends Host; the request target's authority stands in where it may not.
    let host = match headers.get(header::HOST) {
        Some(value) => value.to_str().ok(),
        None => uri.authority().map(Authority::as_str),
    };
    if !host.is_some_and(|host| names_this_server(host, public)) {
        return Some("This request's host is not this server.");
    }
    if check_origin && is_foreign(headers, public) {
        return Some("Cross-origin requests are not allowed.");
    }
    None
}

/// `/saml/<one segment>/acs`, exactly.
fn is_saml_acs(path: &str) -> bool {
    path.strip_prefix("/saml/")
        .and_then(|rest| rest.strip_suffix("/acs"))
        .is_some_and(|org| !org.is_empty() && !org.contains('/'))
}

fn is_foreign(headers: &HeaderMap, public: &PublicOrigin) -> bool {
    let text =
        |name: header::HeaderName| headers.get(name).map(|v| v.to_str().unwrap_or("invalid"));
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site"))
        && site != "same-origin"
        && site != "none"
    {
        return true;
    }
    text(header::ORIGIN).is_some_and(|origin| !is_public_origin(origin, public))
}

/// Whether an `Origin` header is the public URL's origin: exactly a serialized origin as
/// browsers write it (no credentials, path or trailing slash; `null` is no origin), with the
/// public scheme, naming this server (see [`is_this_server`]).
fn is_public_origin(origin: &str, public: &PublicOrigin) -> bool {
    let Ok(url) = Url::parse(origin) else {
        return false;
    };
    let scheme = if public.is_https() { "https" } else { "http" };
    url.origin()
        .ascii_serialization()
        .eq_ignore_ascii_case(origin)
        && url.scheme() == scheme
        && url
            .host()
            .zip(url.port_or_known_default())
            .is_some_and(|(host, port)| is_this_server(&host.to_owned(), port, public))
}

/// Whether `authority` (`host[:port]` from `Host`) is the public URL's. A missing port is the
/// public scheme's default.
fn names_this_server(authority: &str, public: &PublicOrigin) -> bool {
    let Ok(authority) = authority.parse::<Authority>() else {
        return false;
    };
    if authority.as_str().contains('@') {
        return false;
    }
    let port = authority
        .port_u16()
        .unwrap_or(if public.is_https() { 443 } else { 80 });
    // Only the form browsers send (`127.0.0.1`, not `2130706433`; `[::1]`, not `[0::1]`).
    Host::parse(authority.host()).is_ok_and(|host| {
        host.to_string().eq_ignore_ascii_case(authority.host())
            && is_this_server(&host, port, public)
    })
}

/// Whether `host` and `port` are the public URL's. Host names compare without case. When the
/// public host is a loopback name, the other loopback names (`localhost`, `127.0.0.1`, `[::1]`)
/// are accepted too: no other site can be reached under them, and `make run` may be opened
/// under either.
fn is_this_server(host: &Host, port: u16, public: &PublicOrigin) -> bool {
    let Ok(ours) = Host::parse(public.host()) else {
        return false;
    };
    port == public.port() && (*host == ours || (is_loopback(host) && is_loopback(&ours)))
}

fn is_loopback(host: &Host) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Resolves the caller once per request and stores it (and client info) as request
/// extensions for server functions and page rendering: an API key from `Authorization: Bearer`
/// (which then stands alone; an inactive key is answered 401 at once), else the session
/// cookie. A cookie that no longer names a live session is removed. A key in the URL's query
/// is refused: URLs end up in logs, histories and `Referer` headers.
pub async fn resolve_session(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    if req
        .uri()
        .query()
        .is_some_and(gatehouse_server::api_keys::looks_like_key)
    {
        tracing::info!("refused an API key in a URL");
        let body = AppError::new(
            ErrorCode::BadRequest,
            "API keys are not accepted in the URL. Send the key in the Authorization header: \
             Authorization: Bearer <key>. Revoke this key and create a new one: it may have \
             been recorded wherever the URL went.",
        );
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let client = client_info(&req, &state);
    let cookies = state.server.cookies();
    let cookie = cookies::read(req.headers(), cookies.session());
    let mut stale_cookie = false;
    let services = &state.server.services;
    let caller = match bearer(req.headers()) {
        Some(Err(())) => return invalid_key("Send an API key as Authorization: Bearer <key>."),
        Some(Ok(token)) => match api_keys::authenticate(services, token, client.clone()).await {
            Ok(key) => RequestCaller::Key(Box::new(key)),
            Err(gatehouse_server::Error::Unauthenticated) => {
                return invalid_key(
                    "This API key is not valid: it is unknown, expired, revoked or replaced, or \
                     its holder may no longer use it.",
                );
            }
            Err(err) => return lookup_failed(&err),
        },
        None => match &cookie {
            None => RequestCaller::Anonymous,
            Some(token) => match sessions::resolve(services, token, client.clone()).await {
                Ok(Resolved::Active(actor)) => RequestCaller::SignedIn(actor),
                Ok(Resolved::Ended(reason)) => {
                    stale_cookie = true;
                    RequestCaller::Ended(reason)
                }
                Ok(Resolved::Unknown) => {
                    stale_cookie = true;
                    RequestCaller::Anonymous
                }
                Err(err) => return lookup_failed(&err),
            },
        },
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

/// The `Authorization` header: `None` without one, the token of a `Bearer` one, else an error.
fn bearer(headers: &HeaderMap) -> Option<Result<&str, ()>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let text = value.to_str().map_err(drop);
    Some(text.and_then(|text| {
        let (scheme, token) = text.trim().split_once(' ').ok_or(())?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty())
            .then_some(token)
            .ok_or(())
    }))
}

/// 401 for a request whose key cannot act, saying why in one sentence (the same for every
/// inactive key).
fn invalid_key(message: &str) -> Response {
    let body = AppError::new(ErrorCode::Unauthenticated, message);
    let mut response = (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    response
}

fn lookup_failed(err: &gatehouse_server::Error) -> Response {
    tracing::error!(error = %err, "caller lookup failed");
    let body = AppError::new(
        ErrorCode::Internal,
        "Something went wrong on our side. Please try again.",
    );
    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
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

    fn public(url: &str) -> PublicOrigin {
        PublicOrigin::parse(url).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn only_a_saml_acs_path_skips_the_origin_check() {
        assert!(is_saml_acs("/saml/0b9e/acs"));
        for path in [
            "/saml//acs",
            "/saml/a/b/acs",
            "/saml/a/acs/",
            "/saml/a/start",
            "/api/saml/a/acs",
            "/api/update_saml_connection",
        ] {
            assert!(!is_saml_acs(path), "{path}");
        }
    }

    #[test]
    fn same_origin_and_header_less_requests_pass() {
        let local = public("http://127.0.0.1:3000");
        assert!(!is_foreign(&headers(&[]), &local));
        assert!(!is_foreign(
            &headers(&[("origin", "http://127.0.0.1:3000")]),
            &local
        ));
        assert!(!is_foreign(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &local
        ));
        assert!(!is_foreign(
            &headers(&[("origin", "http://localhost:3000")]),
            &local
        ));
    }

    #[test]
    fn foreign_origins_and_cross_site_fetches_are_refused() {
        let local = public("http://127.0.0.1:3000");
        for foreign in [
            "http://evil.example",
            "null",
            "http://127.0.0.1:3001",
            "https://127.0.0.1:3000",
            "http://127.0.0.1:3000/",
            "http://evil.example@127.0.0.1:3000",
            "http://2130706433:3000",
            "http://127.0.0.1:3000/x",
            "http://127.0.0.1:3000?x",
            "ftp://127.0.0.1:3000",
        ] {
            let map = HeaderMap::from_iter([(
                header::ORIGIN,
                HeaderValue::from_str(foreign).unwrap_or_else(|e| unreachable!("{e}")),
            )]);
            assert!(is_foreign(&map, &local), "{foreign}");
        }
        assert!(is_foreign(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &local
        ));
        assert!(is_foreign(
            &headers(&[("sec-fetch-site", "same-site")]),
            &local
        ));
        let spoofed_host = headers(&[
            ("origin", "http://evil.example"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(is_foreign(&spoofed_host, &local));
    }

    #[test]
    fn only_the_public_host_names_this_server() {
        let site = public("https://id.example.com");
        for own in ["id.example.com", "ID.EXAMPLE.COM", "id.example.com:443"] {
            assert!(names_this_server(own, &site), "{own}");
        }
        for other in [
            "evil.example",
            "id.example.com:80",
            "id.example.com.evil.example",
            "localhost",
            "127.0.0.1",
            "user@id.example.com",
            "",
        ] {
            assert!(!names_this_server(other, &site), "{other}");
        }
        let local = public("http://127.0.0.1:3000");
        for alias in [
            "127.0.0.1:3000",
            "localhost:3000",
            "[::1]:3000",
            "127.0.0.2:3000",
        ] {
            assert!(names_this_server(alias, &local), "{alias}");
        }
        for other in [
            "127.0.0.1:3001",
            "127.0.0.1",
            "evil.example:3000",
            "10.0.0.1:3000",
            "2130706433:3000",
            "127.0.0.1:3000/x",
        ] {
            assert!(!names_this_server(other, &local), "{other}");
        }
    }
}
