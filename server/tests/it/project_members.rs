//! A project's members: adding several at once (all or nothing), re-roling and removing them,
//! the organization's implicit Admins, and adds and removes racing each other.

use futures::future::join_all;
use gatehouse_server::authz::Via;
use gatehouse_server::error::{Clash, Denial, Private, Problem, Subject};
use gatehouse_server::projects::{self, Reason};
use gatehouse_server::{Error, ProjectRole, Role, UserId, members};

use crate::expect::{expect_denied, expect_not_found};
use crate::on_both_databases;
use crate::projects::{
    audited, check, check_on, create, expect_clash, grant, grant_rows, joined, problems,
};
use crate::support::{START, TestEnv, acme_owner, org_of};

on_both_databases!(
    several_people_are_added_at_once_with_one_role,
    the_members_tab_is_searched_and_paged,
    adding_people_is_all_or_nothing,
    the_organizations_owners_and_admins_cannot_be_re_roled_or_removed_on_a_project,
    a_role_change_or_removal_is_answered_by_the_very_next_check,
    concurrent_adds_and_removes_of_one_member_leave_one_consistent_row_or_none,
);

fn ids(users: &[UserId]) -> Vec<String> {
    users.iter().map(UserId::to_string).collect()
}

async fn several_people_are_added_at_once_with_one_role(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let admin = joined(env, acme, "admin@example.com", Role::Admin).await;
    let people = [
        joined(env, acme, "bob@example.com", Role::Member).await,
        joined(env, acme, "carol@example.com", Role::Member).await,
        joined(env, acme, "dave@example.com", Role::Member).await,
    ];
    let erin = joined(env, acme, "erin@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let id = apollo.to_string();
    let mut chosen = ids(&people.iter().map(|p| p.user_id).collect::<Vec<_>>());
    chosen.push(chosen[0].clone());
    let refused = projects::add_project_members(&env.svc, &owner, &id, &chosen, "superuser").await;
    assert_eq!(problems(refused, "role"), [Problem::UnknownProjectRole]);
    assert!(grant_rows(env, apollo).await.is_empty());

    projects::add_project_members(&env.svc, &owner, &id, &chosen, "Viewer")
        .await
        .expect("add three (one named twice)");
    let rows = grant_rows(env, apollo).await;
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|(_, role)| role == "viewer"));
    for person in &people {
        assert_eq!(
            check(env, person, apollo, "view", None).await.role,
            Some(ProjectRole::Viewer)
        );
    }
    assert_eq!(audited(env, acme, "project.member_added").await.len(), 3);

    let page = projects::list_project_members(&env.svc, &owner, &id, "", 1)
        .await
        .expect("members");
    assert_eq!(page.total, 5, "the Owner, the Admin and the three");
    assert!(page.can_manage);
    for row in &page.members {
        if row.user_id == owner.user_id || row.user_id == admin.user_id {
            assert_eq!(row.role, ProjectRole::Admin);
            assert!(matches!(row.via, Via::Organization(_)));
            assert_eq!((row.added_by.as_deref(), row.added_at), (None, None));
        } else {
            assert_eq!((row.role, row.via), (ProjectRole::Viewer, Via::Grant));
            assert_eq!(
                (row.added_by.as_deref(), row.added_at),
                (Some("Olive Owner"), Some(START))
            );
        }
    }
    let offered = projects::project_member_candidates(&env.svc, &owner, &id, "example.com")
        .await
        .expect("candidates");
    assert_eq!(
        offered.iter().map(|c| c.user_id).collect::<Vec<_>>(),
        [erin.user_id],
        "only members without a role here"
    );
}

async fn the_members_tab_is_searched_and_paged(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    joined(env, acme, "admin@example.com", Role::Admin).await;
    let apollo = create(env, &owner, "Apollo").await;
    let id = apollo.to_string();
    let mut people = Vec::new();
    for i in 0..49 {
        let person = env
            .join(acme, &format!("p{i:02}@example.com"), Role::Member)
            .await;
        people.push(person.user_id);
    }
    // Someone without a role here is not on the tab.
    joined(env, acme, "zed@example.com", Role::Member).await;
    projects::add_project_members(&env.svc, &owner, &id, &ids(&people[..25]), "viewer")
        .await
        .expect("add");
    projects::add_project_members(&env.svc, &owner, &id, &ids(&people[25..]), "member")
        .await
        .expect("add");
    let page = |query: &'static str, number: i64| {
        let (svc, owner, id) = (env.svc.clone(), owner.clone(), id.clone());
        async move {
            projects::list_project_members(&svc, &owner, &id, query, number)
                .await
                .expect("members")
        }
    };
    let first = page("", 1).await;
    assert_eq!((first.members.len(), first.total), (50, 51));
    let second = page("", 2).await;
    assert_eq!((second.members.len(), second.total), (1, 51));
    let past = page("", 3).await;
    assert_eq!(
        (past.members.len(), past.total),
        (0, 51),
        "past the last page the total still counts every match"
    );
    let found = page("  P4", 1).await;
    assert_eq!(found.total, 9, "p40 to p48");
    assert!(found.members.iter().all(|m| m.role == ProjectRole::Member));
    assert_eq!(page("zed", 1).await.total, 0);
    let too_long = projects::list_project_members(&env.svc, &owner, &id, &"q".repeat(101), 1).await;
    assert_eq!(problems(too_long, "query"), [Problem::TooLong { max: 100 }]);
}

async fn adding_people_is_all_or_nothing(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let admin = joined(env, acme, "admin@example.com", Role::Admin).await;
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let carol = joined(env, acme, "carol@example.com", Role::Member).await;
    let outsider = env.sign_up("outsider@example.com").await;
    let apollo = create(env, &owner, "Apollo").await;
    let id = apollo.to_string();
    grant(env, &owner, apollo, bob.user_id, "viewer").await;
    let add = |users: Vec<String>| {
        let (svc, owner, id) = (env.svc.clone(), owner.clone(), id.clone());
        async move { projects::add_project_members(&svc, &owner, &id, &users, "member").await }
    };

    expect_clash(
        add(ids(&[carol.user_id, bob.user_id])).await,
        Clash::AlreadyOnProject {
            name: Private("Ada Lovelace".into()),
        },
    );
    for implicit in [admin.user_id, owner.user_id] {
        expect_denied(
            add(ids(&[carol.user_id, implicit])).await,
            Denial::ImplicitProjectAdmin,
        );
    }
    expect_not_found(add(ids(&[carol.user_id, outsider.user_id])).await);
    expect_not_found(add(vec![carol.user_id.to_string(), "not-a-user".into()]).await);
    assert_eq!(
        problems(add(Vec::new()).await, "user_id"),
        [Problem::Required(Subject::People)]
    );
    let many: Vec<UserId> = (0..51).map(|_| UserId::random()).collect();
    assert_eq!(
        problems(add(ids(&many)).await, "user_id"),
        [Problem::TooManyPeople { max: 50 }]
    );
    expect_not_found(add(ids(&many[..50])).await);

    // Nothing of any refused request stayed.
    assert_eq!(
        grant_rows(env, apollo).await,
        [(bob.user_id.to_string(), "viewer".to_string())]
    );
    assert_eq!(audited(env, acme, "project.member_added").await.len(), 1);
    expect_not_found(check_on(&env.svc, &carol, apollo, "view", None).await);
    add(ids(&[carol.user_id]))
        .await
        .expect("alone, Carol is added");
    assert!(check(env, &carol, apollo, "use", None).await.allowed);
}

async fn the_organizations_owners_and_admins_cannot_be_re_roled_or_removed_on_a_project(
    env: &TestEnv,
) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let admin = joined(env, acme, "admin@example.com", Role::Admin).await;
    let lead = joined(env, acme, "lead@example.com", Role::Member).await;
    let nobody = joined(env, acme, "nobody@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let id = apollo.to_string();
    grant(env, &owner, apollo, lead.user_id, "admin").await;

    for by in [&owner, &admin, &lead] {
        for implicit in [owner.user_id, admin.user_id] {
            let implicit = implicit.to_string();
            expect_denied(
                projects::update_project_member_role(&env.svc, by, &id, &implicit, "viewer").await,
                Denial::ImplicitProjectAdmin,
            );
            expect_denied(
                projects::remove_project_member(&env.svc, by, &id, &implicit).await,
                Denial::ImplicitProjectAdmin,
            );
        }
    }
    for user in [admin.user_id, owner.user_id] {
        assert!(
            check(env, &lead, apollo, "edit", Some(user)).await.allowed,
            "still Admin through the organization"
        );
    }
    // Someone without a role here, or nobody at all, is not found; a bad role is refused.
    let nobody_id = nobody.user_id.to_string();
    expect_not_found(
        projects::update_project_member_role(&env.svc, &owner, &id, &nobody_id, "viewer").await,
    );
    expect_not_found(projects::remove_project_member(&env.svc, &owner, &id, &nobody_id).await);
    expect_not_found(projects::remove_project_member(&env.svc, &owner, &id, "nobody").await);
    let lead_id = lead.user_id.to_string();
    let refused = projects::update_project_member_role(&env.svc, &owner, &id, &lead_id, "owner");
    assert_eq!(
        problems(refused.await, "role"),
        [Problem::UnknownProjectRole]
    );
    assert!(
        audited(env, acme, "project.member_role_changed")
            .await
            .is_empty()
    );
    assert!(
        audited(env, acme, "project.member_removed")
            .await
            .is_empty()
    );
}

async fn a_role_change_or_removal_is_answered_by_the_very_next_check(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let bob = joined(env, org_of(&owner), "bob@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let (id, bob_id) = (apollo.to_string(), bob.user_id.to_string());
    grant(env, &owner, apollo, bob.user_id, "admin").await;
    assert!(check(env, &bob, apollo, "edit", None).await.allowed);

    projects::update_project_member_role(&env.svc, &owner, &id, &bob_id, "viewer")
        .await
        .expect("re-role");
    let now = check(env, &bob, apollo, "edit", None).await;
    assert_eq!((now.allowed, now.role), (false, Some(ProjectRole::Viewer)));
    assert!(check(env, &bob, apollo, "view", None).await.allowed);
    expect_denied(
        projects::update_project(&env.svc, &bob, &id, "Mine", "").await,
        Denial::InsufficientRole,
    );

    projects::remove_project_member(&env.svc, &owner, &id, &bob_id)
        .await
        .expect("remove");
    expect_not_found(check_on(&env.svc, &bob, apollo, "view", None).await);
    let asked = check(env, &owner, apollo, "view", Some(bob.user_id)).await;
    assert_eq!(
        (asked.allowed, asked.role, asked.because),
        (false, None, Reason::NoRole)
    );
    expect_not_found(projects::get_project(&env.svc, &bob, &id).await);
    assert!(
        projects::list_my_projects(&env.svc, &bob)
            .await
            .expect("mine")
            .is_empty()
    );

    // An organization Admin demoted to Member loses the implicit role at once, and regains it.
    let alice = env
        .join(org_of(&owner), "alice@example.com", Role::Admin)
        .await;
    assert!(
        check(env, &env.actor(&alice).await, apollo, "edit", None)
            .await
            .allowed
    );
    let alice_id = alice.user_id.to_string();
    members::update_member_role(&env.svc, &owner, &alice_id, "member")
        .await
        .expect("demote");
    let demoted = env.actor(&alice).await;
    expect_not_found(check_on(&env.svc, &demoted, apollo, "view", None).await);
    assert!(
        projects::list_my_projects(&env.svc, &demoted)
            .await
            .expect("mine")
            .is_empty()
    );
    members::update_member_role(&env.svc, &owner, &alice_id, "admin")
        .await
        .expect("promote");
    let asked = check(env, &owner, apollo, "edit", Some(alice.user_id)).await;
    assert_eq!(asked.because, Reason::Organization(Role::Admin));
}

async fn concurrent_adds_and_removes_of_one_member_leave_one_consistent_row_or_none(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let mut held = false;
    for round in 0..5 {
        let tasks = (0..10).map(|i| {
            let (svc, owner) = (env.svc.clone(), owner.clone());
            let (id, bob_id) = (apollo.to_string(), bob.user_id.to_string());
            tokio::spawn(async move {
                let adding = (i + round) % 2 == 0;
                let result = if adding {
                    projects::add_project_members(&svc, &owner, &id, &[bob_id], "member").await
                } else {
                    projects::remove_project_member(&svc, &owner, &id, &bob_id).await
                };
                (adding, result)
            })
        });
        let (mut added, mut removed) = (0, 0);
        for outcome in join_all(tasks).await {
            match outcome.expect("task") {
                (true, Ok(())) => added += 1,
                (false, Ok(())) => removed += 1,
                (true, Err(Error::Conflict(Clash::AlreadyOnProject { .. })))
                | (false, Err(Error::NotFound)) => {}
                (adding, Err(err)) => panic!("round {round}, adding {adding}: {err:?}"),
            }
        }
        let rows = grant_rows(env, apollo).await;
        assert!(rows.len() <= 1, "{rows:?}");
        let now_held = rows.len() == 1;
        // Successful adds and removes alternate: they differ by the change in the row.
        assert_eq!(
            added - removed,
            i32::from(now_held) - i32::from(held),
            "round {round}"
        );
        held = now_held;
        let asked = check(env, &owner, apollo, "use", Some(bob.user_id)).await;
        assert_eq!(asked.allowed, held, "round {round}: {asked:?}");
        let own = check_on(&env.svc, &bob, apollo, "use", None).await;
        if held {
            assert!(own.expect("his answer").allowed);
        } else {
            expect_not_found(own);
        }
    }
    let audited_adds = audited(env, acme, "project.member_added").await.len();
    let audited_removes = audited(env, acme, "project.member_removed").await.len();
    assert_eq!(audited_adds - audited_removes, usize::from(held));
}
