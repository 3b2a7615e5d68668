//! Security notices reach the account's owner through a real SMTP server (aiosmtpd): what
//! happened, when, from which device and address, and what to do if it was not them.

use std::time::Duration;

use gatehouse_server::sign_in;
use gatehouse_server::{ClientInfo, accounts};

use crate::support::{CapturedMail, MailServer, PASSWORD, PUBLIC_URL, TestEnv};

/// The mails to `to` whose subject is `subject`, after giving background delivery a moment.
async fn notices(smtp: &MailServer, to: &str, subject: &str) -> Vec<CapturedMail> {
    tokio::time::sleep(Duration::from_millis(500)).await;
    smtp.messages()
        .into_iter()
        .filter(|m| m.header("to").is_some_and(|t| t.contains(to)))
        .filter(|m| m.header("subject").as_deref() == Some(subject))
        .collect()
}

async fn sign_in_from(env: &TestEnv, client: &ClientInfo) {
    sign_in::sign_in(&env.svc, "ada@example.com", PASSWORD, None, client, None)
        .await
        .map(crate::support::session)
        .expect("sign in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_password_change_is_told_with_when_device_address_and_advice() {
    let smtp = MailServer::start().await;
    let env = smtp.env().await;
    let ada = env.sign_up("ada@example.com").await;
    accounts::change_password(
        &env.svc,
        &env.actor(&ada).await,
        PASSWORD,
        "Another-Pass-77",
    )
    .await
    .expect("change");
    smtp.wait_for(2).await; // the verification mail and the notice
    let told = notices(
        &smtp,
        "ada@example.com",
        "Your Gatehouse password was changed",
    )
    .await;
    assert_eq!(told.len(), 1, "one notice");
    let text = &told[0].text;
    for expected in [
        "The password of your Gatehouse account was changed.",
        "When: 2026-",
        "Device: Firefox on Linux",
        "IP address: 203.0.113.7",
        "If this was not you",
        &format!("{PUBLIC_URL}/settings/security"),
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    assert!(told[0].html.contains("Firefox on Linux"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_a_sign_in_from_a_device_not_seen_before_is_told() {
    let smtp = MailServer::start().await;
    let env = smtp.env().await;
    env.sign_up("ada@example.com").await;
    // The device she signed up on is not news, nor is it on later sign-ins.
    sign_in_from(&env, &env.client()).await;
    sign_in_from(&env, &env.client()).await;
    let subject = "New sign-in to your Gatehouse account";
    assert!(notices(&smtp, "ada@example.com", subject).await.is_empty());

    let phone = ClientInfo::new(
        Some("198.51.100.23".into()),
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 \
         (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
    );
    sign_in_from(&env, &phone).await;
    smtp.wait_for(2).await; // the verification mail and the notice
    let told = notices(&smtp, "ada@example.com", subject).await;
    assert_eq!(told.len(), 1);
    assert!(
        told[0].text.contains("IP address: 198.51.100.23"),
        "{}",
        told[0].text
    );
    assert!(
        told[0].text.contains("Device: Mobile Safari on iOS"),
        "{}",
        told[0].text
    );
    // Known from now on, even after its sessions are gone.
    sign_in_from(&env, &phone).await;
    assert_eq!(notices(&smtp, "ada@example.com", subject).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn turning_mfa_on_is_told() {
    let smtp = MailServer::start().await;
    let env = smtp.env().await;
    let ada = env.sign_up("ada@example.com").await;
    crate::mfa::enroll(&env, &env.caller(&ada).await).await;
    smtp.wait_for(2).await; // the verification mail and the notice
    let told = notices(
        &smtp,
        "ada@example.com",
        "Multi-factor authentication is on",
    )
    .await;
    assert_eq!(told.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_wrong_code_that_starts_a_wait_is_told() {
    let smtp = MailServer::start().await;
    let env = smtp.env().await;
    let ada = env.sign_up("ada@example.com").await;
    let (secret, _) = crate::mfa::enroll(&env, &env.caller(&ada).await).await;
    let subject = "Sign-in codes for your Gatehouse account are locked";
    for attempt in 0..20 {
        // Five wrong codes per five minutes are allowed; the twentieth in a row starts a wait.
        if attempt > 0 && attempt % 5 == 0 {
            env.clock.advance(Duration::from_secs(5 * 60 + 1));
        }
        let wrong = crate::mfa::wrong_code(&env, &secret);
        let refused =
            gatehouse_server::mfa::disable(&env.svc, &env.actor(&ada).await, &wrong).await;
        assert!(refused.is_err(), "attempt {attempt}");
        if attempt == 18 {
            assert!(
                notices(&smtp, "ada@example.com", subject).await.is_empty(),
                "not yet"
            );
        }
    }
    let told = notices(&smtp, "ada@example.com", subject).await;
    assert_eq!(told.len(), 1);
    assert!(
        told[0].text.contains("Codes are refused until"),
        "{}",
        told[0].text
    );
    assert!(
        told[0].text.contains("change your password"),
        "{}",
        told[0].text
    );
}
