//! An organization's rules ("Members must sign in with <provider>", and a provider's MFA standing
//! in for ours) hold on every way a session comes to act in it: switching, accepting an
//! invitation, being moved after a membership ends, sessions that existed before the rule, and
//! idle sessions end.

use std::time::Duration;

use gatehouse_server::error::Denial;
use gatehouse_server::invitations::{self, Acceptor};
use gatehouse_server::orgs::{self, Switched};
use gatehouse_server::{Actor, EndReason, OrgId, Resolved, Role, SignedIn, members, mfa};

use crate::expect::expect_denied;
use crate::mfa::{enroll, now_secs, totp_at};
use crate::on_both_databases;
use crate::support::{TestEnv, acme_owner, org_of};

on_both_databases!(
    switching_from_an_organization_that_trusts_the_providers_mfa_asks_for_the_code,
    a_waived_session_moved_elsewhere_after_a_removal_is_ended_on_its_next_request,
    password_sessions_end_on_their_next_request_once_the_organization_requires_a_provider,
    switching_into_an_organization_that_requires_a_provider_is_refused_to_a_password_session,
    accepting_an_invitation_into_a_provider_only_organization_needs_that_provider,
    a_session_unused_for_the_idle_limit_ends,
    a_session_moved_after_a_removal_goes_where_it_is_admitted,
);

/// "Members must sign in with google", and whether Google's own MFA stands in for ours.
async fn require_google(env: &TestEnv, org: OrgId, trusts_mfa: bool) {
    sqlx::query(
        "INSERT INTO security_policies (org_id, roles, grace_days, updated_at, \
         sign_in_provider, provider_enforces_mfa) VALUES ($1, '', 0, 0, 'google', $2)",
    )
    .bind(org.to_string())
    .bind(i64::from(trusts_mfa))
    .execute(env.svc.db.pool())
    .await
    .expect("policy");
    env.svc.cache.invalidate_all_for_tests();
}

/// What a sign-in through Google into an organization that trusts Google's MFA issues to an
/// account with MFA: a provider session whose second step was waived.
async fn as_waived_google_session(env: &TestEnv, session: &SignedIn) {
    sqlx::query("UPDATE sessions SET via_provider = 'google', mfa_waived = 1 WHERE id = $1")
        .bind(session.session_id.to_string())
        .execute(env.svc.db.pool())
        .await
        .expect("provider session");
    env.svc.cache.invalidate_all_for_tests();
}

/// Ada has MFA, is a Member of Acme (restricted to Google, trusting its MFA) and Owner of her
/// own organization; her session came through Google into Acme without our second step.
/// Also returns Acme's Owner (signed in before the restriction).
async fn ada_waived_in_acme(env: &TestEnv) -> (Actor, SignedIn, String) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let ada = env.join(acme, "ada@example.com", Role::Member).await;
    let (secret, _) = enroll(env, &env.caller(&ada).await).await;
    require_google(env, acme, true).await;
    as_waived_google_session(env, &ada).await;
    let in_acme = env.caller(&ada).await;
    assert_eq!(in_acme.org.map(|o| o.id), Some(acme), "admitted in Acme");
    (owner, ada, secret)
}

async fn switching_from_an_organization_that_trusts_the_providers_mfa_asks_for_the_code(
    env: &TestEnv,
) {
    let (owner, ada, secret) = ada_waived_in_acme(env).await;
    let acme = org_of(&owner);
    let home = orgs::list_organizations(&env.svc, &env.caller(&ada).await)
        .await
        .expect("list")
        .into_iter()
        .find(|m| m.id != acme)
        .expect("her own organization")
        .id;

    let switched = orgs::switch_organization(&env.svc, &env.caller(&ada).await, &home.to_string())
        .await
        .expect("switch answered");
    let Switched::SecondFactor(pending) = switched else {
        panic!("switched without the second factor: {switched:?}");
    };
    let still = env.caller(&ada).await;
    assert_eq!(still.org.map(|o| o.id), Some(acme), "not moved yet");

    env.clock.advance(Duration::from_secs(30));
    let code = totp_at(&secret, now_secs(env));
    let proven = mfa::verify_sign_in(
        &env.svc,
        pending.token.expose(),
        &code,
        &env.client(),
        Some(ada.token.expose()),
    )
    .await
    .expect("the code completes the switch");
    let now_home = env.caller(&proven.signed_in).await;
    assert_eq!(now_home.org.as_ref().map(|o| o.id), Some(home));
    assert!(
        !now_home.auth.mfa_waived,
        "the new session proved the factor"
    );
    assert_eq!(now_home.auth.via_provider.as_deref(), Some("google"));
    assert!(matches!(
        env.resolve_on(&env.svc, &ada).await,
        Resolved::Ended(EndReason::Replaced)
    ));
    // Having proven it, the session may go back to Acme at once.
    let back = orgs::switch_organization(&env.svc, &now_home, &acme.to_string()).await;
    assert!(matches!(back, Ok(Switched::Done)), "{back:?}");
}

async fn a_waived_session_moved_elsewhere_after_a_removal_is_ended_on_its_next_request(
    env: &TestEnv,
) {
    let (owner, ada, _) = ada_waived_in_acme(env).await;
    members::remove_member(&env.svc, &owner, &ada.user_id.to_string())
        .await
        .expect("removed");
    assert!(
        matches!(
            env.resolve_on(&env.svc, &ada).await,
            Resolved::Ended(EndReason::SecondFactorRequired)
        ),
        "moved to her own organization, which does not trust Google's MFA"
    );
}

async fn password_sessions_end_on_their_next_request_once_the_organization_requires_a_provider(
    env: &TestEnv,
) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = env.join(acme, "bob@example.com", Role::Member).await;
    env.caller(&bob).await;
    require_google(env, acme, false).await;
    assert!(matches!(
        env.resolve_on(&env.svc, &bob).await,
        Resolved::Ended(EndReason::SignInRestricted)
    ));
}

async fn switching_into_an_organization_that_requires_a_provider_is_refused_to_a_password_session(
    env: &TestEnv,
) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = env.join(acme, "bob@example.com", Role::Member).await;
    let home = orgs::list_organizations(&env.svc, &env.caller(&bob).await)
        .await
        .expect("list")
        .into_iter()
        .find(|m| m.id != acme)
        .expect("his own organization")
        .id;
    orgs::switch_organization(&env.svc, &env.caller(&bob).await, &home.to_string())
        .await
        .expect("home");
    require_google(env, acme, false).await;
    let refused =
        orgs::switch_organization(&env.svc, &env.caller(&bob).await, &acme.to_string()).await;
    expect_denied(
        refused,
        Denial::ProviderRequired {
            organization: "Acme".into(),
            provider: "google".into(),
        },
    );
    let still = env.caller(&bob).await;
    assert_eq!(still.org.map(|o| o.id), Some(home), "stays where it was");
}

async fn accepting_an_invitation_into_a_provider_only_organization_needs_that_provider(
    env: &TestEnv,
) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let invited = invitations::invite_member(&env.svc, &owner, "bob@example.com", "member")
        .await
        .expect("invite");
    let token = crate::support::token_of(&invited.link);
    require_google(env, acme, false).await;

    let bob = env.sign_up("bob@example.com").await;
    let bob_actor = env.actor(&bob).await;
    let refused = invitations::accept_invitation(
        &env.svc,
        &token,
        Acceptor::SignedIn(&bob_actor),
        &env.client(),
        None,
    )
    .await;
    expect_denied(refused, needs_google());
    let new_account = invitations::accept_invitation(
        &env.svc,
        &token,
        Acceptor::NewAccount {
            name: "Carol",
            password: crate::support::PASSWORD,
        },
        &env.client(),
        None,
    )
    .await;
    expect_denied(new_account, needs_google());
    let details = invitations::invitation_details(&env.svc, &token)
        .await
        .expect("details");
    assert_eq!(details.status, invitations::Status::Pending, "still usable");
}

async fn a_session_unused_for_the_idle_limit_ends(env: &TestEnv) {
    let ada = env.sign_up("ada@example.com").await;
    env.clock.advance(Duration::from_secs(72 * 3600 - 60));
    assert!(env.resolve(&ada).await.is_some(), "used just in time");
    env.clock.advance(Duration::from_secs(72 * 3600));
    assert!(matches!(
        env.resolve_on(&env.svc, &ada).await,
        Resolved::Ended(EndReason::Idle)
    ));
}

async fn a_session_moved_after_a_removal_goes_where_it_is_admitted(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    // Bob's own organization, and a provider-only one he used more recently than it.
    let bob = env.join(acme, "bob@example.com", Role::Member).await;
    let home = env.caller(&bob).await;
    let home = orgs::list_organizations(&env.svc, &home)
        .await
        .expect("list")
        .into_iter()
        .find(|m| m.id != acme)
        .expect("his own organization")
        .id;
    let other = env
        .sign_up_as("Other Owner", "other@example.com", "Strict")
        .await;
    let strict = env.caller(&other).await.org.expect("org").id;
    sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, created_at, last_used_at, sort_key) \
         VALUES ($1, $2, 'member', 0, $3, 'bob')",
    )
    .bind(strict.to_string())
    .bind(bob.user_id.to_string())
    .bind(i64::MAX / 2)
    .execute(env.svc.db.pool())
    .await
    .expect("Bob in Strict, used last");
    require_google(env, strict, false).await;

    members::remove_member(&env.svc, &owner, &bob.user_id.to_string())
        .await
        .expect("removed from Acme");
    let moved = env.caller(&bob).await;
    assert_eq!(
        moved.org.map(|o| o.id),
        Some(home),
        "not into Strict, which would refuse a password session"
    );
}

/// What accepting an Acme invitation without Google is refused with.
fn needs_google() -> Denial {
    Denial::InvitationNeedsProvider {
        organization: "Acme".into(),
        provider: "google".into(),
    }
}
