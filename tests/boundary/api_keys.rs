//! API keys at the HTTP boundary: `Authorization: Bearer` authenticates `whoami`,
//! `check_permission`, `list_my_projects` and `introspect_key`; an inactive key is one 401; a key
//! in a URL is refused; a key cannot stand in for a session elsewhere; a revoked key is refused
//! on the next request.

use super::*;

/// A call made with a key (and no cookie), as a script would make it.
async fn with_key(server: &Server, path: &str, body: &str, key: &str) -> Response<Body> {
    let request = server
        .post(path)
        .header(header::ACCEPT, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .body(Body::from(body.to_string()))
        .expect("request");
    server.send(request).await
}

async fn id_of(response: Response<Body>) -> String {
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await["id"].as_str().expect("id").to_string()
}

struct Setup {
    owner: String,
    account: String,
    project: String,
    key: String,
    key_id: String,
}

/// An Owner, a service account "CI" with Viewer on project "Payments", and a key for it.
async fn setup(server: &Server) -> Setup {
    let owner = server.sign_up("ada@example.com").await;
    let account = id_of(
        server
            .call(
                "/api/create_service_account",
                "name=CI&description=Deploys",
                Some(&owner),
            )
            .await,
    )
    .await;
    let project = id_of(
        server
            .call("/api/create_project", "name=Payments", Some(&owner))
            .await,
    )
    .await;
    let granted = server
        .call(
            "/api/add_project_service_account",
            &format!("project_id={project}&service_account_id={account}&role=viewer"),
            Some(&owner),
        )
        .await;
    assert_eq!(granted.status(), StatusCode::OK);
    let issued = server
        .call(
            "/api/create_api_key",
            &format!("name=deploy&expires_in_days=30&service_account_id={account}"),
            Some(&owner),
        )
        .await;
    assert_eq!(issued.status(), StatusCode::OK);
    let issued = json(issued).await;
    Setup {
        owner,
        account,
        project,
        key: issued["secret"].as_str().expect("secret").to_string(),
        key_id: issued["id"].as_str().expect("id").to_string(),
    }
}

#[tokio::test]
async fn a_bearer_key_calls_whoami_check_permission_and_list_my_projects() {
    let server = server(None).await;
    let s = setup(&server).await;
    assert!(s.key.starts_with("ghk_"));

    let me = with_key(&server, "/api/whoami", "", &s.key).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me = json(me).await;
    assert_eq!(me["type"], "service_account");
    assert_eq!(me["id"], s.account.as_str());
    assert_eq!(me["name"], "CI");
    assert_eq!(me["project"], serde_json::Value::Null);
    assert!(me["organization"].as_str().is_some_and(|o| o.len() == 36));

    let view = with_key(
        &server,
        "/api/check_permission",
        &format!("project_id={}&permission=view", s.project),
        &s.key,
    )
    .await;
    assert_eq!(view.status(), StatusCode::OK);
    assert_eq!(
        json(view).await,
        serde_json::json!({"allowed": true, "role": "viewer", "because": "Viewer of this project"})
    );
    let edit = with_key(
        &server,
        "/api/check_permission",
        &format!("project_id={}&permission=edit", s.project),
        &s.key,
    )
    .await;
    assert_eq!(json(edit).await["allowed"], false);
    let mine = json(with_key(&server, "/api/list_my_projects", "", &s.key).await).await;
    assert_eq!(mine[0]["id"], s.project.as_str());

    // Listed with a hint, never the secret.
    let listed = server
        .call(
            "/api/list_api_keys",
            &format!("service_account_id={}", s.account),
            Some(&s.owner),
        )
        .await;
    let text = String::from_utf8(
        axum::body::to_bytes(listed.into_body(), 1 << 20)
            .await
            .expect("body")
            .to_vec(),
    )
    .expect("utf-8");
    assert!(
        text.contains(&format!("ghk_…{}", &s.key[s.key.len() - 4..])),
        "{text}"
    );
    assert!(!text.contains(&s.key), "{text}");
}

#[tokio::test]
async fn an_inactive_key_is_one_401_and_a_revoked_key_is_refused_at_once() {
    let server = server(None).await;
    let s = setup(&server).await;
    assert_eq!(
        with_key(&server, "/api/whoami", "", &s.key).await.status(),
        StatusCode::OK
    );
    let revoked = server
        .call(
            "/api/revoke_api_key",
            &format!("key_id={}", s.key_id),
            Some(&s.owner),
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let mut bodies = Vec::new();
    for key in [s.key.as_str(), "ghk_0000", "not-a-key"] {
        let response = with_key(&server, "/api/whoami", "", key).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{key}");
        assert_eq!(
            response
                .headers()
                .get(header::WWW_AUTHENTICATE)
                .map(|v| v.as_bytes()),
            Some(&b"Bearer error=\"invalid_token\""[..])
        );
        bodies.push(json(response).await);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "one answer: {bodies:?}"
    );
    assert_eq!(bodies[0]["code"], "unauthenticated");

    // Another scheme, or an empty bearer, is not a key.
    for value in ["Basic YWRhOnB3", "Bearer "] {
        let request = server
            .post("/api/whoami")
            .header(header::AUTHORIZATION, value)
            .body(Body::empty())
            .expect("request");
        assert_eq!(
            server.send(request).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
}

#[tokio::test]
async fn a_key_in_the_url_is_refused_with_the_reason() {
    let server = server(None).await;
    let s = setup(&server).await;
    for path in [
        format!("/api/whoami?access_token={}", s.key),
        format!("/api/list_my_projects?key={}", s.key),
        format!("/settings?k={}", s.key),
    ] {
        let request = server.get(&path).body(Body::empty()).expect("request");
        let response = server.send(request).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let body = json(response).await;
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("API keys are not accepted in the URL.")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_key_cannot_stand_in_for_a_session() {
    let server = server(None).await;
    let s = setup(&server).await;
    for (path, body) in [
        ("/api/list_members", String::new()),
        ("/api/create_service_account", "name=Spy".to_string()),
        ("/api/revoke_api_key", format!("key_id={}", s.key_id)),
        ("/api/list_projects", String::new()),
    ] {
        let response = with_key(&server, path, &body, &s.key).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(
            json(response).await["message"],
            "This call needs a signed-in person, not an API key."
        );
    }
    // The key still works: nothing above changed anything.
    assert_eq!(
        with_key(&server, "/api/whoami", "", &s.key).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn introspection_takes_a_service_account_key() {
    let server = server(None).await;
    let s = setup(&server).await;
    let gateway = id_of(
        server
            .call(
                "/api/create_service_account",
                "name=Gateway",
                Some(&s.owner),
            )
            .await,
    )
    .await;
    let gateway_key = json(
        server
            .call(
                "/api/create_api_key",
                &format!("name=gw&service_account_id={gateway}"),
                Some(&s.owner),
            )
            .await,
    )
    .await["secret"]
        .as_str()
        .expect("secret")
        .to_string();

    let form = |token: &str| format!("token={token}");
    let active = with_key(&server, "/api/introspect_key", &form(&s.key), &gateway_key).await;
    assert_eq!(active.status(), StatusCode::OK);
    let active = json(active).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["sub"], format!("service_account:{}", s.account));
    assert_eq!(
        active["permissions"][&s.project],
        serde_json::json!(["view"])
    );
    assert!(
        active["exp"]
            .as_i64()
            .is_some_and(|exp| exp > 1_700_000_000)
    );

    let unknown = with_key(
        &server,
        "/api/introspect_key",
        &form("ghk_nope"),
        &gateway_key,
    )
    .await;
    assert_eq!(json(unknown).await, serde_json::json!({"active": false}));
    // With a session instead of a key: 401.
    let session = server
        .call("/api/introspect_key", &form(&s.key), Some(&s.owner))
        .await;
    assert_eq!(session.status(), StatusCode::UNAUTHORIZED);
}
