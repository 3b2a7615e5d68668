//! The projects endpoints at the HTTP boundary: the answer shapes the apps relying on Gatehouse
//! read, statuses (401, 404 across organizations, 409, 422), the form encoding of several
//! `user_id` fields, and the no-JavaScript redirect.

use super::*;

async fn create(server: &Server, cookie: &str, name: &str) -> Response<Body> {
    server
        .call(
            "/api/create_project",
            &format!("name={name}&description=Pipelines"),
            Some(cookie),
        )
        .await
}

async fn created_id(server: &Server, cookie: &str, name: &str) -> String {
    let response = create(server, cookie, name).await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await["id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn a_created_project_is_answered_with_its_id_and_checked_from_the_api() {
    let server = server(None).await;
    let owner = server.sign_up("ada@example.com").await;
    let id = created_id(&server, &owner, "Data+Platform").await;

    let response = server
        .call(
            "/api/check_permission",
            &format!("project_id={id}&permission=edit"),
            Some(&owner),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        json(response).await,
        serde_json::json!({"allowed": true, "role": "admin", "because": "Owner of the organization"})
    );

    let response = server.call("/api/list_my_projects", "", Some(&owner)).await;
    let mine = json(response).await;
    assert_eq!(mine[0]["id"], id.as_str());
    assert_eq!(mine[0]["name"], "Data Platform");
    assert_eq!(mine[0]["role"], "admin");
}

#[tokio::test]
async fn project_endpoints_need_a_session() {
    let server = server(None).await;
    for path in [
        "/api/list_projects",
        "/api/create_project",
        "/api/check_permission",
        "/api/list_my_projects",
        "/api/add_project_members",
    ] {
        let response = server.call(path, "", None).await;
        // A missing field may be noticed first; either way nothing is answered.
        assert!(
            matches!(
                response.status(),
                StatusCode::UNAUTHORIZED | StatusCode::BAD_REQUEST
            ),
            "{path}: {}",
            response.status()
        );
    }
    let response = server
        .call(
            "/api/check_permission",
            &format!("project_id={}&permission=view", uuid_like()),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

fn uuid_like() -> &'static str {
    "6f1c2a7e-2d4b-4c1e-9a51-0d6c3e9b7f10"
}

#[tokio::test]
async fn a_duplicate_name_is_409_and_bad_input_is_422_per_field() {
    let server = server(None).await;
    let owner = server.sign_up("ada@example.com").await;
    created_id(&server, &owner, "Data+Platform").await;

    let response = create(&server, &owner, "data+PLATFORM").await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body = json(response).await;
    assert_eq!(
        body["fields"]["name"][0],
        "Another project of this organization already has this name."
    );

    let response = create(&server, &owner, "+").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json(response).await["fields"]["name"][0],
        "Enter a project name"
    );

    let id = created_id(&server, &owner, "Second").await;
    let response = server
        .call(
            "/api/check_permission",
            &format!("project_id={id}&permission=own"),
            Some(&owner),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json(response).await["fields"]["permission"][0],
        "Ask about view, use or edit"
    );
}

#[tokio::test]
async fn another_organizations_project_is_404_on_every_endpoint() {
    let server = server(None).await;
    let ada = server.sign_up("ada@example.com").await;
    let id = created_id(&server, &ada, "Secret").await;
    let mallory = server.sign_up("mallory@example.com").await;
    let someone = uuid_like();
    for (path, body) in [
        ("/api/get_project", format!("project_id={id}")),
        (
            "/api/update_project",
            format!("project_id={id}&name=Mine&description="),
        ),
        ("/api/archive_project", format!("project_id={id}")),
        ("/api/restore_project", format!("project_id={id}")),
        (
            "/api/delete_project",
            format!("project_id={id}&confirm_name=Secret"),
        ),
        ("/api/list_project_members", format!("project_id={id}")),
        (
            "/api/project_member_candidates",
            format!("project_id={id}&query=a"),
        ),
        (
            "/api/add_project_members",
            format!("project_id={id}&user_id%5B0%5D={someone}&role=viewer"),
        ),
        (
            "/api/update_project_member_role",
            format!("project_id={id}&user_id={someone}&role=viewer"),
        ),
        (
            "/api/remove_project_member",
            format!("project_id={id}&user_id={someone}"),
        ),
        (
            "/api/check_permission",
            format!("project_id={id}&permission=view"),
        ),
        ("/api/explain_access", format!("project_id={id}")),
        (
            "/api/invite_to_project",
            format!("project_id={id}&email=eve%40example.com&role=viewer"),
        ),
    ] {
        let response = server.call(path, &body, Some(&mallory)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // Still there, untouched, for its owner.
    let response = server
        .call("/api/get_project", &format!("project_id={id}"), Some(&ada))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json(response).await["name"], "Secret");
}

#[tokio::test]
async fn several_user_id_fields_arrive_as_a_list() {
    let server = server(None).await;
    let ada = server.sign_up("ada@example.com").await;
    let id = created_id(&server, &ada, "Platform").await;
    // Two ids that are nobody's in this organization: decoded, looked up, not found (not a
    // malformed request).
    let body = format!(
        "project_id={id}&user_id%5B0%5D={}&user_id%5B1%5D=1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed&role=member",
        uuid_like()
    );
    let response = server
        .call("/api/add_project_members", &body, Some(&ada))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = server
        .call(
            "/api/add_project_members",
            &format!("project_id={id}&role=member"),
            Some(&ada),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json(response).await["fields"]["user_id"][0],
        "Choose at least one person to add"
    );
}

#[tokio::test]
async fn creating_a_project_without_javascript_goes_to_its_page() {
    let server = server(None).await;
    let ada = server.sign_up("ada@example.com").await;
    let request = server
        .post("/api/create_project")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, "http://127.0.0.1:3000/projects")
        .header(header::COOKIE, &ada)
        .body(Body::from("name=Platform&description="))
        .expect("request");
    let response = server.send(request).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("Location")
        .to_string();
    assert!(location.starts_with("/projects/"), "{location}");
    assert!(location.ends_with("?saved=created"), "{location}");
}
