//! Asking about access: who may ask about someone else, and the explainer that names every
//! path to a project with who granted it and when.

use std::time::Duration;

use gatehouse_server::error::Denial;
use gatehouse_server::projects::{self, Reason};
use gatehouse_server::{Actor, ProjectRole, Role, members};

use crate::expect::{expect_denied, expect_not_found};
use crate::on_both_databases;
use crate::project_access::answer;
use crate::projects::{check, check_on, create, grant, joined};
use crate::support::{START, TestEnv, acme_owner, org_of};

on_both_databases!(
    asking_about_someone_elses_access_needs_an_organization_or_project_admin,
    explain_access_names_every_path_with_who_granted_it_and_when,
);

async fn asking_about_someone_elses_access_needs_an_organization_or_project_admin(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let admin = joined(env, acme, "admin@example.com", Role::Admin).await;
    let viewer = joined(env, acme, "viewer@example.com", Role::Member).await;
    let user = joined(env, acme, "user@example.com", Role::Member).await;
    let lead = joined(env, acme, "lead@example.com", Role::Member).await;
    let stranger = joined(env, acme, "stranger@example.com", Role::Member).await;
    let outsider = env.sign_up("outsider@example.com").await;
    let apollo = create(env, &owner, "Apollo").await;
    let id = apollo.to_string();
    grant(env, &owner, apollo, viewer.user_id, "viewer").await;
    grant(env, &owner, apollo, user.user_id, "member").await;
    grant(env, &owner, apollo, lead.user_id, "admin").await;

    for (asker, about) in [(&viewer, &user), (&user, &viewer), (&user, &owner)] {
        let about_id = about.user_id.to_string();
        expect_denied(
            check_on(&env.svc, asker, apollo, "view", Some(about.user_id)).await,
            Denial::ExplainOthersAccess,
        );
        expect_denied(
            projects::explain_access(&env.svc, asker, &id, Some(&about_id)).await,
            Denial::ExplainOthersAccess,
        );
        expect_denied(
            projects::list_member_projects(&env.svc, asker, &about_id).await,
            Denial::ExplainOthersAccess,
        );
    }
    // Asking about oneself by id is asking about oneself.
    assert!(
        check(env, &viewer, apollo, "view", Some(viewer.user_id))
            .await
            .allowed
    );
    // Someone who cannot see the project learns nothing about it, not even that it exists.
    expect_not_found(check_on(&env.svc, &stranger, apollo, "view", Some(user.user_id)).await);
    expect_not_found(
        projects::explain_access(&env.svc, &stranger, &id, Some(&user.user_id.to_string())).await,
    );

    for asker in [&lead, &admin, &owner] {
        let answer = check(env, asker, apollo, "use", Some(user.user_id)).await;
        assert!(answer.allowed, "{}: {answer:?}", asker.email);
        let why = projects::explain_access(&env.svc, asker, &id, Some(&viewer.user_id.to_string()))
            .await
            .expect("explain");
        assert_eq!(why.role, Some(ProjectRole::Viewer));
        // A person who is not a member here, or no person at all, is not found.
        expect_not_found(check_on(&env.svc, asker, apollo, "view", Some(outsider.user_id)).await);
        expect_not_found(
            projects::check_permission(&env.svc, asker, &id, "view", Some("nobody")).await,
        );
    }
    // Listing a member's projects is for themselves and the organization's Owners and Admins.
    expect_denied(
        projects::list_member_projects(&env.svc, &lead, &user.user_id.to_string()).await,
        Denial::ExplainOthersAccess,
    );
    for asker in [&user, &admin] {
        let theirs = projects::list_member_projects(&env.svc, asker, &user.user_id.to_string())
            .await
            .expect("list");
        assert_eq!(theirs.len(), 1);
        assert_eq!(
            (theirs[0].project_id, theirs[0].role),
            (apollo, ProjectRole::Member)
        );
    }
}

async fn explain_access_names_every_path_with_who_granted_it_and_when(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let carol = joined(env, acme, "carol@example.com", Role::Member).await;
    let dave = joined(env, acme, "dave@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let id = apollo.to_string();
    let hour = Duration::from_secs(3600);
    env.clock.advance(hour);
    grant(env, &owner, apollo, bob.user_id, "member").await;
    env.clock.advance(hour);
    grant(env, &owner, apollo, carol.user_id, "viewer").await;
    // Bob is then made an Admin of the organization: two paths to the project.
    members::update_member_role(&env.svc, &owner, &bob.user_id.to_string(), "admin")
        .await
        .expect("promote");

    let explain = |who: &Actor| {
        let (svc, owner, user, id) = (env.svc.clone(), owner.clone(), who.user_id, id.clone());
        async move {
            projects::explain_access(&svc, &owner, &id, Some(&user.to_string()))
                .await
                .expect("explain")
        }
    };
    let bob_why = explain(&bob).await;
    assert_eq!(
        (
            bob_why.user_id,
            bob_why.name.as_str(),
            bob_why.project_name.as_str()
        ),
        (bob.user_id, "Ada Lovelace", "Apollo")
    );
    assert_eq!(bob_why.role, Some(ProjectRole::Admin));
    assert_eq!(
        bob_why.reasons,
        [
            Reason::Organization(Role::Admin),
            Reason::Grant {
                role: ProjectRole::Member,
                added_by: Some("Olive Owner".into()),
                added_at: Some(START.plus(hour)),
            },
        ]
    );
    assert_eq!(
        check(env, &owner, apollo, "edit", Some(bob.user_id)).await,
        answer(
            true,
            Some(ProjectRole::Admin),
            Reason::Organization(Role::Admin)
        )
    );
    let carol_why = explain(&carol).await;
    assert_eq!(carol_why.role, Some(ProjectRole::Viewer));
    assert_eq!(
        carol_why.reasons,
        [Reason::Grant {
            role: ProjectRole::Viewer,
            added_by: Some("Olive Owner".into()),
            added_at: Some(START.plus(hour * 2)),
        }]
    );
    let dave_why = explain(&dave).await;
    assert_eq!(
        (dave_why.role, dave_why.reasons),
        (None, vec![Reason::NoRole])
    );
    let own = projects::explain_access(&env.svc, &owner, &id, None)
        .await
        .expect("explain self");
    assert_eq!(own.reasons, [Reason::Organization(Role::Owner)]);
    let carols_own = projects::explain_access(&env.svc, &carol, &id, None)
        .await
        .expect("explain self");
    assert_eq!(carols_own.reasons, carol_why.reasons);

    // The Members screen's view of Bob: the project, with both reasons.
    let bobs = projects::list_member_projects(&env.svc, &owner, &bob.user_id.to_string())
        .await
        .expect("list");
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0].reasons, bob_why.reasons);
}
