//! The teams endpoints at the HTTP boundary: a created team answered with its `id`, the form
//! encoding of several `user_id` and `team_ids` fields, statuses (401, 404 across
//! organizations, 409, 422), a project's teams, and an invitation with teams.

use super::*;

async fn create(server: &Server, cookie: &str, body: &str) -> Response<Body> {
    server.call("/api/create_team", body, Some(cookie)).await
}

async fn created_id(server: &Server, cookie: &str, name: &str) -> String {
    let response = create(server, cookie, &format!("name={name}&description=Models")).await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await["id"].as_str().expect("id").to_string()
}

async fn project(server: &Server, cookie: &str, name: &str) -> String {
    let response = server
        .call(
            "/api/create_project",
            &format!("name={name}&description="),
            Some(cookie),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await["id"].as_str().expect("id").to_string()
}

const SOMEONE: &str = "6f1c2a7e-2d4b-4c1e-9a51-0d6c3e9b7f10";

#[tokio::test]
async fn a_created_team_is_answered_with_its_id_and_listed() {
    let server = server(None).await;
    let ada = server.sign_up("ada@example.com").await;
    let id = created_id(&server, &ada, "Data+Science").await;
    let response = server.call("/api/list_teams", "", Some(&ada)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let listed = json(response).await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["teams"][0]["id"], id.as_str());
    assert_eq!(listed["teams"][0]["name"], "Data Science");
    assert_eq!(listed["teams"][0]["description"], "Models");
    assert_eq!(listed["teams"][0]["member_count"], 0);

    // A project shared with the team, as the apps and scripts do it.
    let apollo = project(&server, &ada, "Apollo").await;
    let response = server
        .call(
            "/api/add_project_team",
            &format!("project_id={apollo}&team_id={id}&role=member"),
            Some(&ada),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = server
        .call(
            "/api/list_project_teams",
            &format!("project_id={apollo}"),
            Some(&ada),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = json(response).await.to_string();
    assert!(body.contains(&id) && body.contains("\"member\""), "{body}");
}

#[tokio::test]
async fn team_endpoints_need_a_session() {
    let server = server(None).await;
    for (path, body) in [
        ("/api/list_teams", String::new()),
        ("/api/create_team", "name=Ops".to_string()),
        ("/api/get_team", format!("team_id={SOMEONE}")),
        (
            "/api/add_team_members",
            format!("team_id={SOMEONE}&user_id%5B0%5D={SOMEONE}"),
        ),
        (
            "/api/add_project_team",
            format!("project_id={SOMEONE}&team_id={SOMEONE}&role=viewer"),
        ),
    ] {
        let response = server.call(path, &body, None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
}

#[tokio::test]
async fn a_duplicate_name_is_409_bad_input_422_and_several_user_ids_arrive_as_a_list() {
    let server = server(None).await;
    let ada = server.sign_up("ada@example.com").await;
    let id = created_id(&server, &ada, "Ops").await;
    let response = create(&server, &ada, "name=OPS").await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(
        json(response).await["fields"]["name"][0],
        "Another team of this organization already has this name."
    );
    let response = create(&server, &ada, "name=+").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json(response).await["fields"]["name"][0],
        "Enter a team name"
    );
    // Two ids that are nobody's here: decoded as a list, looked up, not found.
    let body = format!(
        "team_id={id}&user_id%5B0%5D={SOMEONE}&user_id%5B1%5D=1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed"
    );
    let response = server
        .call("/api/add_team_members", &body, Some(&ada))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = server
        .call(
            "/api/add_team_members",
            &format!("team_id={id}"),
            Some(&ada),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json(response).await["fields"]["user_id"][0],
        "Choose at least one person to add"
    );
    let response = server
        .call(
            "/api/create_team",
            &format!("name=Mixed&user_id%5B0%5D={SOMEONE}"),
            Some(&ada),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn another_organizations_team_is_404_on_every_endpoint() {
    let server = server(None).await;
    let ada = server.sign_up("ada@example.com").await;
    let id = created_id(&server, &ada, "Secret").await;
    let apollo = project(&server, &ada, "Apollo").await;
    let response = server
        .call(
            "/api/add_project_team",
            &format!("project_id={apollo}&team_id={id}&role=viewer"),
            Some(&ada),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let mallory = server.sign_up("mallory@example.com").await;
    let own = project(&server, &mallory, "Mine").await;
    for (path, body) in [
        ("/api/get_team", format!("team_id={id}")),
        ("/api/list_team_projects", format!("team_id={id}")),
        ("/api/list_team_members", format!("team_id={id}")),
        (
            "/api/team_member_candidates",
            format!("team_id={id}&query=a"),
        ),
        (
            "/api/update_team",
            format!("team_id={id}&name=Mine&description="),
        ),
        ("/api/delete_team", format!("team_id={id}")),
        (
            "/api/add_team_members",
            format!("team_id={id}&user_id%5B0%5D={SOMEONE}"),
        ),
        (
            "/api/remove_team_member",
            format!("team_id={id}&user_id={SOMEONE}"),
        ),
        (
            "/api/set_team_lead",
            format!("team_id={id}&user_id={SOMEONE}"),
        ),
        ("/api/list_project_teams", format!("project_id={apollo}")),
        (
            "/api/add_project_team",
            format!("project_id={own}&team_id={id}&role=admin"),
        ),
        (
            "/api/update_project_team_role",
            format!("project_id={apollo}&team_id={id}&role=admin"),
        ),
        (
            "/api/remove_project_team",
            format!("project_id={apollo}&team_id={id}"),
        ),
        (
            "/api/invite_member",
            format!("email=eve%40example.com&role=member&team_ids%5B0%5D={id}"),
        ),
    ] {
        let response = server.call(path, &body, Some(&mallory)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let response = server
        .call("/api/get_team", &format!("team_id={id}"), Some(&ada))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json(response).await["name"], "Secret");
}

#[tokio::test]
async fn an_invitation_names_its_invitee_and_teams_and_may_skip_the_email() {
    let server = server(None).await;
    let ada = server.sign_up("ada@example.com").await;
    let data = created_id(&server, &ada, "Data").await;
    let ops = created_id(&server, &ada, "Ops").await;
    let response = server
        .call(
            "/api/invite_member",
            &format!(
                "email=grace%40example.com&role=member&name=Grace+Hopper\
                 &team_ids%5B0%5D={data}&team_ids%5B1%5D={ops}&send_email=false"
            ),
            Some(&ada),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let issued = json(response).await;
    assert_eq!(issued["emailed"], false);
    let link = issued["link"].as_str().expect("link");
    let token = link.rsplit('/').next().expect("token");
    let response = server
        .call("/api/invitation_details", &format!("token={token}"), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let details = json(response).await;
    assert_eq!(details["invitee_name"], "Grace Hopper");
    assert_eq!(details["teams"], serde_json::json!(["Data", "Ops"]));
}
