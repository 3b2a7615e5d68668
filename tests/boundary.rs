//! The HTTP boundary, through the same `router()` the binary serves, on a temporary SQLite
//! database: endpoints, statuses, cookie flags, origin refusal, and that no internal detail leaks.
#![expect(clippy::expect_used, reason = "a failing test should stop loudly")]

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use gatehouse::{AppState, router};
use gatehouse_server::{Db, Services, Settings, SystemClock};
use http::{Request, Response, StatusCode, header};
use leptos::prelude::get_configuration;
use tower::ServiceExt;

const PASSWORD: &str = "Correct-Horse-9";

struct Server {
    app: Router,
    /// `host[:port]` of the public URL: what a browser on the real site sends as `Host`.
    host: String,
    _dir: tempfile::TempDir,
}

async fn server(public_url: Option<&str>) -> Server {
    server_with(public_url, &[]).await
}

/// A server whose settings are the defaults plus `vars` (and `public_url`, when given).
async fn server_with(public_url: Option<&str>, vars: &[(&str, &str)]) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().display().to_string();
    let public_url = public_url.map(str::to_string);
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    let settings = Settings::from_lookup(|name| match name {
        "GATEHOUSE_DATA_DIR" => Some(data_dir.clone()),
        "GATEHOUSE_PUBLIC_URL" => public_url.clone(),
        _ => vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
    })
    .expect("settings");
    let db = Db::connect(&settings.database_url).await.expect("database");
    let services = Services::new(db, Arc::new(SystemClock), settings.services.clone())
        .await
        .expect("services");
    let options = get_configuration(Some("Leptos.toml"))
        .expect("Leptos.toml")
        .leptos_options;
    let host = settings
        .public_url
        .split_once("://")
        .and_then(|(_, rest)| rest.split('/').next())
        .expect("public URL authority")
        .to_string();
    Server {
        app: router(AppState::new(options, services, &settings)),
        host,
        _dir: dir,
    }
}

impl Server {
    /// A form POST as the browser on the real site sends it (its `Host`, no `Origin`).
    fn post(&self, path: &str) -> http::request::Builder {
        Request::post(path)
            .header(header::HOST, &self.host)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
    }

    fn get(&self, path: &str) -> http::request::Builder {
        Request::get(path).header(header::HOST, &self.host)
    }

    async fn send(&self, request: Request<Body>) -> Response<Body> {
        self.app.clone().oneshot(request).await.expect("infallible")
    }

    async fn call(&self, path: &str, body: &str, cookie: Option<&str>) -> Response<Body> {
        let mut builder = self.post(path).header(header::ACCEPT, "application/json");
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        self.send(builder.body(Body::from(body.to_string())).expect("request"))
            .await
    }

    async fn sign_up(&self, email: &str) -> String {
        let response = self.call("/api/sign_up", &sign_up_form(email), None).await;
        assert_eq!(response.status(), StatusCode::OK);
        session_cookie(&response).expect("session cookie")
    }
}

fn sign_up_form(email: &str) -> String {
    format!(
        "name=Ada&email={}&password={PASSWORD}&organization=Engines",
        email.replace('@', "%40")
    )
}

async fn json(response: Response<Body>) -> serde_json::Value {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    serde_json::from_slice(&bytes).expect("json body")
}

fn set_cookie(response: &Response<Body>) -> Option<String> {
    response
        .headers()
        .get(header::SET_COOKIE)?
        .to_str()
        .ok()
        .map(str::to_string)
}

fn session_cookie(response: &Response<Body>) -> Option<String> {
    set_cookie(response)?.split(';').next().map(str::to_string)
}

#[tokio::test]
async fn sign_up_sets_a_hardened_session_cookie_and_returns_the_user() {
    let server = server(None).await;
    let body =
        "name=Ada+Lovelace&email=Ada%40Example.com&password=Correct-Horse-9&organization=Engines";
    let response = server.call("/api/sign_up", body, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = set_cookie(&response).expect("cookie");
    assert!(cookie.starts_with("gatehouse_session="));
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=604800"] {
        assert!(cookie.contains(flag), "{flag} missing in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http must not set Secure");
    let me = json(response).await;
    assert_eq!(me["user"]["email"], "ada@example.com");
    assert_eq!(me["user"]["mfa_enabled"], false);
    assert_eq!(me["organization"]["name"], "Engines");
    assert_eq!(me["organization"]["role"], "owner");
}

#[tokio::test]
async fn an_https_public_url_gives_the_session_cookie_the_host_prefix() {
    let server = server(Some("https://id.example.com")).await;
    let response = server
        .call("/api/sign_up", &sign_up_form("ada@example.com"), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let set = set_cookie(&response).expect("cookie");
    // Browsers keep a `__Host-` cookie only when it is Secure, has Path=/ and no Domain.
    assert!(set.starts_with("__Host-gatehouse_session="), "{set}");
    for flag in ["; Secure", "; Path=/", "; HttpOnly", "; SameSite=Lax"] {
        assert!(set.contains(flag), "{flag} missing in {set}");
    }
    assert!(!set.to_ascii_lowercase().contains("domain="), "{set}");

    let cookie = session_cookie(&response).expect("session cookie");
    let me = server.call("/api/current_user", "", Some(&cookie)).await;
    assert_eq!(me.status(), StatusCode::OK);
    // The same token under the bare name, as a sibling subdomain or a plain-http page could
    // plant it, is not this site's session cookie.
    let token = cookie
        .split_once('=')
        .map(|(_, token)| token)
        .expect("token");
    let planted = format!("gatehouse_session={token}");
    let response = server.call("/api/current_user", "", Some(&planted)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let response = server.call("/api/sign_out", "", Some(&cookie)).await;
    let cleared = set_cookie(&response).expect("clearing cookie");
    assert!(
        cleared.starts_with("__Host-gatehouse_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
}

#[tokio::test]
async fn current_user_needs_a_session() {
    let server = server(None).await;
    let response = server.call("/api/current_user", "", None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(response).await["code"], "unauthenticated");

    let cookie = server.sign_up("ada@example.com").await;
    let response = server.call("/api/current_user", "", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json(response).await["user"]["email"], "ada@example.com");

    let response = server.call("/api/sign_out", "", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = server.call("/api/current_user", "", Some(&cookie)).await;
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "a signed-out token is dead"
    );
    assert!(
        set_cookie(&response).is_some_and(|c| c.contains("Max-Age=0")),
        "stale cookie cleared"
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let server = server(None).await;
    server.sign_up("ada@example.com").await;
    let wrong = server
        .call(
            "/api/sign_in",
            "email=ada%40example.com&password=Nope-Nope-1",
            None,
        )
        .await;
    let unknown = server
        .call(
            "/api/sign_in",
            "email=bob%40example.com&password=Nope-Nope-1",
            None,
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(wrong).await, json(unknown).await);
}

#[tokio::test]
async fn invalid_input_is_422_with_every_failing_rule() {
    let server = server(None).await;
    let response = server
        .call(
            "/api/sign_up",
            "name=&email=x&password=abc&organization=",
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(response).await;
    assert_eq!(body["code"], "validation");
    assert_eq!(body["fields"]["password"].as_array().map(Vec::len), Some(4));
    assert!(body["fields"]["email"].is_array() && body["fields"]["name"].is_array());

    let response = server.call("/api/sign_up", "name=Ada", None).await;
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "missing fields are not a 500"
    );
}

#[tokio::test]
async fn a_duplicate_email_is_a_409() {
    let server = server(None).await;
    server.sign_up("ada@example.com").await;
    let body = "name=Ada&email=ADA%40example.com&password=Correct-Horse-9&organization=Engines";
    let response = server.call("/api/sign_up", body, None).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body = json(response).await;
    assert_eq!(
        body["message"],
        "An account with this email already exists. Sign in instead."
    );
}

#[tokio::test]
async fn the_eleventh_failure_is_429_with_retry_after() {
    let server = server(None).await;
    server.sign_up("ada@example.com").await;
    for _ in 0..10 {
        let r = server
            .call(
                "/api/sign_in",
                "email=ada%40example.com&password=Nope-Nope-1",
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let right = format!("email=ada%40example.com&password={PASSWORD}");
    let response = server.call("/api/sign_in", &right, None).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .expect("Retry-After");
    assert!((840..=900).contains(&retry), "{retry}");
    let message = json(response).await["message"].as_str().map(str::to_string);
    assert_eq!(
        message.as_deref(),
        Some("Too many attempts, try again in 15 minutes")
    );
}

#[tokio::test]
async fn foreign_origins_are_refused_before_anything_runs() {
    let server = server(None).await;
    for (name, value) in [
        ("origin", "http://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let request = server
            .post("/api/sign_up")
            .header(name, value)
            .body(Body::from(
                "name=Ada&email=ada%40example.com&password=Correct-Horse-9&organization=E",
            ))
            .expect("request");
        let response = server.send(request).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    let request = server
        .post("/api/sign_up")
        .header("origin", "http://127.0.0.1:3000")
        .body(Body::from(
            "name=Ada&email=ada%40example.com&password=Correct-Horse-9&organization=E",
        ))
        .expect("request");
    assert_eq!(
        server.send(request).await.status(),
        StatusCode::OK,
        "no account was made before"
    );
}

#[tokio::test]
async fn a_form_post_without_javascript_is_redirected_with_its_error() {
    let server = server(None).await;
    let request = server
        .post("/api/sign_in")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, "http://127.0.0.1:3000/login")
        .body(Body::from("email=ada%40example.com&password=Nope-Nope-1"))
        .expect("request");
    let response = server.send(request).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok());
    let location = location.expect("Location");
    assert!(
        location.starts_with("http://127.0.0.1:3000/login?"),
        "{location}"
    );
    assert!(location.contains("__err="));
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_the_login_page() {
    let server = server(None).await;
    for path in [
        "/",
        "/settings/profile",
        "/settings/members",
        "/settings/organization",
    ] {
        let request = server
            .get(path)
            .header(header::ACCEPT, "text/html")
            .body(Body::empty());
        let response = server.send(request.expect("request")).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{path}");
        assert_eq!(
            response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok()),
            Some("/login")
        );
    }
    let request = server
        .get("/no-such-page")
        .body(Body::empty())
        .expect("request");
    assert_eq!(server.send(request).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let server = server(None).await;
    let response = server
        .send(server.get("/login").body(Body::empty()).expect("request"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(
        headers.get("x-frame-options").map(|v| v.as_bytes()),
        Some(&b"DENY"[..])
    );
    assert_eq!(
        headers.get("x-content-type-options").map(|v| v.as_bytes()),
        Some(&b"nosniff"[..])
    );
    assert_eq!(
        headers.get(header::CACHE_CONTROL).map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );
    assert!(headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn an_oversized_body_is_a_413_not_a_500() {
    let server = server(None).await;
    let body = format!(
        "email=ada%40example.com&password={}",
        "x".repeat(100 * 1024)
    );
    let response = server.call("/api/sign_in", &body, None).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json(response).await["code"], "payload_too_large");
}

#[tokio::test]
async fn without_smtp_password_reset_points_to_an_administrator() {
    let server = server(None).await;
    let options = json(server.call("/api/sign_in_options", "", None).await).await;
    assert_eq!(options["password_reset_by_email"], false);
    let response = server
        .call(
            "/api/request_password_reset",
            "email=ada%40example.com",
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = json(response).await;
    assert_eq!(body["code"], "unavailable");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("ask an administrator")),
        "{body}"
    );
    let page = server
        .get("/forgot-password")
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .expect("request");
    let response = server.send(page).await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    let html = String::from_utf8_lossy(&bytes);
    assert!(html.contains("Ask an administrator"), "{html}");
    assert!(!html.contains("Send reset link"));
}

#[tokio::test]
async fn invitation_and_reset_links_that_never_existed_are_404_with_a_clear_message() {
    let server = server(None).await;
    let token = "A".repeat(43);
    for (path, message) in [
        (
            "/api/invitation_details",
            "This invitation link is not valid.",
        ),
        ("/api/reset_link_status", "This reset link is not valid."),
    ] {
        let response = server.call(path, &format!("token={token}"), None).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let body = json(response).await;
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains(message)),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_client_cannot_choose_its_address_with_its_own_forwarded_for_line() {
    let server = server_with(None, &[("GATEHOUSE_TRUSTED_PROXIES", "10.0.0.0/8")]).await;
    let request = server
        .post("/api/sign_up")
        .header(header::ACCEPT, "application/json")
        // The client's own line, then the line our proxy (10.0.0.2) appended.
        .header("x-forwarded-for", "1.1.1.1")
        .header("x-forwarded-for", "198.51.100.7")
        .extension(ConnectInfo(SocketAddr::from(([10, 0, 0, 2], 40_000))))
        .body(Body::from(sign_up_form("ada@example.com")))
        .expect("request");
    let response = server.send(request).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = session_cookie(&response).expect("session cookie");
    let sessions = json(server.call("/api/list_sessions", "", Some(&cookie)).await).await;
    assert_eq!(sessions[0]["ip"], "198.51.100.7", "{sessions}");
}

fn header_text<'a>(response: &'a Response<Body>, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn an_https_public_url_turns_on_strict_transport_security_for_every_response() {
    let https = server(Some("https://id.example.com")).await;
    let page = https
        .send(https.get("/login").body(Body::empty()).expect("request"))
        .await;
    let refused = https
        .send(
            https
                .post("/api/sign_in")
                .header(header::ORIGIN, "https://evil.example")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let missing = https
        .send(
            https
                .get("/no-such-page")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    for response in [&page, &refused, &missing] {
        assert_eq!(
            header_text(response, "strict-transport-security"),
            Some("max-age=31536000"),
            "{:?}",
            response.status()
        );
    }

    let plain = server(None).await;
    let page = plain
        .send(plain.get("/login").body(Body::empty()).expect("request"))
        .await;
    assert_eq!(
        header_text(&page, "strict-transport-security"),
        None,
        "HSTS over plain http would only be ignored, or pin a development host"
    );
}

async fn text(response: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    String::from_utf8(bytes.to_vec()).expect("utf-8 body")
}

/// The `'nonce-…'` source of a Content-Security-Policy's `script-src`.
fn script_nonce(policy: &str) -> Option<String> {
    let script_src = policy
        .split(';')
        .map(str::trim)
        .find_map(|directive| directive.strip_prefix("script-src "))?;
    script_src
        .split_whitespace()
        .find_map(|source| source.strip_prefix("'nonce-")?.strip_suffix('\''))
        .map(str::to_string)
}

/// Every `<script …>` start tag in a page.
fn script_tags(html: &str) -> Vec<&str> {
    html.match_indices("<script")
        .filter_map(|(at, _)| html[at..].split_once('>').map(|(tag, _)| tag))
        .collect()
}

/// The page's policy and nonce, after checking every script on it carries that nonce.
async fn page_policy(server: &Server, path: &str, cookie: Option<&str>) -> (String, String) {
    let mut request = server.get(path).header(header::ACCEPT, "text/html");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = server
        .send(request.body(Body::empty()).expect("request"))
        .await;
    let policy = header_text(&response, "content-security-policy")
        .expect("Content-Security-Policy")
        .to_string();
    let nonce = script_nonce(&policy).expect("a script nonce in the policy");
    let html = text(response).await;
    let scripts = script_tags(&html);
    assert!(
        !scripts.is_empty(),
        "{path}: the page hydrates with a script"
    );
    for tag in scripts {
        assert!(
            tag.contains(&format!(" nonce=\"{nonce}\"")),
            "{path}: {tag} lacks the header's nonce {nonce}"
        );
    }
    // The policy allows no inline styles, so the page must not need any.
    assert!(
        !html.contains(" style="),
        "{path}: an inline style attribute"
    );
    assert!(!html.contains("<style"), "{path}: an inline style element");
    (policy, nonce)
}

#[tokio::test]
async fn scripts_run_only_with_this_responses_nonce() {
    let server = server(None).await;
    let (policy, first) = page_policy(&server, "/login", None).await;
    let (_, second) = page_policy(&server, "/login", None).await;
    assert_ne!(first, second, "a nonce is never reused");
    assert!(first.len() >= 22, "at least 128 bits: {first}");
    for directive in [
        "default-src 'self'",
        &format!("script-src 'self' 'nonce-{first}' 'wasm-unsafe-eval'"),
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(
            policy.split(';').any(|d| d.trim() == directive),
            "{directive} missing in {policy}"
        );
    }
    for loose in [
        "unsafe-inline",
        "unsafe-eval'",
        "unsafe-hashes",
        "data:",
        "*",
    ] {
        assert!(
            !policy.replace("wasm-unsafe-eval'", "").contains(loose),
            "{loose} in {policy}"
        );
    }

    // Pages that stream data for hydration, and the not-found page, use the nonce as well.
    let cookie = server.sign_up("ada@example.com").await;
    page_policy(&server, "/settings/profile", Some(&cookie)).await;
    page_policy(&server, "/settings/security", Some(&cookie)).await;
    page_policy(&server, "/no-such-page", None).await;
}

/// A sign-up POST carrying `headers` (on top of the form's content type).
async fn sign_up_with(server: &Server, headers: &[(&str, &str)]) -> Response<Body> {
    let mut request = Request::post("/api/sign_up")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = Body::from(sign_up_form(&format!("ada-{}@example.com", uuid_like())));
    server.send(request.body(body).expect("request")).await
}

fn uuid_like() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

#[tokio::test]
async fn a_state_changing_request_for_another_host_is_refused() {
    // A DNS-rebinding page: evil.example now resolves to this loopback server, so its requests
    // are same-origin in the browser's eyes and only the Host header tells them apart.
    let server = server(None).await;
    for headers in [
        &[("host", "evil.example:3000")][..],
        &[
            ("host", "evil.example:3000"),
            ("origin", "http://evil.example:3000"),
            ("sec-fetch-site", "same-origin"),
        ],
        &[("host", "127.0.0.1:4000")],
        &[],
    ] {
        let response = sign_up_with(&server, headers).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
        let body = json(response).await;
        assert_eq!(body["code"], "forbidden");
        assert_eq!(body["message"], "This request's host is not this server.");
    }
    let page = server
        .send(
            Request::get("/login")
                .header(header::HOST, "evil.example:3000")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(
        page.status(),
        StatusCode::OK,
        "reading a page changes nothing, and the rebinding page has no session cookie"
    );
}

#[tokio::test]
async fn the_public_host_passes_and_on_loopback_so_do_its_aliases() {
    let server = server(None).await;
    for headers in [
        &[("host", "127.0.0.1:3000")][..],
        &[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000"),
        ],
        &[
            ("host", "localhost:3000"),
            ("origin", "http://localhost:3000"),
        ],
        &[("host", "[::1]:3000"), ("origin", "http://[::1]:3000")],
    ] {
        let response = sign_up_with(&server, headers).await;
        assert_eq!(response.status(), StatusCode::OK, "{headers:?}");
    }

    let https = server_with(Some("https://id.example.com"), &[]).await;
    for headers in [
        &[("host", "id.example.com")][..],
        &[
            ("host", "ID.example.com:443"),
            ("origin", "https://id.example.com"),
        ],
    ] {
        let response = sign_up_with(&https, headers).await;
        assert_eq!(response.status(), StatusCode::OK, "{headers:?}");
    }
    for headers in [
        &[("host", "localhost")][..],
        &[("host", "id.example.com:8443")],
    ] {
        let response = sign_up_with(&https, headers).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
    }
}

#[tokio::test]
async fn the_origin_must_be_the_public_origin_not_merely_the_requested_host() {
    let https = server_with(Some("https://id.example.com"), &[]).await;
    // A plain-http page on the same host (say, before a redirect to https) is another origin.
    let response = sign_up_with(
        &https,
        &[
            ("host", "id.example.com"),
            ("origin", "http://id.example.com"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        json(response).await["message"],
        "Cross-origin requests are not allowed."
    );
}
