//! Who may drive the server: the Origin and Host checks, and X-Forwarded-For.

use super::*;

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
