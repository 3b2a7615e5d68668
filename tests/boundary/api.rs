//! Endpoints through the router: cookies, statuses, errors and what they never leak.

use super::*;

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
