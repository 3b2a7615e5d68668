//! Backup codes and turning MFA off, with authenticator codes from Debian's `oathtool` (helpers
//! in `mfa.rs`).

use gatehouse_server::MfaState;
use gatehouse_server::error::{Denial, Lapse, Problem};
use gatehouse_server::mfa;

use crate::expect::{expect_denied, expect_gone};
use crate::mfa::*;
use crate::on_both_databases;
use crate::support::{TestEnv, acme_owner, session};

on_both_databases!(
    backup_codes_work_once_each_in_any_order_and_any_spelling,
    new_backup_codes_need_a_code_and_retire_the_old_set,
    turning_mfa_off_needs_a_code_and_brings_back_password_only_sign_in,
);

async fn backup_codes_work_once_each_in_any_order_and_any_spelling(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (_, codes) = enroll(env, &owner).await;
    let first = pending_sign_in(env, OWNER_EMAIL).await;
    let done = second_step(env, &first, &codes[0])
        .await
        .expect("a backup code");
    assert_eq!(done.backup_codes_left, Some(9));
    assert_eq!(env.actor(&done.signed_in).await.mfa.backup_codes_left, 9);
    let again = pending_sign_in(env, OWNER_EMAIL).await;
    expect_code_refused(env, &again, &codes[0]).await;

    let spellings = [
        codes[9].to_uppercase(),
        codes[4].replace('-', " "),
        codes[7].replace('-', ""),
        format!("  {}  ", codes[2].to_uppercase().replace('-', " - ")),
    ];
    let mut left = 9;
    for spelling in &spellings {
        let pending = pending_sign_in(env, OWNER_EMAIL).await;
        let done = second_step(env, &pending, spelling)
            .await
            .unwrap_or_else(|e| panic!("{spelling:?}: {e}"));
        left -= 1;
        assert_eq!(done.backup_codes_left, Some(left), "{spelling:?}");
    }
    let last = pending_sign_in(env, OWNER_EMAIL).await;
    expect_code_refused(env, &last, &codes[9]).await;
    // Another account's codes are not this one's.
    let bob = env.sign_up("bob@example.com").await;
    let (_, bob_codes) = enroll(env, &env.caller(&bob).await).await;
    expect_code_refused(env, &last, &bob_codes[0]).await;
    let done = second_step(env, &last, &codes[1])
        .await
        .expect("an unused code");
    assert_eq!(done.backup_codes_left, Some(4));
    let used = audit_count(env, "mfa.backup_code_used", owner.user_id).await;
    assert_eq!(used, 6, "every backup code used is audited");
}

async fn new_backup_codes_need_a_code_and_retire_the_old_set(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let off = mfa::regenerate_backup_codes(&env.svc, &owner, "123456").await;
    expect_denied(off, Denial::MfaNotOn);
    let (secret, old) = enroll(env, &owner).await;
    let wrong = wrong_code(env, &secret);
    let refused = mfa::regenerate_backup_codes(&env.svc, &owner, &wrong).await;
    expect_invalid(refused, "code", Problem::WrongCode);
    let refused = mfa::regenerate_backup_codes(&env.svc, &owner, "").await;
    expect_invalid(refused, "code", Problem::MalformedCode);
    let fresh = mfa::regenerate_backup_codes(&env.svc, &owner, &next_code(env, &secret))
        .await
        .expect("regenerate");
    let new = fresh.codes().to_vec();
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|code| !old.contains(code)), "{new:?}");

    let pending = pending_sign_in(env, OWNER_EMAIL).await;
    for retired in &old[..3] {
        expect_code_refused(env, &pending, retired).await;
    }
    let done = second_step(env, &pending, &new[0])
        .await
        .expect("a new code");
    assert_eq!(done.backup_codes_left, Some(9));
    let regenerated = audit_count(env, "mfa.backup_codes_regenerated", owner.user_id).await;
    assert_eq!(regenerated, 1);
}

async fn turning_mfa_off_needs_a_code_and_brings_back_password_only_sign_in(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let off = mfa::disable(&env.svc, &owner, "123456").await;
    expect_denied(off, Denial::MfaNotOn);
    let (secret, codes) = enroll(env, &owner).await;
    let waiting = pending_sign_in(env, OWNER_EMAIL).await;
    let wrong = wrong_code(env, &secret);
    let refused = mfa::disable(&env.svc, &owner, &wrong).await;
    expect_invalid(refused, "code", Problem::WrongCode);
    let used = totp_at(&secret, now_secs(env));
    let refused = mfa::disable(&env.svc, &owner, &used).await;
    expect_invalid(refused, "code", Problem::WrongCode);
    assert!(mfa_is_on(env, owner.user_id).await);

    mfa::disable(&env.svc, &owner, &next_code(env, &secret))
        .await
        .expect("disable");
    assert!(!mfa_is_on(env, owner.user_id).await);
    // A sign-in that was waiting for its second step goes with it.
    expect_gone(
        second_step(env, &waiting, &codes[0]).await,
        Lapse::SignInExpired,
    );
    let signed_in = session(password_step(env, OWNER_EMAIL).await);
    assert_eq!(env.actor(&signed_in).await.mfa, MfaState::default());
    let off = mfa::disable(&env.svc, &owner, &codes[1]).await;
    expect_denied(off, Denial::MfaNotOn);
    assert_eq!(audit_count(env, "mfa.enabled", owner.user_id).await, 1);
    assert_eq!(audit_count(env, "mfa.disabled", owner.user_id).await, 1);

    // It can be set up again, with a new secret.
    let (again, _) = enroll(env, &owner).await;
    assert_ne!(again, secret);
    pending_sign_in(env, OWNER_EMAIL).await;
}
