//! Sensitive changes need recent proof of presence: a sign-in within ten minutes, or the
//! password or a current code given with the change. A stolen session cookie alone cannot turn
//! MFA on (locking the owner out), change the security policy or unlink a provider.

use std::time::Duration;

use gatehouse_server::{Error, mfa, security_policy};

use crate::mfa::{enroll, now_secs, totp_at};
use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv};

on_both_databases!(
    a_fresh_sign_in_counts_as_proof_for_ten_minutes,
    later_the_password_or_a_current_code_is_asked_for_and_counts_again,
);

const ELEVEN_MINUTES: Duration = Duration::from_secs(11 * 60);

fn expect_proof_required<T: std::fmt::Debug>(result: Result<T, Error>) {
    assert!(matches!(result, Err(Error::ProofRequired)), "{result:?}");
}

fn expect_wrong_proof<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::Validation(fields)) => {
            assert!(
                fields.iter().any(|(field, _)| field == "proof"),
                "{fields:?}"
            )
        }
        other => panic!("expected a wrong-proof answer, got {other:?}"),
    }
}

async fn policy(
    env: &TestEnv,
    actor: &gatehouse_server::Actor,
    proof: Option<&str>,
) -> Result<(), Error> {
    security_policy::update_security_policy(
        &env.svc,
        actor,
        true,
        &["member".into()],
        7,
        None,
        proof,
    )
    .await
    .map(drop)
}

async fn a_fresh_sign_in_counts_as_proof_for_ten_minutes(env: &TestEnv) {
    let ada = env.sign_up("ada@example.com").await;
    env.clock.advance(Duration::from_secs(9 * 60));
    policy(env, &env.actor(&ada).await, None)
        .await
        .expect("within ten minutes of signing in");
    env.clock.advance(Duration::from_secs(2 * 60));
    expect_proof_required(policy(env, &env.actor(&ada).await, None).await);
    expect_proof_required(mfa::start_enrollment(&env.svc, &env.caller(&ada).await, None).await);
    let unlink =
        gatehouse_server::oauth::unlink_identity(&env.svc, &env.actor(&ada).await, "google", None)
            .await;
    expect_proof_required(unlink);
    let restriction = gatehouse_server::oauth::update_sign_in_restriction(
        &env.svc,
        &env.actor(&ada).await,
        Some("google"),
        true,
        None,
    )
    .await;
    expect_proof_required(restriction);
}

async fn later_the_password_or_a_current_code_is_asked_for_and_counts_again(env: &TestEnv) {
    let ada = env.sign_up("ada@example.com").await;
    env.clock.advance(ELEVEN_MINUTES);
    expect_wrong_proof(policy(env, &env.actor(&ada).await, Some("Not-The-Password-1")).await);
    expect_wrong_proof(policy(env, &env.actor(&ada).await, Some("123456")).await);
    policy(env, &env.actor(&ada).await, Some(PASSWORD))
        .await
        .expect("the password proves it");
    // Proven: the next ten minutes need nothing more.
    mfa::start_enrollment(&env.svc, &env.caller(&ada).await, None)
        .await
        .expect("no proof needed again yet");

    let (secret, _) = enroll(env, &env.caller(&ada).await).await;
    env.clock.advance(ELEVEN_MINUTES);
    expect_proof_required(policy(env, &env.actor(&ada).await, None).await);
    let code = totp_at(&secret, now_secs(env));
    policy(env, &env.actor(&ada).await, Some(&code))
        .await
        .expect("a current code proves it");
}
