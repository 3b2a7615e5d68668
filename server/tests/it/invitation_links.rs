//! An invitation link's life: it expires after 7 days, a resend replaces it, a revoke kills it,
//! it dies with its sender's right to invite, and (with a real SMTP server) it is emailed.

use std::time::Duration;

use gatehouse_server::error::Lapse;
use gatehouse_server::invitations::{self, Status};
use gatehouse_server::sign_in;
use gatehouse_server::{Error, Role};

use crate::expect::{expect_gone, expect_not_found};
use crate::invitations::{TTL, accept_new, invite, status};
use crate::on_both_databases;
use crate::support::{
    MailServer, PASSWORD, PUBLIC_URL, START, TestEnv, acme_owner, org_of, token_of,
};

on_both_databases!(
    an_invitation_expires_after_seven_days_and_a_resend_renews_it,
    a_resent_invitation_replaces_the_old_link,
    a_revoked_invitation_cannot_be_used,
    an_invitation_dies_with_its_senders_right_to_invite,
);

async fn an_invitation_expires_after_seven_days_and_a_resend_renews_it(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let issued = invite(env, &owner, "late@example.com", "member").await;
    let token = token_of(&issued.link);
    env.clock.advance(TTL - Duration::from_secs(1));
    assert_eq!(
        status(env, &token).await,
        Status::Pending,
        "valid to the end"
    );
    env.clock.advance(Duration::from_secs(1));
    assert_eq!(status(env, &token).await, Status::Expired);
    expect_gone(
        accept_new(env, &token, "Late Comer").await,
        Lapse::InvitationExpired,
    );
    let listed = invitations::list_invitations(&env.svc, &owner)
        .await
        .expect("list");
    assert_eq!(
        listed.iter().map(|i| (i.id, i.status)).collect::<Vec<_>>(),
        [(issued.id, Status::Expired)],
        "expired invitations stay listed, marked"
    );
    let no_account = sign_in::sign_in(
        &env.svc,
        "late@example.com",
        PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await
    .map(crate::support::session);
    assert!(
        matches!(no_account, Err(Error::InvalidCredentials)),
        "the refused accept created no account: {no_account:?}"
    );

    let renewed = invitations::resend_invitation(&env.svc, &owner, &issued.id.to_string(), true)
        .await
        .expect("resend an expired invitation");
    assert_eq!(renewed.id, issued.id);
    assert_eq!(
        renewed.expires_at,
        START.plus(TTL).plus(TTL),
        "seven days from now"
    );
    expect_not_found(invitations::invitation_details(&env.svc, &token).await);
    let new_token = token_of(&renewed.link);
    assert_eq!(status(env, &new_token).await, Status::Pending);
    let listed = invitations::list_invitations(&env.svc, &owner)
        .await
        .expect("list");
    assert_eq!(
        listed.iter().map(|i| (i.id, i.status)).collect::<Vec<_>>(),
        [(issued.id, Status::Pending)]
    );
    let signed_in = accept_new(env, &new_token, "Late Comer")
        .await
        .expect("accept")
        .expect("session");
    assert_eq!(
        env.caller(&signed_in).await.org.map(|o| o.id),
        Some(org_of(&owner))
    );
}

async fn a_resent_invitation_replaces_the_old_link(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let issued = invite(env, &owner, "sam@example.com", "admin").await;
    let old = token_of(&issued.link);
    env.clock.advance(Duration::from_secs(3600));
    let resent = invitations::resend_invitation(&env.svc, &owner, &issued.id.to_string(), true)
        .await
        .expect("resend");
    let new = token_of(&resent.link);
    assert_ne!(old, new);
    assert_eq!(resent.id, issued.id);
    assert!(!resent.emailed);
    assert_eq!(
        resent.expires_at,
        START.plus(Duration::from_secs(3600)).plus(TTL)
    );
    expect_not_found(invitations::invitation_details(&env.svc, &old).await);
    expect_not_found(accept_new(env, &old, "Sam").await);
    assert_eq!(
        invitations::list_invitations(&env.svc, &owner)
            .await
            .expect("list")
            .len(),
        1,
        "one invitation, not two"
    );

    let sam = accept_new(env, &new, "Sam")
        .await
        .expect("the new link works")
        .expect("session");
    assert_eq!(
        env.caller(&sam).await.org.map(|o| o.role),
        Some(Role::Admin)
    );
    expect_gone(
        invitations::resend_invitation(&env.svc, &owner, &issued.id.to_string(), true).await,
        Lapse::InvitationUsed,
    );
    expect_gone(
        invitations::revoke_invitation(&env.svc, &owner, &issued.id.to_string()).await,
        Lapse::InvitationUsed,
    );
}

async fn a_revoked_invitation_cannot_be_used(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let issued = invite(env, &owner, "rita@example.com", "member").await;
    let token = token_of(&issued.link);
    let id = issued.id.to_string();
    invitations::revoke_invitation(&env.svc, &owner, &id)
        .await
        .expect("revoke");
    assert_eq!(status(env, &token).await, Status::Revoked);
    expect_gone(
        accept_new(env, &token, "Rita").await,
        Lapse::InvitationRevoked,
    );
    assert!(
        invitations::list_invitations(&env.svc, &owner)
            .await
            .expect("list")
            .is_empty()
    );
    expect_gone(
        invitations::revoke_invitation(&env.svc, &owner, &id).await,
        Lapse::InvitationRevoked,
    );
    expect_gone(
        invitations::resend_invitation(&env.svc, &owner, &id, true).await,
        Lapse::InvitationRevoked,
    );
    let again = invite(env, &owner, "rita@example.com", "member").await;
    assert_ne!(again.id, issued.id);
    assert_eq!(status(env, &token_of(&again.link)).await, Status::Pending);
    assert_eq!(
        status(env, &token).await,
        Status::Revoked,
        "the old link stays dead"
    );
}

async fn an_invitation_dies_with_its_senders_right_to_invite(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let admin = env.join(acme, "admin@example.com", Role::Admin).await;
    let admin = env.actor(&admin).await;
    let issued = invite(env, &admin, "new@example.com", "member").await;
    gatehouse_server::members::update_member_role(
        &env.svc,
        &owner,
        &admin.user_id.to_string(),
        "member",
    )
    .await
    .expect("demote the sender");
    let token = token_of(&issued.link);
    expect_gone(
        accept_new(env, &token, "Nina New").await,
        Lapse::InviterMayNoLongerInvite,
    );
    // Nothing was used up: the link is still pending for an Owner to resend.
    assert_eq!(status(env, &token).await, Status::Pending);
}

/// Plain SQLite test with a real SMTP server: the invitation goes out as text and HTML.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_invitation_is_emailed_with_its_link() {
    let smtp = MailServer::start().await;
    let env = smtp.env().await;
    let signed_in = env
        .sign_up_as("Olive Owner", "owner@example.com", "Acme")
        .await;
    smtp.verify_by_mail(&env).await;
    let owner = env.actor(&signed_in).await;
    let issued = invite(&env, &owner, "New@Example.com", "admin").await;
    assert!(issued.emailed, "delivered to the SMTP server");
    assert!(
        issued.link.starts_with(&format!("{PUBLIC_URL}/invite/")),
        "{}",
        issued.link
    );
    let mail = smtp.wait_for(1).await.remove(0);
    eprintln!("received headers: {:?}", mail.headers);
    assert!(
        mail.header("to")
            .is_some_and(|to| to.contains("new@example.com")),
        "{:?}",
        mail.headers
    );
    assert!(
        mail.header("from")
            .is_some_and(|from| from.contains("no-reply@example.com")),
        "{:?}",
        mail.headers
    );
    let subject = mail.header("subject").expect("a subject");
    assert!(
        subject.contains("Olive Owner") && subject.contains("Acme"),
        "{subject}"
    );
    assert!(
        mail.content_type.starts_with("multipart/alternative"),
        "{}",
        mail.content_type
    );
    assert!(mail.text.contains(&issued.link), "text: {}", mail.text);
    assert!(mail.text.contains("as Admin"), "text: {}", mail.text);
    assert!(
        mail.html.contains(&format!("href=\"{}\"", issued.link)),
        "html: {}",
        mail.html
    );
    assert!(
        mail.html.contains("<strong>Acme</strong>"),
        "html: {}",
        mail.html
    );

    // The link in the mail is the one that works.
    let link = mail
        .text
        .lines()
        .find(|line| line.starts_with(PUBLIC_URL))
        .expect("a link line");
    let signed_in = accept_new(&env, &token_of(link.trim()), "New Person")
        .await
        .expect("accept")
        .expect("session");
    assert_eq!(
        env.caller(&signed_in).await.org.map(|o| (o.id, o.role)),
        Some((org_of(&owner), Role::Admin))
    );
    env.finish().await;
}

/// Plain SQLite test with a real SMTP server: a resend mails the new link only when asked to.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_resend_emails_the_new_link_when_asked() {
    let smtp = MailServer::start().await;
    let env = smtp.env().await;
    let signed_in = env
        .sign_up_as("Olive Owner", "owner@example.com", "Acme")
        .await;
    smtp.verify_by_mail(&env).await;
    let owner = env.actor(&signed_in).await;
    let issued = invite(&env, &owner, "again@example.com", "member").await;
    assert!(issued.emailed);
    smtp.wait_for(1).await;

    let quiet = invitations::resend_invitation(&env.svc, &owner, &issued.id.to_string(), false)
        .await
        .expect("resend without email");
    assert!(!quiet.emailed);
    let loud = invitations::resend_invitation(&env.svc, &owner, &issued.id.to_string(), true)
        .await
        .expect("resend with email");
    assert!(loud.emailed);
    let received = smtp.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), 2, "the quiet resend sent nothing");
    let last = received.last().expect("the resent mail");
    assert!(last.text.contains(&loud.link), "text: {}", last.text);
    assert!(!last.text.contains(&quiet.link));
    expect_not_found(invitations::invitation_details(&env.svc, &token_of(&quiet.link)).await);
    assert_eq!(status(&env, &token_of(&loud.link)).await, Status::Pending);
    env.finish().await;
}

/// Plain SQLite test: with SMTP configured but unreachable, the invitation is still issued and
/// the inviter is told the email did not go out.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_undeliverable_invitation_is_still_issued() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let config = gatehouse_server::ServiceConfig {
        mail: Some(gatehouse_server::config::MailSettings {
            smtp_url: format!("smtp://127.0.0.1:{port}"),
            from: "Gatehouse <no-reply@example.com>".into(),
        }),
        ..gatehouse_server::ServiceConfig::default()
    };
    let env = TestEnv::sqlite_with(config).await;
    let owner = crate::support::verified_acme_owner(&env).await;
    let issued = invite(&env, &owner, "lost@example.com", "member").await;
    assert!(!issued.emailed, "nothing listens on port {port}");
    assert_eq!(
        status(&env, &token_of(&issued.link)).await,
        Status::Pending,
        "the link works anyway"
    );
    assert_eq!(
        invitations::list_invitations(&env.svc, &owner)
            .await
            .expect("list")
            .len(),
        1
    );
    env.finish().await;
}
