//! Who may do what on a project: the three project roles, the implicit Admins of the
//! organization, deactivation and archiving, as the permission check answers them.

use gatehouse_server::error::{Clash, Denial, Problem};
use gatehouse_server::projects::{self, AccessAnswer, Reason};
use gatehouse_server::{Actor, ProjectRole, Role, members};

use crate::expect::{expect_denied, expect_not_found};
use crate::on_both_databases;
use crate::projects::{check, check_on, create, expect_clash, grant, grant_rows, joined, problems};
use crate::support::{TestEnv, acme_owner, org_of};

on_both_databases!(
    a_viewer_views_a_member_uses_and_a_project_admin_edits_and_manages_members,
    check_permission_answers_for_each_role_and_for_the_organizations_admins,
    a_deactivated_member_keeps_their_roles_and_regains_access_when_reactivated,
    an_archived_project_can_be_viewed_but_not_used_edited_or_changed_until_restored,
);

pub(crate) fn answer(allowed: bool, role: Option<ProjectRole>, because: Reason) -> AccessAnswer {
    AccessAnswer {
        allowed,
        role,
        because,
    }
}

/// What `check_permission` says, without its reason's grant details (served from memory).
fn roughly(answer: &AccessAnswer) -> (bool, Option<ProjectRole>, Reason) {
    let because = match &answer.because {
        Reason::Grant { role, .. } => Reason::Grant {
            role: *role,
            added_by: None,
            added_at: None,
        },
        other => other.clone(),
    };
    (answer.allowed, answer.role, because)
}

fn by_grant(role: ProjectRole) -> Reason {
    Reason::Grant {
        role,
        added_by: None,
        added_at: None,
    }
}

async fn a_viewer_views_a_member_uses_and_a_project_admin_edits_and_manages_members(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let viewer = joined(env, acme, "viewer@example.com", Role::Member).await;
    let user = joined(env, acme, "user@example.com", Role::Member).await;
    let lead = joined(env, acme, "lead@example.com", Role::Member).await;
    let dave = joined(env, acme, "dave@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let id = apollo.to_string();
    grant(env, &owner, apollo, viewer.user_id, "viewer").await;
    grant(env, &owner, apollo, user.user_id, "member").await;
    grant(env, &owner, apollo, lead.user_id, "admin").await;
    let dave_id = dave.user_id.to_string();

    for refused in [&viewer, &user] {
        expect_denied(
            projects::update_project(&env.svc, refused, &id, "Renamed", "").await,
            Denial::InsufficientRole,
        );
        let page = projects::list_project_members(&env.svc, refused, &id, "", 1)
            .await
            .expect("they see who is on it");
        assert!(!page.can_manage);
        expect_denied(
            projects::project_member_candidates(&env.svc, refused, &id, "dave").await,
            Denial::InsufficientRole,
        );
        expect_denied(
            projects::add_project_members(
                &env.svc,
                refused,
                &id,
                std::slice::from_ref(&dave_id),
                "viewer",
            )
            .await,
            Denial::InsufficientRole,
        );
        expect_denied(
            projects::remove_project_member(&env.svc, refused, &id, &viewer.user_id.to_string())
                .await,
            Denial::InsufficientRole,
        );
    }
    assert!(!check(env, &viewer, apollo, "use", None).await.allowed);
    assert!(check(env, &user, apollo, "use", None).await.allowed);
    assert!(!check(env, &user, apollo, "edit", None).await.allowed);

    // The project Admin, an organization Member, edits it and manages its members.
    projects::update_project(&env.svc, &lead, &id, "Apollo 11", "Landing")
        .await
        .expect("the project Admin edits");
    let shown = projects::get_project(&env.svc, &viewer, &id)
        .await
        .expect("get");
    assert_eq!(
        (shown.name.as_str(), shown.description.as_str()),
        ("Apollo 11", "Landing")
    );
    assert!(
        projects::list_project_members(&env.svc, &lead, &id, "", 1)
            .await
            .expect("members")
            .can_manage
    );
    let offered = projects::project_member_candidates(&env.svc, &lead, &id, "DAVE@")
        .await
        .expect("candidates");
    assert_eq!(
        offered.iter().map(|c| c.user_id).collect::<Vec<_>>(),
        [dave.user_id]
    );
    grant(env, &lead, apollo, dave.user_id, "viewer").await;
    projects::update_project_member_role(&env.svc, &lead, &id, &dave_id, "member")
        .await
        .expect("re-role");
    assert!(check(env, &dave, apollo, "use", None).await.allowed);
    projects::remove_project_member(&env.svc, &lead, &id, &dave_id)
        .await
        .expect("remove");
    expect_not_found(check_on(&env.svc, &dave, apollo, "view", None).await);
    // Archiving and deleting stay with the organization's Owners and Admins.
    expect_denied(
        projects::set_archived(&env.svc, &lead, &id, true).await,
        Denial::InsufficientRole,
    );
}

async fn check_permission_answers_for_each_role_and_for_the_organizations_admins(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let admin = joined(env, acme, "admin@example.com", Role::Admin).await;
    let viewer = joined(env, acme, "viewer@example.com", Role::Member).await;
    let user = joined(env, acme, "user@example.com", Role::Member).await;
    let lead = joined(env, acme, "lead@example.com", Role::Member).await;
    let nobody = joined(env, acme, "nobody@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    grant(env, &owner, apollo, viewer.user_id, "viewer").await;
    grant(env, &owner, apollo, user.user_id, "member").await;
    grant(env, &owner, apollo, lead.user_id, "admin").await;

    let table: [(&Actor, Option<ProjectRole>, Reason, [bool; 3]); 6] = [
        (
            &viewer,
            Some(ProjectRole::Viewer),
            by_grant(ProjectRole::Viewer),
            [true, false, false],
        ),
        (
            &user,
            Some(ProjectRole::Member),
            by_grant(ProjectRole::Member),
            [true, true, false],
        ),
        (
            &lead,
            Some(ProjectRole::Admin),
            by_grant(ProjectRole::Admin),
            [true, true, true],
        ),
        (
            &owner,
            Some(ProjectRole::Admin),
            Reason::Organization(Role::Owner),
            [true, true, true],
        ),
        (
            &admin,
            Some(ProjectRole::Admin),
            Reason::Organization(Role::Admin),
            [true, true, true],
        ),
        (&nobody, None, Reason::NoRole, [false, false, false]),
    ];
    for (who, role, because, allowed) in table {
        for (permission, allowed) in ["view", "use", "edit"].into_iter().zip(allowed) {
            let expected = (allowed, role, because.clone());
            // As the owner asks about them...
            let asked = check(env, &owner, apollo, permission, Some(who.user_id)).await;
            assert_eq!(roughly(&asked), expected, "{} {permission}", who.email);
            // ...and as they ask themselves, when they can see the project at all.
            let own = check_on(&env.svc, who, apollo, permission, None).await;
            if role.is_some() {
                let own = own.expect("their own answer");
                assert_eq!(roughly(&own), expected, "{} {permission}", who.email);
            } else {
                expect_not_found(own);
            }
        }
    }
    // An empty user id is the caller; permissions are read like roles.
    let own = projects::check_permission(&env.svc, &user, &apollo.to_string(), " USE ", Some(""))
        .await
        .expect("check");
    assert_eq!(
        roughly(&own),
        (
            true,
            Some(ProjectRole::Member),
            by_grant(ProjectRole::Member)
        )
    );
    let unknown = check_on(&env.svc, &owner, apollo, "delete", None).await;
    assert_eq!(
        problems(unknown, "permission"),
        [Problem::UnknownPermission]
    );
    expect_not_found(projects::check_permission(&env.svc, &owner, "not-an-id", "view", None).await);
}

async fn a_deactivated_member_keeps_their_roles_and_regains_access_when_reactivated(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob_session = env.join(acme, "bob@example.com", Role::Member).await;
    let bob = env.actor(&bob_session).await;
    let bob_id = bob.user_id.to_string();
    let apollo = create(env, &owner, "Apollo").await;
    grant(env, &owner, apollo, bob.user_id, "member").await;
    assert!(check(env, &bob, apollo, "use", None).await.allowed);
    assert!(
        check(env, &owner, apollo, "use", Some(bob.user_id))
            .await
            .allowed
    );

    members::deactivate_member(&env.svc, &owner, &bob_id)
        .await
        .expect("deactivate");
    assert!(
        env.resolve(&bob_session).await.is_none(),
        "his session here ended"
    );
    for permission in ["view", "use", "edit"] {
        assert_eq!(
            check(env, &owner, apollo, permission, Some(bob.user_id)).await,
            answer(false, None, Reason::Deactivated),
            "{permission}"
        );
    }
    assert_eq!(
        grant_rows(env, apollo).await,
        [(bob_id.clone(), "member".to_string())],
        "the role waits"
    );
    let row = projects::list_project_members(&env.svc, &owner, &apollo.to_string(), "bob", 1)
        .await
        .expect("members")
        .members;
    assert_eq!(row.len(), 1);
    assert!(
        row[0].deactivated && row[0].role == ProjectRole::Member,
        "{row:?}"
    );
    let why = projects::explain_access(&env.svc, &owner, &apollo.to_string(), Some(&bob_id))
        .await
        .expect("explain");
    assert_eq!(why.role, None);
    assert!(why.reasons.contains(&Reason::Deactivated), "{why:?}");
    assert!(
        why.reasons.iter().any(|r| matches!(
            r,
            Reason::Grant {
                role: ProjectRole::Member,
                ..
            }
        )),
        "{why:?}"
    );

    members::reactivate_member(&env.svc, &owner, &bob_id)
        .await
        .expect("reactivate");
    assert_eq!(
        roughly(&check(env, &owner, apollo, "use", Some(bob.user_id)).await),
        (
            true,
            Some(ProjectRole::Member),
            by_grant(ProjectRole::Member)
        )
    );
    let back = crate::deactivation::sign_in(env, "bob@example.com", Some(&acme.to_string()))
        .await
        .expect("sign in again");
    let back = env.actor(&back).await;
    assert!(check(env, &back, apollo, "use", None).await.allowed);
    assert!(!check(env, &back, apollo, "edit", None).await.allowed);
}

async fn an_archived_project_can_be_viewed_but_not_used_edited_or_changed_until_restored(
    env: &TestEnv,
) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let lead = joined(env, acme, "lead@example.com", Role::Member).await;
    let carol = joined(env, acme, "carol@example.com", Role::Member).await;
    let dave = joined(env, acme, "dave@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let id = apollo.to_string();
    let (carol_id, dave_id) = (carol.user_id.to_string(), dave.user_id.to_string());
    grant(env, &owner, apollo, lead.user_id, "admin").await;
    grant(env, &owner, apollo, carol.user_id, "member").await;
    assert!(check(env, &carol, apollo, "use", None).await.allowed);
    projects::set_archived(&env.svc, &owner, &id, true)
        .await
        .expect("archive");

    for (who, role) in [
        (&owner, ProjectRole::Admin),
        (&lead, ProjectRole::Admin),
        (&carol, ProjectRole::Member),
    ] {
        let view = check(env, who, apollo, "view", None).await;
        assert!(view.allowed && view.role == Some(role), "{view:?}");
        for permission in ["use", "edit"] {
            assert_eq!(
                check(env, who, apollo, permission, None).await,
                answer(false, Some(role), Reason::Archived),
                "{} {permission}",
                who.email
            );
        }
    }
    for who in [&owner, &lead] {
        expect_clash(
            projects::update_project(&env.svc, who, &id, "Renamed", "").await,
            Clash::ProjectArchived,
        );
        expect_clash(
            projects::add_project_members(
                &env.svc,
                who,
                &id,
                std::slice::from_ref(&dave_id),
                "viewer",
            )
            .await,
            Clash::ProjectArchived,
        );
        expect_clash(
            projects::update_project_member_role(&env.svc, who, &id, &carol_id, "viewer").await,
            Clash::ProjectArchived,
        );
        expect_clash(
            projects::remove_project_member(&env.svc, who, &id, &carol_id).await,
            Clash::ProjectArchived,
        );
        expect_clash(
            projects::project_member_candidates(&env.svc, who, &id, "dave").await,
            Clash::ProjectArchived,
        );
        let page = projects::list_project_members(&env.svc, who, &id, "", 1)
            .await
            .expect("members are still listed");
        assert!(!page.can_manage);
    }
    let why = projects::explain_access(&env.svc, &owner, &id, Some(&carol_id))
        .await
        .expect("explain");
    assert!(why.reasons.contains(&Reason::Archived), "{why:?}");
    let shown = projects::get_project(&env.svc, &carol, &id)
        .await
        .expect("get");
    assert_eq!(shown.name, "Apollo");
    assert_eq!(grant_rows(env, apollo).await.len(), 2, "the roles are kept");

    projects::set_archived(&env.svc, &owner, &id, false)
        .await
        .expect("restore");
    assert!(check(env, &carol, apollo, "use", None).await.allowed);
    assert!(check(env, &lead, apollo, "edit", None).await.allowed);
    projects::update_project(&env.svc, &lead, &id, "Apollo 11", "")
        .await
        .expect("editable again");
    grant(env, &lead, apollo, dave.user_id, "viewer").await;
}
