//! Activity at the HTTP boundary: `list_activity` answers its page and cursor, bad filters name
//! their field (422), a Member is refused (403), `verify_audit` answers `intact`, and
//! `POST /api/export_activity` streams a CSV download (or JSON Lines) behind the same session
//! and origin checks as every call.

use super::*;

async fn text(response: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .expect("body");
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

#[tokio::test]
async fn activity_lists_verifies_and_exports_for_its_overseers_only() {
    let server = server(None).await;
    let owner = server.sign_up("ada@example.com").await;
    for name in ["Payments", "Billing"] {
        let created = server
            .call("/api/create_project", &format!("name={name}"), Some(&owner))
            .await;
        assert_eq!(created.status(), StatusCode::OK);
    }

    let page = server
        .call("/api/list_activity", "kind=projects", Some(&owner))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = json(page).await;
    let events = page["events"].as_array().expect("events");
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["action"], "project.created");
    assert_eq!(events[0]["description"], "Created a project");
    assert_eq!(events[0]["target_name"], "project Billing");
    assert_eq!(events[0]["actor_type"], "user");
    assert_eq!(events[0]["outcome"], "succeeded");
    assert!(page["next"].is_null(), "one page");

    let bad = server
        .call(
            "/api/list_activity",
            "kind=dancing&from=yesterday",
            Some(&owner),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad = json(bad).await;
    assert!(bad["fields"]["kind"].is_string() || bad["fields"]["kind"].is_array());
    assert!(!bad["fields"]["from"].is_null());

    let verdict = json(server.call("/api/verify_audit", "", Some(&owner)).await).await;
    assert_eq!(verdict["intact"], true);
    assert!(verdict["checked"].as_u64().expect("checked") >= 3);

    let export = server
        .call(
            "/api/export_activity",
            "format=csv&kind=projects",
            Some(&owner),
        )
        .await;
    assert_eq!(export.status(), StatusCode::OK);
    assert_eq!(
        export.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    let disposition = export.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"activity-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let csv = text(export).await;
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("time,seq,event_id,actor_type"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[1].contains("project.created") && lines[1].contains("Billing"));

    let jsonl = server
        .call("/api/export_activity", "format=jsonl", Some(&owner))
        .await;
    assert_eq!(jsonl.status(), StatusCode::OK);
    let body = text(jsonl).await;
    assert!(
        body.lines().count() >= 4,
        "sign-up, two projects, the first export"
    );
    for line in body.lines() {
        let row: serde_json::Value = serde_json::from_str(line).expect("one object per line");
        assert!(row["hash"].is_string(), "{row}");
    }

    let unknown = server
        .call("/api/export_activity", "format=xlsx", Some(&owner))
        .await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!json(unknown).await["fields"]["format"].is_null());

    // Signed out: 401; from another site: refused before anything runs.
    let anonymous = server
        .call("/api/export_activity", "format=csv", None)
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let foreign = server
        .post("/api/export_activity")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::COOKIE, &owner)
        .body(Body::from("format=csv"))
        .expect("request");
    assert_eq!(server.send(foreign).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn members_are_refused_the_activity() {
    let server = server(None).await;
    let owner = server.sign_up("ada@example.com").await;
    let invited = json(
        server
            .call(
                "/api/invite_member",
                "email=bob%40example.com&role=member",
                Some(&owner),
            )
            .await,
    )
    .await;
    let link = invited["link"].as_str().expect("link").to_string();
    let token = link.rsplit('/').next().expect("token").to_string();
    let joined = server
        .call(
            "/api/accept_invitation",
            &format!("token={token}&name=Bob&password={PASSWORD}"),
            None,
        )
        .await;
    assert_eq!(joined.status(), StatusCode::OK);
    let member = session_cookie(&joined).expect("signed in as the new member");
    for path in [
        "/api/list_activity",
        "/api/verify_audit",
        "/api/export_activity",
    ] {
        let body = if path.ends_with("export_activity") {
            "format=csv"
        } else {
            ""
        };
        let refused = server.call(path, body, Some(&member)).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
    }
}
