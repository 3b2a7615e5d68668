//! Deactivating and reactivating members, leaving an organization, and the organization switcher
//! with where a sign-in lands.

use std::time::Duration;

use gatehouse_server::error::Denial;
use gatehouse_server::sign_in;
use gatehouse_server::{Actor, EndReason, Error, Resolved, Role, SignedIn, members, orgs};

use crate::expect::{expect_conflict, expect_denied, expect_not_found};
use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv, acme_owner, org_of};

on_both_databases!(
    deactivation_ends_the_members_sessions_here_and_refuses_sign_in_here,
    a_member_of_no_other_organization_is_refused_sign_in_until_reactivated,
    a_deactivated_members_other_organizations_still_work,
    admins_cannot_deactivate_owners_and_nobody_deactivates_themselves,
    the_last_active_owner_cannot_be_deactivated_removed_demoted_or_leave,
    two_owners_deactivating_each_other_at_once_leave_an_active_owner,
);

pub(crate) async fn sign_in(
    env: &TestEnv,
    email: &str,
    org: Option<&str>,
) -> Result<SignedIn, Error> {
    sign_in::sign_in(&env.svc, email, PASSWORD, org, &env.client(), None)
        .await
        .map(crate::support::session)
}

pub(crate) async fn member_row(env: &TestEnv, actor: &Actor, email: &str) -> members::Member {
    members::list_members(&env.svc, actor, "", 1)
        .await
        .expect("list members")
        .members
        .into_iter()
        .find(|m| m.email == email)
        .unwrap_or_else(|| panic!("{email} is listed"))
}

async fn deactivation_ends_the_members_sessions_here_and_refuses_sign_in_here(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = env.join(acme, "bob@example.com", Role::Admin).await;
    let bob_in_acme = env.actor(&bob).await;
    assert_eq!(bob_in_acme.org.as_ref().map(|o| o.id), Some(acme));
    let bob_id = bob.user_id.to_string();

    members::deactivate_member(&env.svc, &owner, &bob_id)
        .await
        .expect("deactivate");
    let resolved = env.resolve_on(&env.svc, &bob).await;
    assert!(
        matches!(resolved, Resolved::Ended(EndReason::Deactivated)),
        "the cached session acting here ends at once: {resolved:?}"
    );
    let refused = sign_in(env, "bob@example.com", Some(&acme.to_string())).await;
    let Err(Error::Forbidden(denial)) = refused else {
        panic!("sign-in into the deactivating organization: {refused:?}")
    };
    assert_eq!(denial, Denial::Deactivated);

    let row = member_row(env, &owner, "bob@example.com").await;
    assert!(row.deactivated, "{row:?}");
    assert!(!row.mfa_enabled);
    assert_eq!(row.role, Role::Admin, "the role is kept");
    assert_eq!(
        row.last_active_at, None,
        "no signed-in device here any more"
    );
    assert!(
        !member_row(env, &owner, "owner@example.com")
            .await
            .deactivated
    );

    expect_conflict(members::deactivate_member(&env.svc, &owner, &bob_id).await);

    members::reactivate_member(&env.svc, &owner, &bob_id)
        .await
        .expect("reactivate");
    assert!(!member_row(env, &owner, "bob@example.com").await.deactivated);
    let back = sign_in(env, "bob@example.com", Some(&acme.to_string()))
        .await
        .expect("sign-in works again");
    let back = env.actor(&back).await;
    assert_eq!(
        back.org.as_ref().map(|o| (o.id, o.role)),
        Some((acme, Role::Admin)),
        "with the role they had"
    );
    expect_conflict(members::reactivate_member(&env.svc, &owner, &bob_id).await);
    // Admin again, for real: they may manage members.
    assert!(
        members::list_members(&env.svc, &back, "", 1).await.is_ok(),
        "reactivated member acts here"
    );
}

async fn a_member_of_no_other_organization_is_refused_sign_in_until_reactivated(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    // Carol's only organization is Acme: she joined through an invitation.
    let issued = gatehouse_server::invitations::invite_member(
        &env.svc,
        &owner,
        "carol@example.com",
        "member",
    )
    .await
    .expect("invite");
    let token = crate::support::token_of(&issued.link);
    let carol = gatehouse_server::invitations::accept_invitation(
        &env.svc,
        &token,
        gatehouse_server::invitations::Acceptor::NewAccount {
            name: "Carol",
            password: PASSWORD,
        },
        &env.client(),
        None,
    )
    .await
    .expect("accept")
    .expect("a new session");
    let carol_actor = env.actor(&carol).await;
    assert_eq!(org_of(&carol_actor), acme);

    members::deactivate_member(&env.svc, &owner, &carol.user_id.to_string())
        .await
        .expect("deactivate");
    assert!(matches!(
        env.resolve_on(&env.svc, &carol).await,
        Resolved::Ended(EndReason::Deactivated)
    ));
    let refused = sign_in(env, "carol@example.com", None).await;
    expect_denied(refused, Denial::Deactivated);
    let wrong = sign_in::sign_in(
        &env.svc,
        "carol@example.com",
        "Wrong-Password-1",
        None,
        &env.client(),
        None,
    )
    .await
    .map(crate::support::session);
    assert!(
        matches!(wrong, Err(Error::InvalidCredentials)),
        "a wrong password learns nothing about deactivation: {wrong:?}"
    );

    members::reactivate_member(&env.svc, &owner, &carol.user_id.to_string())
        .await
        .expect("reactivate");
    let back = sign_in(env, "carol@example.com", None)
        .await
        .expect("sign in again");
    let back = env.caller(&back).await;
    assert_eq!(back.org.map(|o| (o.id, o.role)), Some((acme, Role::Member)));
}

async fn a_deactivated_members_other_organizations_still_work(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob_in_acme = env.join(acme, "bob@example.com", Role::Member).await;
    // Bob's own organization, on another device.
    let bob_home = sign_in(env, "bob@example.com", None)
        .await
        .expect("sign in");
    let home_actor = env.actor(&bob_home).await;
    let home = org_of(&home_actor);
    assert_ne!(home, acme);
    env.actor(&bob_in_acme).await;

    members::deactivate_member(&env.svc, &owner, &bob_in_acme.user_id.to_string())
        .await
        .expect("deactivate");
    assert!(matches!(
        env.resolve_on(&env.svc, &bob_in_acme).await,
        Resolved::Ended(EndReason::Deactivated)
    ));
    let still = env
        .resolve(&bob_home)
        .await
        .expect("the session acting in Bob's own organization stays");
    assert_eq!(
        still.org.as_ref().map(|o| (o.id, o.role)),
        Some((home, Role::Owner))
    );

    // Signing in without an organization lands in the other one, even had Acme been used last.
    env.clock.advance(Duration::from_secs(5));
    let again = sign_in(env, "bob@example.com", None)
        .await
        .expect("sign in elsewhere");
    assert_eq!(org_of(&env.actor(&again).await), home);
    let explicit = sign_in(env, "bob@example.com", Some(&home.to_string()))
        .await
        .expect("sign in into his own organization");
    assert_eq!(org_of(&env.actor(&explicit).await), home);

    let listed = orgs::list_organizations(&env.svc, &still)
        .await
        .expect("list");
    assert_eq!(
        listed.iter().map(|m| m.id).collect::<Vec<_>>(),
        [home],
        "the deactivated membership is not offered"
    );
    expect_not_found(orgs::switch_organization(&env.svc, &still, &acme.to_string()).await);
    let after = env.actor(&bob_home).await;
    assert_eq!(org_of(&after), home, "a refused switch moves nothing");
    assert_eq!(
        members::list_members(&env.svc, &after, "", 1)
            .await
            .expect("his own members")
            .total,
        1
    );
}

async fn admins_cannot_deactivate_owners_and_nobody_deactivates_themselves(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let admin = env.join(acme, "admin@example.com", Role::Admin).await;
    let member = env.join(acme, "member@example.com", Role::Member).await;
    let second_owner = env.join(acme, "second@example.com", Role::Owner).await;
    let admin = env.actor(&admin).await;
    let member_actor = env.actor(&member).await;
    let owner_id = owner.user_id.to_string();
    let second_id = second_owner.user_id.to_string();
    let admin_id = admin.user_id.to_string();
    let member_id = member.user_id.to_string();

    for refused in [
        members::deactivate_member(&env.svc, &admin, &owner_id).await,
        members::deactivate_member(&env.svc, &admin, &second_id).await,
    ] {
        expect_denied(refused, Denial::OwnerOnly);
    }
    expect_denied(
        members::deactivate_member(&env.svc, &admin, &admin_id).await,
        Denial::DeactivateSelf,
    );
    expect_denied(
        members::deactivate_member(&env.svc, &owner, &owner_id).await,
        Denial::DeactivateSelf,
    );
    for refused in [
        members::deactivate_member(&env.svc, &member_actor, &admin_id).await,
        members::reactivate_member(&env.svc, &member_actor, &admin_id).await,
        members::deactivate_member(&env.svc, &member_actor, &member_id).await,
    ] {
        expect_denied(refused, Denial::InsufficientRole);
    }
    let untouched = members::list_members(&env.svc, &owner, "", 1)
        .await
        .expect("list");
    assert!(
        untouched.members.iter().all(|m| !m.deactivated),
        "{untouched:?}"
    );

    members::deactivate_member(&env.svc, &admin, &member_id)
        .await
        .expect("an Admin deactivates a Member");
    members::reactivate_member(&env.svc, &admin, &member_id)
        .await
        .expect("and reactivates them");
    members::deactivate_member(&env.svc, &owner, &second_id)
        .await
        .expect("an Owner deactivates another Owner");
    expect_denied(
        members::reactivate_member(&env.svc, &admin, &second_id).await,
        Denial::OwnerOnly,
    );
    members::reactivate_member(&env.svc, &owner, &second_id)
        .await
        .expect("an Owner reactivates an Owner");

    for missing in [
        members::deactivate_member(
            &env.svc,
            &owner,
            &gatehouse_server::UserId::random().to_string(),
        )
        .await,
        members::deactivate_member(&env.svc, &owner, "not-an-id").await,
        members::reactivate_member(&env.svc, &owner, "not-an-id").await,
    ] {
        expect_not_found(missing);
    }
}

async fn the_last_active_owner_cannot_be_deactivated_removed_demoted_or_leave(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let second = env.join(acme, "second@example.com", Role::Owner).await;
    let owner_id = owner.user_id.to_string();
    let second_id = second.user_id.to_string();
    members::deactivate_member(&env.svc, &owner, &second_id)
        .await
        .expect("deactivate the other Owner");

    // A deactivated Owner does not count: the first is now the last active Owner.
    expect_denied(
        members::deactivate_member(&env.svc, &owner, &owner_id).await,
        Denial::LastOwner,
    );
    expect_denied(
        members::remove_member(&env.svc, &owner, &owner_id).await,
        Denial::LastOwner,
    );
    expect_denied(
        members::update_member_role(&env.svc, &owner, &owner_id, "admin").await,
        Denial::LastOwner,
    );
    expect_denied(
        members::leave_organization(&env.svc, &owner).await,
        Denial::LastOwnerLeaving,
    );
    let still = members::list_members(&env.svc, &owner, "owner@", 1)
        .await
        .expect("list");
    assert_eq!(
        still.members.first().map(|m| (m.role, m.deactivated)),
        Some((Role::Owner, false))
    );

    members::reactivate_member(&env.svc, &owner, &second_id)
        .await
        .expect("reactivate");
    members::leave_organization(&env.svc, &owner)
        .await
        .expect("with another active Owner the first may leave");
    let second = sign_in(env, "second@example.com", Some(&acme.to_string()))
        .await
        .expect("the reactivated Owner signs in");
    let second = env.actor(&second).await;
    assert_eq!(second.org.as_ref().map(|o| o.role), Some(Role::Owner));
    let listed = members::list_members(&env.svc, &second, "", 1)
        .await
        .expect("list");
    let emails: Vec<_> = listed.members.iter().map(|m| m.email.as_str()).collect();
    assert_eq!(emails, ["second@example.com"]);
    let left = sign_in(env, "owner@example.com", None)
        .await
        .expect("the account outlives its membership");
    assert!(env.caller(&left).await.org.is_none());
}

async fn two_owners_deactivating_each_other_at_once_leave_an_active_owner(env: &TestEnv) {
    let first = acme_owner(env).await;
    let acme = org_of(&first);
    let second = env.join(acme, "second@example.com", Role::Owner).await;
    let second = env.actor(&second).await;
    let attempts = [
        (first.clone(), second.user_id),
        (second.clone(), first.user_id),
    ]
    .map(|(actor, target)| {
        let svc = env.svc.clone();
        tokio::spawn(
            async move { members::deactivate_member(&svc, &actor, &target.to_string()).await },
        )
    });
    let results: Vec<_> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    let refused = results
        .into_iter()
        .find(Result::is_err)
        .expect("one refused");
    // The loser was deactivated before its turn: it is no longer a member who may act.
    expect_not_found(refused);
    let active_owners: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships \
         WHERE org_id = $1 AND role = 'owner' AND deactivated_at IS NULL",
    )
    .bind(acme.to_string())
    .fetch_one(env.svc.db.pool())
    .await
    .expect("count");
    assert_eq!(active_owners, 1);
}
