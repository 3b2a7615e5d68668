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

/// One HTTP/1.0 request to the running binary: the status line, headers and body as text.
fn http(port: u16, path: &str, headers: &[(&str, &str)], body: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let mut request = format!(
        "POST {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    answer
}

/// The value after `"name":"` in a JSON answer.
fn json_field(answer: &str, name: &str) -> String {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(body).expect("json");
    value[name].as_str().expect(name).to_string()
}

#[test]
fn keys_never_reach_the_logs() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().expect("temp dir");
    let port = super::logs::free_port();
    let log = dir.path().join("out.log");
    let child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .env("GATEHOUSE_ADDR", format!("127.0.0.1:{port}"))
        .env("GATEHOUSE_DATA_DIR", dir.path())
        .env("GATEHOUSE_LOG_FORMAT", "json")
        // Everything the server and its libraries say, at every level but trace.
        .env("RUST_LOG", "debug")
        .env_remove("DATABASE_URL")
        .stdout(std::fs::File::create(&log).expect("log file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let _server = super::logs::Stop(child);
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "never listened"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let signed_up = http(port, "/api/sign_up", &[], &sign_up_form("ada@example.com"));
    let cookie = signed_up
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_string();
    let cookie = [("Cookie", cookie.as_str())];
    let account = json_field(
        &http(port, "/api/create_service_account", &cookie, "name=CI"),
        "id",
    );
    let key = json_field(
        &http(
            port,
            "/api/create_api_key",
            &cookie,
            &format!("name=deploy&service_account_id={account}"),
        ),
        "secret",
    );
    let bearer = format!("Bearer {key}");
    let me = http(port, "/api/whoami", &[("Authorization", &bearer)], "");
    assert!(me.starts_with("HTTP/1.0 200"), "{me}");
    let refused = http(port, &format!("/api/whoami?token={key}"), &[], "");
    assert!(refused.starts_with("HTTP/1.0 400"), "{refused}");
    let wrong = http(
        port,
        "/api/whoami",
        &[("Authorization", &format!("{bearer}x"))],
        "",
    );
    assert!(wrong.starts_with("HTTP/1.0 401"), "{wrong}");
    drop(_server);
    let mut logged = String::new();
    std::fs::File::open(&log)
        .expect("log")
        .read_to_string(&mut logged)
        .expect("read log");
    assert!(logged.lines().count() > 10, "the server logged: {logged}");
    let secret_part = &key[key.len() - 43..];
    assert!(!logged.contains(secret_part), "a key's secret in the logs");
    assert!(!logged.contains(&key[..20]), "a key in the logs");
}
