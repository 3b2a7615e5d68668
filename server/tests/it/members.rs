use futures::future::join_all;
use gatehouse_server::error::Denial;
use gatehouse_server::{Actor, Error, Role, SignedIn, members};

use crate::on_both_databases;
use crate::support::TestEnv;

on_both_databases!(
    members_are_listed_searched_and_paged,
    a_role_change_takes_effect_on_the_members_next_request,
    admins_cannot_change_owners_or_make_owners_and_members_change_nothing,
    the_last_owner_cannot_be_demoted_or_removed,
    an_owner_of_another_organization_cannot_reach_these_members,
    two_owners_demoting_each_other_at_once_leave_an_owner,
    a_removed_member_loses_access_at_once,
    a_renamed_member_moves_to_their_place_in_name_order,
);

/// Signs `email` up (in an organization of their own) and adds them to `org_of`'s organization.
async fn join(env: &TestEnv, org_of: &Actor, email: &str, role: Role) -> SignedIn {
    env.join(crate::support::org_of(org_of), email, role).await
}

async fn owner(env: &TestEnv) -> Actor {
    let signed_in = env.sign_up("owner@example.com").await;
    env.actor(&signed_in).await
}

async fn members_are_listed_searched_and_paged(env: &TestEnv) {
    let owner = owner(env).await;
    for i in 0..25 {
        join(
            env,
            &owner,
            &format!("member{i:02}@example.com"),
            Role::Member,
        )
        .await;
    }
    join(env, &owner, "Zed_100%@example.com", Role::Admin).await;
    let first = members::list_members(&env.svc, &owner, "", 1)
        .await
        .expect("page 1");
    assert_eq!((first.members.len(), first.total), (25, 27));
    let second = members::list_members(&env.svc, &owner, "", 2)
        .await
        .expect("page 2");
    assert_eq!(second.members.len(), 2);
    let found = members::list_members(&env.svc, &owner, "  ZED_100% ", 1)
        .await
        .expect("search");
    assert_eq!(found.total, 1);
    assert_eq!(found.members[0].role, Role::Admin);
    assert!(found.members[0].last_active_at.is_some());
    let wildcard = members::list_members(&env.svc, &owner, "_", 1)
        .await
        .expect("search");
    assert_eq!(wildcard.total, 1, "an underscore matches only itself");
    let too_long = members::list_members(&env.svc, &owner, &"x".repeat(101), 1).await;
    assert!(matches!(too_long, Err(Error::Validation(_))));
}

async fn a_role_change_takes_effect_on_the_members_next_request(env: &TestEnv) {
    let owner = owner(env).await;
    let bob = join(env, &owner, "bob@example.com", Role::Member).await;
    assert_eq!(
        env.caller(&bob).await.org.map(|o| o.role),
        Some(Role::Member)
    );
    members::update_member_role(&env.svc, &owner, &bob.user_id.to_string(), "admin")
        .await
        .expect("promote");
    assert_eq!(
        env.caller(&bob).await.org.map(|o| o.role),
        Some(Role::Admin)
    );
    let bad = members::update_member_role(&env.svc, &owner, &bob.user_id.to_string(), "root").await;
    assert!(matches!(bad, Err(Error::Validation(_))));
}

async fn admins_cannot_change_owners_or_make_owners_and_members_change_nothing(env: &TestEnv) {
    let owner = owner(env).await;
    let admin = join(env, &owner, "admin@example.com", Role::Admin).await;
    let member = join(env, &owner, "member@example.com", Role::Member).await;
    let admin = env.actor(&admin).await;
    let owner_id = owner.user_id.to_string();
    let member_id = member.user_id.to_string();
    for refused in [
        members::update_member_role(&env.svc, &admin, &owner_id, "member").await,
        members::update_member_role(&env.svc, &admin, &member_id, "owner").await,
        members::remove_member(&env.svc, &admin, &owner_id).await,
    ] {
        assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    }
    members::update_member_role(&env.svc, &admin, &member_id, "admin")
        .await
        .expect("allowed");
    members::update_member_role(&env.svc, &admin, &member_id, "member")
        .await
        .expect("allowed");
    let member = env.actor(&member).await;
    let refused = members::update_member_role(&env.svc, &member, &owner_id, "member").await;
    assert!(matches!(refused, Err(Error::Forbidden(_))));
    assert!(
        members::list_members(&env.svc, &member, "", 1)
            .await
            .is_ok(),
        "members may look"
    );
}

async fn the_last_owner_cannot_be_demoted_or_removed(env: &TestEnv) {
    let owner = owner(env).await;
    let id = owner.user_id.to_string();
    for refused in [
        members::update_member_role(&env.svc, &owner, &id, "admin").await,
        members::remove_member(&env.svc, &owner, &id).await,
    ] {
        let Err(Error::Forbidden(denial)) = refused else {
            panic!("{refused:?}")
        };
        assert_eq!(denial, Denial::LastOwner);
    }
    let second = join(env, &owner, "second@example.com", Role::Owner).await;
    members::update_member_role(&env.svc, &owner, &id, "admin")
        .await
        .expect("now allowed");
    let second = env.caller(&second).await;
    assert_eq!(second.org.map(|o| o.role), Some(Role::Owner));
}

async fn an_owner_of_another_organization_cannot_reach_these_members(env: &TestEnv) {
    let owner_a = owner(env).await;
    let bob = join(env, &owner_a, "bob@example.com", Role::Member).await;
    let owner_b = env.sign_up("owner-b@example.com").await;
    let owner_b = env.actor(&owner_b).await;
    let bob_id = bob.user_id.to_string();
    for refused in [
        members::update_member_role(&env.svc, &owner_b, &bob_id, "admin").await,
        members::remove_member(&env.svc, &owner_b, &bob_id).await,
        members::update_member_role(&env.svc, &owner_b, &owner_a.user_id.to_string(), "member")
            .await,
    ] {
        assert!(matches!(refused, Err(Error::NotFound)), "{refused:?}");
    }
    let listed = members::list_members(&env.svc, &owner_b, "", 1)
        .await
        .expect("list");
    assert_eq!(listed.total, 1, "only B's own member is listed");
    assert_eq!(
        env.caller(&bob).await.org.map(|o| o.role),
        Some(Role::Member),
        "untouched"
    );
}

async fn two_owners_demoting_each_other_at_once_leave_an_owner(env: &TestEnv) {
    let first = owner(env).await;
    let second = join(env, &first, "second@example.com", Role::Owner).await;
    let second = env.actor(&second).await;
    let attempts = [
        (first.clone(), second.user_id),
        (second.clone(), first.user_id),
    ]
    .map(|(actor, target)| {
        let svc = env.svc.clone();
        tokio::spawn(async move {
            members::update_member_role(&svc, &actor, &target.to_string(), "member").await
        })
    });
    let results: Vec<_> = join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    let org = first.org.as_ref().expect("org").id;
    let owners: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND role = 'owner'")
            .bind(org.to_string())
            .fetch_one(env.svc.db.pool())
            .await
            .expect("count");
    assert_eq!(owners, 1);
}

async fn a_removed_member_loses_access_at_once(env: &TestEnv) {
    let owner = owner(env).await;
    let bob = join(env, &owner, "bob@example.com", Role::Admin).await;
    assert!(env.caller(&bob).await.org.is_some());
    members::remove_member(&env.svc, &owner, &bob.user_id.to_string())
        .await
        .expect("remove");
    let bob = env.actor(&bob).await;
    let acme = owner.org.as_ref().expect("org").id;
    // Bob's session moved to the organization he still has (his own, from sign-up).
    let now_in = bob.org.as_ref().expect("his own organization");
    assert_ne!(now_in.id, acme, "no role here any more");
    assert_eq!(now_in.role, Role::Owner);
    let listed = members::list_members(&env.svc, &bob, "", 1)
        .await
        .expect("his own members");
    assert!(
        listed
            .members
            .iter()
            .all(|m| m.email != "owner@example.com"),
        "the organization he left is out of reach"
    );
}

async fn a_renamed_member_moves_to_their_place_in_name_order(env: &TestEnv) {
    let owner = owner(env).await;
    let bob = join(env, &owner, "bob@example.com", Role::Member).await;
    let bob = env.actor(&bob).await;
    let names = |page: members::MemberPage| -> Vec<String> {
        page.members.into_iter().map(|m| m.email).collect()
    };
    // Both are "Ada Lovelace" at first: the email breaks the tie.
    let before = members::list_members(&env.svc, &owner, "", 1)
        .await
        .expect("list");
    assert_eq!(names(before), ["bob@example.com", "owner@example.com"]);
    gatehouse_server::accounts::update_profile(&env.svc, &bob, "Élodie Zed")
        .await
        .expect("rename");
    let after = members::list_members(&env.svc, &owner, "", 1)
        .await
        .expect("list");
    assert_eq!(names(after), ["owner@example.com", "bob@example.com"]);
    // Case-insensitive beyond ASCII, on both databases.
    let found = members::list_members(&env.svc, &owner, "ÉLODIE", 1)
        .await
        .expect("search");
    assert_eq!(found.total, 1);
    assert_eq!(found.members[0].name, "Élodie Zed");
    let past_the_end = members::list_members(&env.svc, &owner, "", 9)
        .await
        .expect("empty page");
    assert!(past_the_end.members.is_empty());
    assert_eq!(past_the_end.total, 2);
}
