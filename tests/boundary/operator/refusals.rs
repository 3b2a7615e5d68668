//! What the operator's commands refuse, and a reset link used over HTTP once.

use super::*;

#[test]
fn a_key_file_that_does_not_match_is_refused_and_no_database_is_created_where_there_is_none() {
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("data");
    let server = Server::start(&data, root.path());
    let port = server.port;
    server.stop();

    let wrong_key = root.path().join("wrong.key");
    std::fs::write(&wrong_key, "d3Jvbmcga2V5IHdyb25nIGtleSB3cm9uZyBrZXkgISE=\n").expect("key");
    for args in [&["admin", "list-organizations"][..], &["backup", "b.db"]] {
        let output = gatehouse(&data, port)
            .current_dir(root.path())
            .env("GATEHOUSE_SECRET_KEY_FILE", &wrong_key)
            .args(args)
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(1), "{args:?}: {output:?}");
        let said = text(&output.stderr);
        assert!(
            said.contains(
                "gatehouse: GATEHOUSE_SECRET_KEY_FILE: this is not the key this database was set \
                 up with"
            ),
            "{said}"
        );
        assert!(output.stdout.is_empty());
    }
    assert!(!root.path().join("b.db").exists());

    let elsewhere = root.path().join("elsewhere");
    for args in [&["admin", "list-organizations"][..], &["backup", "c.db"]] {
        let output = gatehouse(&elsewhere, port)
            .current_dir(root.path())
            .args(args)
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(1), "{args:?}: {output:?}");
        let said = text(&output.stderr);
        assert!(
            said.contains(&format!(
                "gatehouse: no database at {}",
                elsewhere.join("gatehouse.db").display()
            )),
            "{said}"
        );
    }
    assert!(
        !elsewhere.exists(),
        "no data directory, database or key made"
    );
}

#[test]
fn an_operator_reset_link_resets_the_password_over_http_once() {
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("data");
    let server = Server::start(&data, root.path());
    let ada = sign_up(&server, "Ada", "ada@example.com");

    let listed = server
        .command(&data)
        .args(["admin", "list-organizations"])
        .output()
        .expect("run");
    assert_eq!(listed.status.code(), Some(0), "{listed:?}");
    let lines: Vec<String> = text(&listed.stdout).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("OWNERS"),
        "{lines:?}"
    );
    assert!(
        lines[1].contains("  Engines  ") && lines[1].ends_with("  1  ada@example.com"),
        "{lines:?}"
    );

    let unknown = server
        .command(&data)
        .args(["admin", "create-reset-link", "nobody@example.com"])
        .output()
        .expect("run");
    assert_eq!(unknown.status.code(), Some(1));
    assert_eq!(
        text(&unknown.stderr),
        "gatehouse: no account has the email \"nobody@example.com\"\n"
    );

    let created = server
        .command(&data)
        .args(["admin", "create-reset-link", "ada@example.com"])
        .output()
        .expect("run");
    assert_eq!(created.status.code(), Some(0), "{created:?}");
    let said = text(&created.stdout);
    let prefix = format!("http://127.0.0.1:{}/reset-password/", server.port);
    let link = said.lines().next().unwrap_or_default();
    assert!(link.starts_with(&prefix), "{said}");
    assert!(said.contains("it works once, until "), "{said}");
    let token = &link[prefix.len()..];

    let status = server.post("/api/reset_link_status", &format!("token={token}"), None);
    assert_eq!(status.json()["email"], "ada@example.com", "{status:?}");
    let reset = server.post(
        "/api/reset_password",
        &format!("token={token}&new_password={NEW_PASSWORD}"),
        None,
    );
    assert_eq!(reset.status, 200, "{reset:?}");
    let me = server.post("/api/current_user", "", Some(&ada));
    assert_eq!(me.status, 401, "the reset ended her sessions");
    assert_eq!(sign_in(&server, "ada@example.com", PASSWORD).status, 401);
    assert_eq!(
        sign_in(&server, "ada@example.com", NEW_PASSWORD).status,
        200
    );
    let again = server.post(
        "/api/reset_password",
        &format!("token={token}&new_password=Another-Pass-8"),
        None,
    );
    assert_eq!(again.status, 410, "once: {again:?}");
}
