//! Security headers on every response: HSTS, the Content-Security-Policy and its nonce.

use super::*;

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
