//! Password reset links: handed over by an administrator or emailed on request; single use,
//! 30 minutes, and setting the new password ends every session of the account.

use std::time::Duration;

use gatehouse_server::error::Lapse;
use gatehouse_server::password_resets::{
    self, by_email_available, create_reset_link, request_password_reset, reset_link_email,
    reset_password,
};
use gatehouse_server::sign_in;
use gatehouse_server::{Actor, EndReason, Error, Resolved, Role, SignedIn};

use crate::expect::{expect_forbidden, expect_gone, expect_gone_as_one_of, expect_not_found};
use crate::on_both_databases;
use crate::support::{
    MailServer, PASSWORD, PUBLIC_URL, START, TestEnv, acme_owner, org_of, token_of,
};

on_both_databases!(
    a_handed_over_link_sets_a_new_password_and_ends_every_session,
    a_reset_link_works_once_and_for_thirty_minutes,
    using_one_link_retires_the_accounts_other_links,
    a_weak_new_password_is_refused_and_the_link_stays_usable,
    only_owners_and_admins_create_links_and_admins_not_for_owners,
    unknown_and_malformed_links_are_not_found,
    reset_by_email_is_unavailable_without_smtp,
    a_reset_lifts_the_sign_in_guess_limit,
    of_two_simultaneous_uses_of_one_link_exactly_one_succeeds,
);

const NEW_PASSWORD: &str = "Brand-New-Pass-7";
const TTL: Duration = Duration::from_secs(30 * 60);

async fn sign_in(env: &TestEnv, email: &str, password: &str) -> Result<SignedIn, Error> {
    sign_in::sign_in(&env.svc, email, password, None, &env.client(), None)
        .await
        .map(crate::support::session)
}

async fn link_for(env: &TestEnv, by: &Actor, user: &SignedIn) -> String {
    let link = create_reset_link(&env.svc, by, &user.user_id.to_string())
        .await
        .expect("create a reset link")
        .link;
    token_of(&link)
}

async fn a_handed_over_link_sets_a_new_password_and_ends_every_session(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let bob_in_acme = env
        .join_only(org_of(&owner), "bob@example.com", Role::Member)
        .await;
    let bob_at_home = sign_in(env, "bob@example.com", PASSWORD)
        .await
        .expect("sign in");
    // Both sessions are cached before the reset.
    env.actor(&bob_at_home).await;
    env.actor(&bob_in_acme).await;

    let issued = create_reset_link(&env.svc, &owner, &bob_in_acme.user_id.to_string())
        .await
        .expect("create");
    let token = token_of(&issued.link);
    assert_eq!(
        issued.link,
        format!("http://127.0.0.1:3000/reset-password/{token}")
    );
    assert_eq!(issued.expires_at, START.plus(TTL));
    assert_eq!(
        reset_link_email(&env.svc, &token).await.expect("email"),
        "bob@example.com"
    );

    reset_password(&env.svc, &token, NEW_PASSWORD, &env.client())
        .await
        .expect("reset");
    for session in [&bob_in_acme, &bob_at_home] {
        let resolved = env.resolve_on(&env.svc, session).await;
        assert!(
            matches!(resolved, Resolved::Ended(EndReason::PasswordReset)),
            "every session ends, in every organization: {resolved:?}"
        );
    }
    let old = sign_in(env, "bob@example.com", PASSWORD).await;
    assert!(matches!(old, Err(Error::InvalidCredentials)), "{old:?}");
    let new = sign_in(env, "bob@example.com", NEW_PASSWORD)
        .await
        .expect("the new password signs in");
    assert_eq!(env.actor(&new).await.user_id, bob_in_acme.user_id);

    expect_gone(
        reset_password(&env.svc, &token, "Another-Pass-8", &env.client()).await,
        Lapse::ResetLinkUsed,
    );
    expect_gone(
        reset_link_email(&env.svc, &token).await,
        Lapse::ResetLinkUsed,
    );
    assert!(
        env.resolve(&new).await.is_some(),
        "a refused second use ends nothing"
    );
    assert!(
        sign_in(env, "bob@example.com", "Another-Pass-8")
            .await
            .is_err(),
        "the second use set nothing"
    );
}

async fn a_reset_link_works_once_and_for_thirty_minutes(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let bob = env
        .join_only(org_of(&owner), "bob@example.com", Role::Member)
        .await;
    assert_eq!(password_resets::TTL, TTL);
    let token = link_for(env, &owner, &bob).await;
    env.clock.advance(TTL - Duration::from_secs(1));
    assert_eq!(
        reset_link_email(&env.svc, &token)
            .await
            .expect("still valid"),
        "bob@example.com"
    );
    env.clock.advance(Duration::from_secs(1));
    expect_gone(
        reset_link_email(&env.svc, &token).await,
        Lapse::ResetLinkExpired,
    );
    expect_gone(
        reset_password(&env.svc, &token, NEW_PASSWORD, &env.client()).await,
        Lapse::ResetLinkExpired,
    );
    assert!(
        env.resolve(&bob).await.is_some(),
        "an expired link ends no session"
    );
    sign_in(env, "bob@example.com", PASSWORD)
        .await
        .expect("the password is unchanged");

    // A fresh link, used right before its end, works exactly once.
    let token = link_for(env, &owner, &bob).await;
    env.clock.advance(TTL - Duration::from_millis(1));
    reset_password(&env.svc, &token, NEW_PASSWORD, &env.client())
        .await
        .expect("reset just in time");
    expect_gone(
        reset_password(&env.svc, &token, NEW_PASSWORD, &env.client()).await,
        Lapse::ResetLinkUsed,
    );
    sign_in(env, "bob@example.com", NEW_PASSWORD)
        .await
        .expect("new password");
}

async fn using_one_link_retires_the_accounts_other_links(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let bob = env
        .join_only(org_of(&owner), "bob@example.com", Role::Member)
        .await;
    let carl = env
        .join_only(org_of(&owner), "carl@example.com", Role::Member)
        .await;
    let first = link_for(env, &owner, &bob).await;
    let second = link_for(env, &owner, &bob).await;
    let carls = link_for(env, &owner, &carl).await;
    assert_ne!(first, second);
    reset_password(&env.svc, &second, NEW_PASSWORD, &env.client())
        .await
        .expect("reset");
    expect_gone(
        reset_link_email(&env.svc, &first).await,
        Lapse::ResetLinkUsed,
    );
    expect_gone(
        reset_password(&env.svc, &first, "Yet-Another-Pass-9", &env.client()).await,
        Lapse::ResetLinkUsed,
    );
    sign_in(env, "bob@example.com", NEW_PASSWORD)
        .await
        .expect("the second link's password holds");
    assert_eq!(
        reset_link_email(&env.svc, &carls).await.expect("valid"),
        "carl@example.com",
        "another account's links are untouched"
    );
    assert!(env.resolve(&carl).await.is_some());
}

async fn a_weak_new_password_is_refused_and_the_link_stays_usable(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let bob = env
        .join_only(org_of(&owner), "bob@example.com", Role::Member)
        .await;
    let token = link_for(env, &owner, &bob).await;
    for weak in ["short", "password", ""] {
        let refused = reset_password(&env.svc, &token, weak, &env.client()).await;
        let Err(Error::Validation(errors)) = refused else {
            panic!("{weak:?}: expected Validation, got {refused:?}")
        };
        let fields: Vec<_> = errors.iter().map(|(field, _)| field).collect();
        assert_eq!(fields, ["new_password"], "{weak:?}: {errors:?}");
    }
    assert!(
        env.resolve(&bob).await.is_some(),
        "a refused password ends no session"
    );
    reset_password(&env.svc, &token, NEW_PASSWORD, &env.client())
        .await
        .expect("the link still works");
    sign_in(env, "bob@example.com", NEW_PASSWORD)
        .await
        .expect("new password");
}

async fn only_owners_and_admins_create_links_and_admins_not_for_owners(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let org = org_of(&owner);
    let admin = env.join_only(org, "admin@example.com", Role::Admin).await;
    let member = env.join_only(org, "member@example.com", Role::Member).await;
    let second_owner = env.join_only(org, "second@example.com", Role::Owner).await;
    let admin_actor = env.actor(&admin).await;
    let member_actor = env.actor(&member).await;
    let id = |s: &SignedIn| s.user_id.to_string();

    expect_forbidden(create_reset_link(&env.svc, &admin_actor, &owner.user_id.to_string()).await);
    // An account that also belongs to another organization resets its own password.
    let elsewhere = env.join(org, "elsewhere@example.com", Role::Member).await;
    expect_forbidden(create_reset_link(&env.svc, &owner, &elsewhere.user_id.to_string()).await);
    expect_forbidden(create_reset_link(&env.svc, &admin_actor, &id(&second_owner)).await);
    for target in [id(&admin), id(&member), owner.user_id.to_string()] {
        expect_forbidden(create_reset_link(&env.svc, &member_actor, &target).await);
    }

    for (by, target) in [
        (&admin_actor, id(&member)),
        (&admin_actor, id(&admin)),
        (&owner, id(&admin)),
        (&owner, id(&second_owner)),
    ] {
        let link = create_reset_link(&env.svc, by, &target)
            .await
            .unwrap_or_else(|err| panic!("{} for {target}: {err:?}", by.email));
        assert!(
            reset_link_email(&env.svc, &token_of(&link.link))
                .await
                .is_ok()
        );
    }

    let stranger = env.sign_up("stranger@example.com").await;
    for missing in [
        id(&stranger),
        gatehouse_server::UserId::random().to_string(),
        "not-an-id".to_string(),
    ] {
        expect_not_found(create_reset_link(&env.svc, &owner, &missing).await);
    }
}

async fn unknown_and_malformed_links_are_not_found(env: &TestEnv) {
    env.sign_up("bob@example.com").await;
    for token in [
        "",
        "short",
        &"A".repeat(43),
        &"a".repeat(44),
        &format!("{}'", "a".repeat(42)),
    ] {
        expect_not_found(reset_link_email(&env.svc, token).await);
        expect_not_found(reset_password(&env.svc, token, NEW_PASSWORD, &env.client()).await);
    }
    sign_in(env, "bob@example.com", PASSWORD)
        .await
        .expect("nothing changed");
}

async fn reset_by_email_is_unavailable_without_smtp(env: &TestEnv) {
    env.sign_up("bob@example.com").await;
    assert!(!by_email_available(&env.svc));
    let refused = request_password_reset(&env.svc, "bob@example.com", &env.client()).await;
    assert!(matches!(refused, Err(Error::Unavailable(_))), "{refused:?}");
    let refused = request_password_reset(&env.svc, "nobody@example.com", &env.client()).await;
    assert!(matches!(refused, Err(Error::Unavailable(_))), "{refused:?}");
}

async fn a_reset_lifts_the_sign_in_guess_limit(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let bob = env
        .join_only(org_of(&owner), "bob@example.com", Role::Member)
        .await;
    let mut limited = false;
    for _ in 0..20 {
        match sign_in(env, "bob@example.com", "Wrong-Password-1").await {
            Err(Error::InvalidCredentials) => {}
            Err(Error::RateLimited { .. }) => {
                limited = true;
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(limited, "the guess limit kicks in");
    let refused = sign_in(env, "bob@example.com", PASSWORD).await;
    assert!(
        matches!(refused, Err(Error::RateLimited { .. })),
        "even the right password waits: {refused:?}"
    );
    let token = link_for(env, &owner, &bob).await;
    reset_password(&env.svc, &token, NEW_PASSWORD, &env.client())
        .await
        .expect("reset");
    sign_in(env, "bob@example.com", NEW_PASSWORD)
        .await
        .expect("the reset lifted the limit");
}

async fn of_two_simultaneous_uses_of_one_link_exactly_one_succeeds(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let bob = env
        .join_only(org_of(&owner), "bob@example.com", Role::Member)
        .await;
    let token = link_for(env, &owner, &bob).await;
    let passwords = ["First-Choice-Pass-1", "Second-Choice-Pass-2"];
    let attempts = passwords.map(|password| {
        let svc = env.svc.clone();
        let token = token.clone();
        let client = env.client();
        tokio::spawn(async move { reset_password(&svc, &token, password, &client).await })
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
    let winner = usize::from(results[0].is_err());
    let loser = results
        .into_iter()
        .find(Result::is_err)
        .expect("one refused");
    expect_gone_as_one_of(
        loser,
        &[
            Lapse::ResetLinkUsed,
            Lapse::ResetLinkUnusable,
            Lapse::ResetLinkOutdated,
        ],
    );
    sign_in(env, "bob@example.com", passwords[winner])
        .await
        .expect("the winner's password holds");
    let other = sign_in(env, "bob@example.com", passwords[1 - winner]).await;
    assert!(matches!(other, Err(Error::InvalidCredentials)), "{other:?}");
}

/// The reset link in a received mail's text.
fn reset_link_in(text: &str) -> String {
    let prefix = format!("{PUBLIC_URL}/reset-password/");
    text.lines()
        .map(str::trim)
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no reset link in {text:?}"))
        .to_string()
}

/// Plain SQLite test with a real SMTP server.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_requested_reset_is_emailed_and_its_link_works() {
    let smtp = MailServer::start().await;
    let env = smtp.env().await;
    assert!(by_email_available(&env.svc));
    let bob = env.sign_up("bob@example.com").await;
    env.actor(&bob).await;
    smtp.verification_link().await;
    smtp.clear();
    request_password_reset(&env.svc, "  Bob@Example.com ", &env.client())
        .await
        .expect("request");
    let mail = smtp.wait_for(1).await.remove(0);
    assert!(
        mail.header("to")
            .is_some_and(|to| to.contains("bob@example.com")),
        "{:?}",
        mail.headers
    );
    assert!(
        mail.header("subject")
            .is_some_and(|s| s.contains("Reset your Gatehouse password")),
        "{:?}",
        mail.headers
    );
    assert!(
        mail.content_type.starts_with("multipart/alternative"),
        "{}",
        mail.content_type
    );
    let link = reset_link_in(&mail.text);
    assert!(
        mail.html.contains(&format!("href=\"{link}\"")),
        "html: {}",
        mail.html
    );
    let token = token_of(&link);
    assert_eq!(
        reset_link_email(&env.svc, &token).await.expect("valid"),
        "bob@example.com"
    );
    reset_password(&env.svc, &token, NEW_PASSWORD, &env.client())
        .await
        .expect("reset through the emailed link");
    assert!(matches!(
        env.resolve_on(&env.svc, &bob).await,
        Resolved::Ended(EndReason::PasswordReset)
    ));
    sign_in(&env, "bob@example.com", NEW_PASSWORD)
        .await
        .expect("new password");
    let malformed = request_password_reset(&env.svc, "not an email", &env.client()).await;
    assert!(
        matches!(malformed, Err(Error::Validation(_))),
        "{malformed:?}"
    );
    env.finish().await;
}

/// Plain SQLite test with a real SMTP server: the answer is the same, but nothing is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reset_requested_for_an_unknown_email_sends_nothing() {
    let smtp = MailServer::start().await;
    let env = smtp.env().await;
    env.sign_up("bob@example.com").await;
    smtp.verification_link().await;
    smtp.clear();
    request_password_reset(&env.svc, "nobody@example.com", &env.client())
        .await
        .expect("the same answer as for an account");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(smtp.messages().is_empty(), "no mail for an unknown address");

    // The server does deliver: a known address gets exactly one message.
    request_password_reset(&env.svc, "bob@example.com", &env.client())
        .await
        .expect("request");
    let received = smtp.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received_after = smtp.messages();
    assert_eq!(received.len(), 1);
    assert_eq!(received_after.len(), 1, "nothing else arrived");
    assert!(
        received[0]
            .header("to")
            .is_some_and(|to| to.contains("bob@example.com"))
    );
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM password_resets")
        .fetch_one(env.svc.db.pool())
        .await
        .expect("count");
    assert_eq!(stored, 1, "a link was stored for the account only");
    env.finish().await;
}
