//! Email verification (issue 12, "Abuse"): with SMTP configured a password account proves its
//! address before it invites, and a provider that verified the address takes an unverified
//! password account over, so nobody can pre-register someone else's address.

use std::time::Duration;

use gatehouse_server::email_verification::{TTL, resend_verification_email, verify_email};
use gatehouse_server::error::{Denial, Lapse};
use gatehouse_server::invitations::{self, Acceptor};
use gatehouse_server::oauth::{self, Arrival, Trip, VerifiedIdentity};
use gatehouse_server::password_resets::{
    create_reset_link, request_password_reset, reset_password,
};
use gatehouse_server::sign_in::{self, SignInStep};
use gatehouse_server::{EndReason, Error, Resolved, Role};

use crate::expect::{expect_conflict, expect_denied, expect_gone, expect_not_found};
use crate::oauth::{ISSUER, with_provider};
use crate::support::{
    MailServer, PASSWORD, PUBLIC_URL, TestEnv, acme_owner, link_in, org_of, token_of,
};
use crate::{on_both_databases, on_both_databases_with_mail};

on_both_databases_with_mail!(
    a_verification_link_is_mailed_at_sign_up_and_works_once,
    a_verification_link_expires_after_24_hours_and_a_new_one_can_be_sent,
    an_unverified_inviter_is_refused_until_the_address_is_verified,
    an_account_made_from_an_invitation_link_is_not_verified_by_it,
    an_emailed_reset_verifies_the_address_and_an_administrators_link_does_not,
    new_links_are_limited_per_account,
    a_provider_that_verified_the_address_takes_over_an_unverified_password_account,
    a_verified_account_is_linked_only_after_proving_its_password,
);
on_both_databases!(without_smtp_nothing_is_verified_and_nothing_is_restricted,);

const NEW_PASSWORD: &str = "Brand-New-Pass-42";

/// Olive, Owner of Acme, signed up with a password.
async fn owner_of_acme(env: &TestEnv) -> gatehouse_server::SignedIn {
    env.sign_up_as("Olive Owner", "owner@example.com", "Acme")
        .await
}

async fn a_verification_link_is_mailed_at_sign_up_and_works_once(env: &TestEnv, smtp: &MailServer) {
    let ada = env.sign_up("ada@example.com").await;
    let caller = env.caller(&ada).await;
    assert!(!caller.email_verified && caller.needs_email_verification);
    let link = smtp.verification_link().await;
    assert!(
        link.starts_with(&format!("{PUBLIC_URL}/verify-email/")),
        "{link}"
    );
    let mail = smtp.messages().remove(0);
    assert!(
        mail.header("to")
            .is_some_and(|to| to.contains("ada@example.com"))
    );
    assert!(
        mail.html.contains(&format!("href=\"{link}\"")),
        "{}",
        mail.html
    );

    // Opened on any device, without a session; the signed-in session sees it at once.
    verify_email(&env.svc, &token_of(&link), &env.client())
        .await
        .expect("verify");
    let caller = env.caller(&ada).await;
    assert!(caller.email_verified && !caller.needs_email_verification);
    expect_gone(
        verify_email(&env.svc, &token_of(&link), &env.client()).await,
        Lapse::VerificationLinkUsed,
    );
    expect_not_found(verify_email(&env.svc, &"A".repeat(43), &env.client()).await);
    expect_not_found(verify_email(&env.svc, "short", &env.client()).await);
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'user.email_verified'",
    )
    .fetch_one(env.svc.db.pool())
    .await
    .expect("count");
    assert_eq!(audited, 1);
    // A verified account has nothing to resend.
    expect_conflict(resend_verification_email(&env.svc, &caller).await);
}

async fn a_verification_link_expires_after_24_hours_and_a_new_one_can_be_sent(
    env: &TestEnv,
    smtp: &MailServer,
) {
    let ada = env.sign_up("ada@example.com").await;
    let first = smtp.verification_link().await;
    smtp.clear();
    env.clock.advance(TTL);
    expect_gone(
        verify_email(&env.svc, &token_of(&first), &env.client()).await,
        Lapse::VerificationLinkExpired,
    );
    let caller = env.caller(&ada).await;
    assert!(!caller.email_verified);
    resend_verification_email(&env.svc, &caller)
        .await
        .expect("a new link");
    let second = smtp.verification_link().await;
    assert_ne!(first, second);
    env.clock.advance(TTL - Duration::from_millis(1));
    verify_email(&env.svc, &token_of(&second), &env.client())
        .await
        .expect("the new link works until its 24 hours are over");
    assert!(env.caller(&ada).await.email_verified);
}

async fn an_unverified_inviter_is_refused_until_the_address_is_verified(
    env: &TestEnv,
    smtp: &MailServer,
) {
    let signed_in = owner_of_acme(env).await;
    let owner = env.actor(&signed_in).await;
    expect_denied(
        invitations::invite_member(&env.svc, &owner, "grace@example.com", "member").await,
        Denial::UnverifiedInviter,
    );
    smtp.verify_by_mail(env).await;
    let owner = env.actor(&signed_in).await;
    let issued = invitations::invite_member(&env.svc, &owner, "grace@example.com", "member")
        .await
        .expect("a verified owner invites");
    assert!(issued.emailed);
}

async fn an_account_made_from_an_invitation_link_is_not_verified_by_it(
    env: &TestEnv,
    smtp: &MailServer,
) {
    let signed_in = owner_of_acme(env).await;
    smtp.verify_by_mail(env).await;
    let owner = env.actor(&signed_in).await;
    let issued = invitations::invite_member(&env.svc, &owner, "grace@example.com", "admin")
        .await
        .expect("invite");
    // The inviter saw this link too: accepting it proves nothing about Grace's mailbox.
    let acceptor = Acceptor::NewAccount {
        name: "Grace Hopper",
        password: PASSWORD,
    };
    let grace = invitations::accept_invitation(
        &env.svc,
        &token_of(&issued.link),
        acceptor,
        &env.client(),
        None,
    )
    .await
    .expect("accept")
    .expect("a session");
    let grace_actor = env.actor(&grace).await;
    assert!(grace_actor.needs_email_verification);
    expect_denied(
        invitations::invite_member(&env.svc, &grace_actor, "third@example.com", "member").await,
        Denial::UnverifiedInviter,
    );
    // Nor may she resend the Owner's invitations: that sends one too.
    let owners = invitations::invite_member(&env.svc, &owner, "fourth@example.com", "member")
        .await
        .expect("invite");
    expect_denied(
        invitations::resend_invitation(&env.svc, &grace_actor, &owners.id.to_string(), true).await,
        Denial::UnverifiedInviter,
    );
    // Her own link arrives at her address and works.
    let link = loop {
        let found = smtp
            .messages()
            .into_iter()
            .filter(|m| {
                m.header("to")
                    .is_some_and(|to| to.contains("grace@example.com"))
            })
            .find_map(|m| link_in(&m.text, "/verify-email/"));
        if let Some(link) = found {
            break link;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    verify_email(&env.svc, &token_of(&link), &env.client())
        .await
        .expect("verify");
    assert!(env.caller(&grace).await.email_verified);
}

async fn an_emailed_reset_verifies_the_address_and_an_administrators_link_does_not(
    env: &TestEnv,
    smtp: &MailServer,
) {
    let owner = acme_owner(env).await;
    let bob = env
        .join_only(org_of(&owner), "bob@example.com", Role::Member)
        .await;
    smtp.verification_link().await;
    smtp.clear();
    let by_admin = create_reset_link(&env.svc, &owner, &bob.user_id.to_string())
        .await
        .expect("an administrator's link");
    reset_password(
        &env.svc,
        &token_of(&by_admin.link),
        NEW_PASSWORD,
        &env.client(),
    )
    .await
    .expect("reset by the administrator's link");
    let bob = sign_in::sign_in(
        &env.svc,
        "bob@example.com",
        NEW_PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await
    .map(crate::support::session)
    .expect("sign in");
    assert!(
        !env.caller(&bob).await.email_verified,
        "the administrator saw that link"
    );

    request_password_reset(&env.svc, "bob@example.com", &env.client())
        .await
        .expect("request");
    let emailed = smtp.wait_for_link("/reset-password/").await;
    reset_password(&env.svc, &token_of(&emailed), PASSWORD, &env.client())
        .await
        .expect("reset by the emailed link");
    let bob = sign_in::sign_in(
        &env.svc,
        "bob@example.com",
        PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await
    .map(crate::support::session)
    .expect("sign in");
    assert!(
        env.caller(&bob).await.email_verified,
        "the mailbox was proven"
    );
}

async fn new_links_are_limited_per_account(env: &TestEnv, smtp: &MailServer) {
    let ada = env.sign_up("ada@example.com").await;
    smtp.verification_link().await;
    let caller = env.caller(&ada).await;
    for _ in 0..5 {
        resend_verification_email(&env.svc, &caller)
            .await
            .expect("within the limit");
    }
    let refused = resend_verification_email(&env.svc, &caller).await;
    assert!(
        matches!(refused, Err(Error::RateLimited { .. })),
        "{refused:?}"
    );
    env.clock.advance(Duration::from_secs(3600));
    resend_verification_email(&env.svc, &caller)
        .await
        .expect("the next hour");
}

fn victim_at_provider() -> VerifiedIdentity {
    VerifiedIdentity {
        issuer: ISSUER.into(),
        subject: "victim-subject".into(),
        email: "Victim@Example.com".into(),
        email_verified: true,
        name: Some("Real Victim".into()),
    }
}

fn trip() -> Trip<'static> {
    Trip {
        provider: "testid",
        invitation: None,
        next: "/settings/security".into(),
    }
}

async fn a_provider_that_verified_the_address_takes_over_an_unverified_password_account(
    env: &TestEnv,
    _smtp: &MailServer,
) {
    let svc = with_provider(env);
    // The squatter signs up with someone else's address and sets up a second factor there.
    let squatter = env.sign_up("victim@example.com").await;
    crate::mfa::enroll(env, &env.caller(&squatter).await).await;
    let squatter_reset = create_reset_link(
        &env.svc,
        &env.actor(&squatter).await,
        &squatter.user_id.to_string(),
    )
    .await
    .expect("a reset link of their own");

    let arrival = oauth::arrive(&svc, trip(), &victim_at_provider(), &env.client(), None)
        .await
        .expect("arrive");
    let Arrival::SignedIn {
        step: SignInStep::Done(victim),
        next,
    } = arrival
    else {
        panic!("expected the address's owner to be signed in, got {arrival:?}");
    };
    assert_eq!(next, "/settings/security");
    assert_eq!(victim.user_id, squatter.user_id, "the same account");
    assert!(matches!(
        env.resolve_on(&env.svc, &squatter).await,
        Resolved::Ended(EndReason::EmailClaimed)
    ));
    let with_password = sign_in::sign_in(
        &env.svc,
        "victim@example.com",
        PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await;
    assert!(
        matches!(with_password, Err(Error::InvalidCredentials)),
        "{with_password:?}"
    );
    expect_gone(
        gatehouse_server::password_resets::reset_link_email(
            &env.svc,
            &token_of(&squatter_reset.link),
        )
        .await,
        Lapse::ResetLinkUsed,
    );
    let caller = env.caller(&victim).await;
    assert!(caller.email_verified);
    assert!(!caller.mfa.enabled, "the squatter's second factor is gone");
    // The provider is linked: the next sign-in through it is an ordinary one.
    let again = oauth::arrive(&svc, trip(), &victim_at_provider(), &env.client(), None)
        .await
        .expect("arrive again");
    assert!(matches!(again, Arrival::SignedIn { .. }), "{again:?}");
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'user.email_claimed'")
            .fetch_one(env.svc.db.pool())
            .await
            .expect("count");
    assert_eq!(audited, 1);
}

async fn a_verified_account_is_linked_only_after_proving_its_password(
    env: &TestEnv,
    smtp: &MailServer,
) {
    let svc = with_provider(env);
    let owner = env.sign_up("victim@example.com").await;
    smtp.verify_by_mail(env).await;
    let arrival = oauth::arrive(&svc, trip(), &victim_at_provider(), &env.client(), None)
        .await
        .expect("arrive");
    assert!(
        matches!(arrival, Arrival::ProveAccount { .. }),
        "{arrival:?}"
    );
    assert!(
        env.resolve(&owner).await.is_some(),
        "the owner stays signed in"
    );
    sign_in::sign_in(
        &env.svc,
        "victim@example.com",
        PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await
    .expect("the password still works");
}

async fn without_smtp_nothing_is_verified_and_nothing_is_restricted(env: &TestEnv) {
    let owner = acme_owner(env).await;
    assert!(!owner.email_verified && !owner.needs_email_verification);
    invitations::invite_member(&env.svc, &owner, "grace@example.com", "member")
        .await
        .expect("no restriction without SMTP");
    let refused = resend_verification_email(&env.svc, &owner).await;
    assert!(matches!(refused, Err(Error::Unavailable(_))), "{refused:?}");
    // No proof is possible here, so a provider does not take the account over either.
    let svc = with_provider(env);
    let identity = VerifiedIdentity {
        email: "owner@example.com".into(),
        ..victim_at_provider()
    };
    let arrival = oauth::arrive(&svc, trip(), &identity, &env.client(), None)
        .await
        .expect("arrive");
    assert!(
        matches!(arrival, Arrival::ProveAccount { .. }),
        "{arrival:?}"
    );
}
