//! The organization chooser at sign-in: a sign-in that names no organization, of an account that
//! may act in several, starts in the one used last and asks which one to enter — by password,
//! after the second step and through a provider alike. With one organization, or with a
//! `/login?org=` link, nothing is asked.

use std::time::Duration;

use gatehouse_server::oauth::{self, Arrival, Trip, VerifiedIdentity};
use gatehouse_server::sign_in::{self, SignInStep};
use gatehouse_server::{OrgId, Role, SignedIn, UserId, members, orgs};

use crate::deactivation::sign_in;
use crate::mfa::{STEP, enroll, next_code, pending_sign_in, second_step};
use crate::oauth::{ISSUER, with_provider};
use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv, acme_owner, org_of};

on_both_databases!(
    a_sign_in_naming_no_organization_asks_an_account_in_several_which_to_enter,
    the_second_step_and_a_provider_sign_in_ask_alike,
);

/// The organization sign-up made for the account behind `signed_in`: any but `acme`.
async fn own_organization(env: &TestEnv, signed_in: &SignedIn, acme: OrgId) -> OrgId {
    orgs::list_organizations(&env.svc, &env.caller(signed_in).await)
        .await
        .expect("list")
        .into_iter()
        .find(|m| m.id != acme)
        .expect("the organization sign-up made")
        .id
}

async fn a_sign_in_naming_no_organization_asks_an_account_in_several_which_to_enter(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let alone = sign_in(env, "owner@example.com", None)
        .await
        .expect("sign in");
    assert!(
        !alone.choose_organization,
        "one organization: nothing to choose"
    );

    let bob = env.join(acme, "bob@example.com", Role::Member).await;
    let home = own_organization(env, &bob, acme).await;
    env.clock.advance(Duration::from_secs(10));
    let plain = sign_in(env, "bob@example.com", None)
        .await
        .expect("sign in");
    assert!(plain.choose_organization, "two organizations: asked");
    let caller = env.caller(&plain).await;
    assert_eq!(
        caller.org.as_ref().map(|o| o.id),
        Some(home),
        "meanwhile in the one used last (Acme's membership was never used)"
    );
    let offered: Vec<_> = orgs::list_organizations(&env.svc, &caller)
        .await
        .expect("list")
        .into_iter()
        .map(|m| (m.id, m.role, m.current))
        .collect();
    assert_eq!(
        offered,
        [(acme, Role::Member, false), (home, Role::Owner, true)],
        "the chooser offers both, the one used last marked"
    );

    // Choosing is a switch: the session acts there, and the next sign-in starts there (and
    // still asks).
    env.clock.advance(Duration::from_secs(10));
    orgs::switch_organization(&env.svc, &caller, &acme.to_string())
        .await
        .expect("choose Acme");
    assert_eq!(org_of(&env.actor(&plain).await), acme);
    env.clock.advance(Duration::from_secs(10));
    let again = sign_in(env, "bob@example.com", None)
        .await
        .expect("sign in");
    assert!(again.choose_organization);
    assert_eq!(org_of(&env.actor(&again).await), acme, "Acme was used last");

    // A sign-in link names the organization: nothing is asked.
    let linked = sign_in(env, "bob@example.com", Some(&home.to_string()))
        .await
        .expect("sign in by link");
    assert!(!linked.choose_organization);
    assert_eq!(org_of(&env.actor(&linked).await), home);

    // Deactivated in Acme, Bob has one organization left to enter: nothing to choose.
    members::deactivate_member(&env.svc, &owner, &bob.user_id.to_string())
        .await
        .expect("deactivate");
    env.clock.advance(Duration::from_secs(10));
    let one_left = sign_in(env, "bob@example.com", None)
        .await
        .expect("sign in");
    assert!(!one_left.choose_organization);
    assert_eq!(org_of(&env.actor(&one_left).await), home);
}

/// Links `user` to the identity `subject` at the test provider.
async fn link(env: &TestEnv, user: UserId, subject: &str) {
    sqlx::query(
        "INSERT INTO identities (issuer, subject, provider, user_id, email, created_at, \
         last_used_at) VALUES ($1, $2, 'testid', $3, 'linked@example.com', 0, 0)",
    )
    .bind(ISSUER)
    .bind(subject)
    .bind(user.to_string())
    .execute(env.svc.db.pool())
    .await
    .expect("link");
}

async fn the_second_step_and_a_provider_sign_in_ask_alike(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);

    // The second step completes the sign-in the password started, naming no organization.
    let bob = env.join(acme, "bob@example.com", Role::Member).await;
    let (secret, _) = enroll(env, &env.caller(&bob).await).await;
    let pending = pending_sign_in(env, "bob@example.com").await;
    let done = second_step(env, &pending, &next_code(env, &secret))
        .await
        .expect("second step");
    assert!(done.signed_in.choose_organization);

    // With `/login?org=`, the organization stays named through the second step.
    env.clock.advance(STEP * 3);
    let step = sign_in::sign_in(
        &env.svc,
        "bob@example.com",
        PASSWORD,
        Some(&acme.to_string()),
        &env.client(),
        None,
    )
    .await
    .expect("the password is accepted");
    let SignInStep::SecondFactor(pending) = step else {
        panic!("expected the second step, got {step:?}");
    };
    let done = second_step(env, &pending, &next_code(env, &secret))
        .await
        .expect("second step");
    assert!(!done.signed_in.choose_organization);
    assert_eq!(org_of(&env.actor(&done.signed_in).await), acme);

    // A provider sign-in of an account in two organizations asks; in one, it does not.
    let svc = with_provider(env);
    let carol = env.join(acme, "carol@example.com", Role::Member).await;
    link(env, carol.user_id, "carol-subject").await;
    link(env, owner.user_id, "olive-subject").await;
    for (subject, email, asked) in [
        ("carol-subject", "carol@example.com", true),
        ("olive-subject", "owner@example.com", false),
    ] {
        let identity = VerifiedIdentity {
            issuer: ISSUER.into(),
            subject: subject.into(),
            email: email.into(),
            email_verified: true,
            name: None,
        };
        let trip = Trip {
            provider: "testid",
            invitation: None,
            next: "/projects".into(),
        };
        let arrival = oauth::arrive(&svc, trip, &identity, &env.client(), None)
            .await
            .expect("arrive");
        let Arrival::SignedIn {
            step: SignInStep::Done(signed_in),
            next,
        } = arrival
        else {
            panic!("{email}: expected a session, got {arrival:?}");
        };
        assert_eq!(next, "/projects", "the destination is kept");
        assert_eq!(signed_in.choose_organization, asked, "{email}");
    }
}
