//! Invitations under attack and contention: two accepts of one link at once (exactly one wins),
//! and an Owner of another organization sending this organization's ids.

use futures::future::join_all;
use gatehouse_server::error::Lapse;
use gatehouse_server::invitations::{self, Acceptor, Status};
use gatehouse_server::sign_in;
use gatehouse_server::{Role, members, password_resets};

use crate::expect::{expect_gone, expect_not_found};
use crate::invitations::{accept_new, invite, status};
use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv, acme_owner, org_of, token_of};

on_both_databases!(
    of_two_simultaneous_new_account_accepts_exactly_one_succeeds,
    of_two_simultaneous_signed_in_accepts_exactly_one_succeeds,
    an_owner_of_another_organization_cannot_reach_these_invitations_or_members,
);

async fn of_two_simultaneous_new_account_accepts_exactly_one_succeeds(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let issued = invite(env, &owner, "twin@example.com", "member").await;
    let token = token_of(&issued.link);
    let attempts = ["First Twin", "Second Twin"].map(|name| {
        let svc = env.svc.clone();
        let token = token.clone();
        let client = env.client();
        tokio::spawn(async move {
            let acceptor = Acceptor::NewAccount {
                name,
                password: PASSWORD,
            };
            invitations::accept_invitation(&svc, &token, acceptor, &client, None).await
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
    let (winners, losers): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    expect_gone(
        losers.into_iter().next().expect("one refused"),
        Lapse::InvitationUsed,
    );

    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind("twin@example.com")
        .fetch_one(env.svc.db.pool())
        .await
        .expect("count");
    assert_eq!(users, 1);
    let listed = members::list_members(&env.svc, &owner, "twin@", 1)
        .await
        .expect("members");
    assert_eq!(listed.total, 1);
    let winner = winners
        .into_iter()
        .next()
        .and_then(Result::ok)
        .flatten()
        .expect("a new account is signed in");
    assert_eq!(
        env.caller(&winner).await.org.map(|o| (o.id, o.role)),
        Some((acme, Role::Member))
    );
}

async fn of_two_simultaneous_signed_in_accepts_exactly_one_succeeds(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let phone = env.sign_up("pat@example.com").await;
    let laptop = sign_in::sign_in(
        &env.svc,
        "pat@example.com",
        PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await
    .map(crate::support::session)
    .expect("second device");
    let devices = [env.actor(&phone).await, env.actor(&laptop).await];
    let issued = invite(env, &owner, "pat@example.com", "admin").await;
    let token = token_of(&issued.link);
    let attempts = devices.map(|actor| {
        let svc = env.svc.clone();
        let token = token.clone();
        let client = env.client();
        tokio::spawn(async move {
            invitations::accept_invitation(&svc, &token, Acceptor::SignedIn(&actor), &client, None)
                .await
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
    let winner = usize::from(results[0].is_err());
    let loser = results
        .into_iter()
        .find(Result::is_err)
        .expect("one refused");
    expect_gone(loser, Lapse::InvitationUsed);
    let sessions = [&phone, &laptop];
    let moved = env.caller(sessions[winner]).await;
    assert_eq!(
        moved.org.map(|o| (o.id, o.role)),
        Some((acme, Role::Admin)),
        "the winning device acts in the organization"
    );
    let memberships: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND user_id = $2")
            .bind(acme.to_string())
            .bind(phone.user_id.to_string())
            .fetch_one(env.svc.db.pool())
            .await
            .expect("count");
    assert_eq!(memberships, 1);
}

async fn an_owner_of_another_organization_cannot_reach_these_invitations_or_members(env: &TestEnv) {
    let owner_a = acme_owner(env).await;
    let acme = org_of(&owner_a);
    let issued = invite(env, &owner_a, "invitee@example.com", "member").await;
    let bob = env.join(acme, "bob@example.com", Role::Member).await;
    let carl = env.join(acme, "carl@example.com", Role::Member).await;
    members::deactivate_member(&env.svc, &owner_a, &carl.user_id.to_string())
        .await
        .expect("deactivate");
    let owner_b = env
        .sign_up_as("Brenda", "owner-b@example.com", "Beta")
        .await;
    let owner_b = env.actor(&owner_b).await;
    let own = invite(env, &owner_b, "someone@example.com", "member").await;

    let id = issued.id.to_string();
    expect_not_found(invitations::resend_invitation(&env.svc, &owner_b, &id, true).await);
    expect_not_found(invitations::revoke_invitation(&env.svc, &owner_b, &id).await);
    let listed = invitations::list_invitations(&env.svc, &owner_b)
        .await
        .expect("list");
    assert_eq!(
        listed.iter().map(|i| i.id).collect::<Vec<_>>(),
        [own.id],
        "only Beta's invitation"
    );
    let bob_id = bob.user_id.to_string();
    let carl_id = carl.user_id.to_string();
    expect_not_found(members::deactivate_member(&env.svc, &owner_b, &bob_id).await);
    expect_not_found(members::reactivate_member(&env.svc, &owner_b, &carl_id).await);
    expect_not_found(password_resets::create_reset_link(&env.svc, &owner_b, &bob_id).await);
    expect_not_found(
        password_resets::create_reset_link(&env.svc, &owner_b, &owner_a.user_id.to_string()).await,
    );

    // Unknown ids and links are "not found" too.
    for unknown in [
        gatehouse_server::ids::InvitationId::random().to_string(),
        "42".to_string(),
    ] {
        expect_not_found(invitations::resend_invitation(&env.svc, &owner_a, &unknown, true).await);
        expect_not_found(invitations::revoke_invitation(&env.svc, &owner_a, &unknown).await);
    }
    for token in [
        "",
        "short",
        &"A".repeat(43),
        &format!("{}'", "a".repeat(42)),
    ] {
        expect_not_found(invitations::invitation_details(&env.svc, token).await);
        expect_not_found(accept_new(env, token, "Mallory").await);
    }

    // Nothing in Acme changed.
    assert_eq!(status(env, &token_of(&issued.link)).await, Status::Pending);
    assert_eq!(
        env.caller(&bob).await.org.map(|o| (o.id, o.role)),
        Some((acme, Role::Member))
    );
    let rows = members::list_members(&env.svc, &owner_a, "carl@", 1)
        .await
        .expect("members");
    assert!(rows.members[0].deactivated, "still deactivated");
}
