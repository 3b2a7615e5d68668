//! Tenant isolation: an Owner of another organization who uses this organization's project or
//! user ids, with every project operation, is told "not found", and nothing changes here.

use gatehouse_server::invitations;
use gatehouse_server::projects;
use gatehouse_server::{Error, Role};

use crate::on_both_databases;
use crate::projects::{audited, check, create, grant, grant_rows, joined};
use crate::support::{TestEnv, acme_owner, org_of};

on_both_databases!(an_owner_of_another_organization_reaches_no_project_or_person_here);

async fn an_owner_of_another_organization_reaches_no_project_or_person_here(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    grant(env, &owner, apollo, bob.user_id, "member").await;
    let bea = env
        .sign_up_as("Bea Bauer", "bea@example.com", "Bravo")
        .await;
    let bea = env.actor(&bea).await;
    let bravo = org_of(&bea);
    let brian = joined(env, bravo, "brian@example.com", Role::Member).await;
    let own = create(env, &bea, "Bravo One").await;
    let before = projects::get_project(&env.svc, &owner, &apollo.to_string())
        .await
        .expect("get");
    let audit_before: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE org_id = $1")
            .bind(acme.to_string())
            .fetch_one(env.svc.db.pool())
            .await
            .expect("count");

    let (a, b) = (apollo.to_string(), own.to_string());
    let (bob_id, owner_id) = (bob.user_id.to_string(), owner.user_id.to_string());
    let brian_id = brian.user_id.to_string();
    let svc = &env.svc;
    let attempts = [
        ("get", projects::get_project(svc, &bea, &a).await.map(drop)),
        (
            "update",
            projects::update_project(svc, &bea, &a, "Mine", "").await,
        ),
        (
            "invalid update",
            projects::update_project(svc, &bea, &a, "", "").await,
        ),
        ("archive", projects::set_archived(svc, &bea, &a, true).await),
        (
            "restore",
            projects::set_archived(svc, &bea, &a, false).await,
        ),
        (
            "delete",
            projects::delete_project(svc, &bea, &a, "Apollo").await,
        ),
        (
            "members",
            projects::list_project_members(svc, &bea, &a, "", 1)
                .await
                .map(drop),
        ),
        (
            "candidates",
            projects::project_member_candidates(svc, &bea, &a, "ada")
                .await
                .map(drop),
        ),
        (
            "add here",
            projects::add_project_members(svc, &bea, &a, std::slice::from_ref(&brian_id), "admin")
                .await,
        ),
        (
            "add them there",
            projects::add_project_members(svc, &bea, &b, std::slice::from_ref(&bob_id), "admin")
                .await,
        ),
        (
            "re-role here",
            projects::update_project_member_role(svc, &bea, &a, &bob_id, "viewer").await,
        ),
        (
            "re-role them there",
            projects::update_project_member_role(svc, &bea, &b, &bob_id, "viewer").await,
        ),
        (
            "remove here",
            projects::remove_project_member(svc, &bea, &a, &bob_id).await,
        ),
        (
            "remove them there",
            projects::remove_project_member(svc, &bea, &b, &bob_id).await,
        ),
        (
            "check",
            projects::check_permission(svc, &bea, &a, "view", None)
                .await
                .map(drop),
        ),
        (
            "check them here",
            projects::check_permission(svc, &bea, &a, "view", Some(&bob_id))
                .await
                .map(drop),
        ),
        (
            "check them there",
            projects::check_permission(svc, &bea, &b, "view", Some(&bob_id))
                .await
                .map(drop),
        ),
        (
            "explain",
            projects::explain_access(svc, &bea, &a, None)
                .await
                .map(drop),
        ),
        (
            "explain them there",
            projects::explain_access(svc, &bea, &b, Some(&owner_id))
                .await
                .map(drop),
        ),
        (
            "their projects",
            projects::list_member_projects(svc, &bea, &bob_id)
                .await
                .map(drop),
        ),
        (
            "owner's projects",
            projects::list_member_projects(svc, &bea, &owner_id)
                .await
                .map(drop),
        ),
        (
            "invite",
            invitations::invite_to_project(svc, &bea, "x@example.com", &a, "viewer")
                .await
                .map(drop),
        ),
    ];
    for (what, result) in attempts {
        assert!(
            matches!(result, Err(Error::NotFound)),
            "{what}: expected NotFound, got {result:?}"
        );
    }
    let listed = projects::list_projects(svc, &bea, "apollo", false, 1)
        .await
        .expect("list");
    assert_eq!(listed.total, 0);
    let mine = projects::list_my_projects(svc, &bea).await.expect("mine");
    assert_eq!(mine.iter().map(|p| p.id).collect::<Vec<_>>(), [own]);

    // Nothing changed in Acme.
    let after = projects::get_project(svc, &owner, &a).await.expect("get");
    assert_eq!(after, before);
    assert_eq!(
        grant_rows(env, apollo).await,
        [(bob_id, "member".to_string())]
    );
    assert!(check(env, &bob, apollo, "use", None).await.allowed);
    let audit_after: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE org_id = $1")
            .bind(acme.to_string())
            .fetch_one(svc.db.pool())
            .await
            .expect("count");
    assert_eq!(audit_after, audit_before);
    assert!(audited(env, bravo, "project.member_added").await.is_empty());
    let invited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invitations WHERE project_id = $1")
        .bind(&a)
        .fetch_one(svc.db.pool())
        .await
        .expect("count");
    assert_eq!(invited, 0);
}
