//! Multi-factor authentication of one account: enrolling an authenticator, the second step of
//! sign-in and its guess limit (backup codes and turning MFA off: `mfa_backup_codes.rs`). Authenticator codes come from Debian's `oathtool`,
//! never from the server's own TOTP code. The helpers at the top are shared with `mfa_policy.rs`.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::process::Command;
use std::time::Duration;

use gatehouse_server::MfaState;
use gatehouse_server::config::ServiceConfig;
use gatehouse_server::error::{Lapse, Problem};
use gatehouse_server::mfa::{self, MfaSignedIn, PendingSignIn};
use gatehouse_server::sign_in::{self, SignInStep};
use gatehouse_server::{Clock, Db, Error, Services, UserId};

use crate::expect::{expect_conflict, expect_gone};
use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv, acme_owner, org_of, session};

on_both_databases!(
    enrolling_takes_start_confirm_and_activate_and_only_then_asks_for_a_code,
    an_unfinished_enrollment_protects_nothing_and_expires_after_thirty_minutes,
    the_secret_is_sealed_and_a_server_with_another_key_does_not_start,
    the_second_step_issues_a_session_and_codes_and_pending_sign_ins_work_once,
    five_wrong_codes_lock_every_code_check_for_five_minutes,
);

// ---- mfa_support: shared with mfa_policy.rs ----

/// One authenticator time step.
pub(crate) const STEP: Duration = Duration::from_secs(30);
/// Whom [`acme_owner`] signs up.
pub(crate) const OWNER_EMAIL: &str = "owner@example.com";

/// What an authenticator app shows for `secret` (base32, no spaces) at `unix_secs`, computed by
/// `oathtool`.
pub(crate) fn totp_at(secret: &str, unix_secs: i64) -> String {
    let output = Command::new("oathtool")
        .args(["--totp", "-b", secret, "-N"])
        .arg(format!("@{unix_secs}"))
        .output()
        .expect("run oathtool (Debian package `oathtool`)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "oathtool failed: {stderr}");
    let code = String::from_utf8_lossy(&output.stdout).trim().to_string();
    assert_eq!(code.len(), 6, "oathtool printed {code:?}");
    code
}

/// The test clock, in Unix seconds.
pub(crate) fn now_secs(env: &TestEnv) -> i64 {
    env.clock.now().as_millis() / 1000
}

/// The code of the step after the current one (one step of drift is accepted). [`enroll`] used
/// the current step, so this is the first code after it that is not a replay.
pub(crate) fn next_code(env: &TestEnv, secret: &str) -> String {
    totp_at(secret, now_secs(env) + 30)
}

/// Six digits that are none of the codes `secret` accepts now (previous, current, next step).
pub(crate) fn wrong_code(env: &TestEnv, secret: &str) -> String {
    let now = now_secs(env);
    let valid = [now - 30, now, now + 30].map(|t| totp_at(secret, t));
    (0..10)
        .map(|digit| digit.to_string().repeat(6))
        .find(|code| !valid.contains(code))
        .expect("at most three of ten codes are valid")
}

/// Turns MFA on for `actor` as the settings screen does — start, confirm with the current code,
/// activate — and returns the secret (base32 without spaces) and the ten backup codes.
pub(crate) async fn enroll(
    env: &TestEnv,
    actor: &gatehouse_server::Caller,
) -> (String, Vec<String>) {
    let enrollment = mfa::start_enrollment(&env.svc, actor, Some(PASSWORD))
        .await
        .expect("start");
    let secret = enrollment.secret.replace(' ', "");
    let codes = mfa::confirm_enrollment(&env.svc, actor, &totp_at(&secret, now_secs(env)))
        .await
        .expect("confirm");
    mfa::activate(&env.svc, actor).await.expect("activate");
    (secret, codes.codes().to_vec())
}

/// A password sign-in (the password is right).
pub(crate) async fn password_step(env: &TestEnv, email: &str) -> SignInStep {
    sign_in::sign_in(&env.svc, email, PASSWORD, None, &env.client(), None)
        .await
        .expect("the password is accepted")
}

/// A password sign-in that must stop at the second step.
pub(crate) async fn pending_sign_in(env: &TestEnv, email: &str) -> PendingSignIn {
    match password_step(env, email).await {
        SignInStep::SecondFactor(pending) => pending,
        SignInStep::Done(signed_in) => panic!("{email}: expected the MFA step, got {signed_in:?}"),
    }
}

/// The second step with `code` is refused as a wrong code; the pending sign-in stays.
pub(crate) async fn expect_code_refused(env: &TestEnv, pending: &PendingSignIn, code: &str) {
    expect_invalid(
        second_step(env, pending, code).await,
        "code",
        Problem::WrongCode,
    );
}

pub(crate) async fn second_step(
    env: &TestEnv,
    pending: &PendingSignIn,
    code: &str,
) -> Result<MfaSignedIn, Error> {
    mfa::verify_sign_in(&env.svc, pending.token.expose(), code, &env.client(), None).await
}

/// Audit rows of `action` written with `actor` as the actor.
pub(crate) async fn audit_count(env: &TestEnv, action: &str, actor: UserId) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = $1 AND actor_id = $2")
        .bind(action)
        .bind(actor.to_string())
        .fetch_one(env.svc.db.pool())
        .await
        .expect("count audit rows")
}

/// `Validation`, with `problem` among the problems of `field`.
pub(crate) fn expect_invalid(result: Result<impl Debug, Error>, field: &str, problem: Problem) {
    match result {
        Err(Error::Validation(errors)) => assert!(
            errors.of(field).contains(&problem),
            "expected {problem:?} on {field:?}, got {errors:?}"
        ),
        other => panic!("expected Validation of {field:?} ({problem:?}), got {other:?}"),
    }
}

pub(crate) async fn mfa_is_on(env: &TestEnv, user: UserId) -> bool {
    mfa::is_enabled(&env.svc, user).await.expect("read")
}

// ---- cases ----

async fn enrolling_takes_start_confirm_and_activate_and_only_then_asks_for_a_code(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let enrollment = mfa::start_enrollment(&env.svc, &owner, None)
        .await
        .expect("start");
    let secret = enrollment.secret.replace(' ', "");
    assert_eq!(enrollment.secret.split(' ').count(), 8, "groups of four");
    assert_eq!(secret.len(), 32, "160 bits");
    let uri = &enrollment.otpauth_uri;
    assert!(
        uri.starts_with("otpauth://totp/Gatehouse:owner%40example.com?"),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(enrollment.qr_svg.starts_with("<svg"));

    let backup = mfa::confirm_enrollment(&env.svc, &owner, &totp_at(&secret, now_secs(env)))
        .await
        .expect("oathtool's code confirms");
    let codes = backup.codes();
    assert_eq!((codes.len(), mfa::BACKUP_CODE_COUNT), (10, 10));
    assert_eq!(codes.iter().collect::<BTreeSet<_>>().len(), 10, "distinct");
    assert!(codes.iter().all(|c| c.len() == 14), "{codes:?}");

    // Confirmed but not activated: nothing is protected yet.
    assert!(!mfa_is_on(env, owner.user_id).await);
    let before = session(password_step(env, OWNER_EMAIL).await);
    assert_eq!(env.actor(&before).await.mfa, MfaState::default());

    mfa::activate(&env.svc, &owner).await.expect("activate");
    assert!(mfa_is_on(env, owner.user_id).await);
    let pending = pending_sign_in(env, OWNER_EMAIL).await;
    assert_eq!(pending.expires_at, env.clock.now().plus(mfa::CHALLENGE_TTL));
    // The session cached before activation is read afresh.
    let actor = env.actor(&before).await;
    assert!(actor.mfa.enabled);
    assert_eq!(actor.mfa.backup_codes_left, 10);
    assert_eq!(actor.mfa.required_by, None);
    expect_conflict(mfa::activate(&env.svc, &owner).await);
    for action in ["mfa.enrollment_started", "mfa.enabled"] {
        assert_eq!(audit_count(env, action, owner.user_id).await, 1, "{action}");
    }
}

async fn an_unfinished_enrollment_protects_nothing_and_expires_after_thirty_minutes(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let nothing_started = mfa::confirm_enrollment(&env.svc, &owner, "123456").await;
    expect_gone(nothing_started, Lapse::NoMfaSetUp);
    expect_gone(mfa::activate(&env.svc, &owner).await, Lapse::NoMfaSetUp);

    let abandoned = mfa::start_enrollment(&env.svc, &owner, None)
        .await
        .expect("start");
    let secret = abandoned.secret.replace(' ', "");
    expect_invalid(
        mfa::activate(&env.svc, &owner).await,
        "code",
        Problem::UnconfirmedEnrollment,
    );
    let wrong = wrong_code(env, &secret);
    let refused = mfa::confirm_enrollment(&env.svc, &owner, &wrong).await;
    expect_invalid(refused, "code", Problem::WrongCode);
    let refused = mfa::confirm_enrollment(&env.svc, &owner, "12345").await;
    expect_invalid(refused, "code", Problem::MalformedTotpCode);
    assert!(!mfa_is_on(env, owner.user_id).await);
    let signed_in = session(password_step(env, OWNER_EMAIL).await);
    assert_eq!(env.actor(&signed_in).await.mfa, MfaState::default());
    let row = crate::deactivation::member_row(env, &owner, OWNER_EMAIL).await;
    assert!(!row.mfa_enabled, "{row:?}");

    env.clock.advance(mfa::ENROLLMENT_TTL);
    let late = totp_at(&secret, now_secs(env));
    expect_gone(
        mfa::confirm_enrollment(&env.svc, &owner, &late).await,
        Lapse::MfaSetUpExpired,
    );

    // Starting again (the sign-in is long past: with the password) replaces it: a new secret
    // and a new half hour.
    let restarted = mfa::start_enrollment(&env.svc, &owner, Some(PASSWORD))
        .await
        .expect("restart");
    let secret = restarted.secret.replace(' ', "");
    assert_ne!(abandoned.secret, restarted.secret);
    env.clock
        .advance(mfa::ENROLLMENT_TTL - Duration::from_secs(60));
    mfa::confirm_enrollment(&env.svc, &owner, &totp_at(&secret, now_secs(env)))
        .await
        .expect("confirm within the half hour");
    mfa::activate(&env.svc, &owner).await.expect("activate");
    expect_conflict(mfa::start_enrollment(&env.svc, &owner, Some(PASSWORD)).await);
    expect_conflict(mfa::confirm_enrollment(&env.svc, &owner, &next_code(env, &secret)).await);
    assert!(mfa_is_on(env, owner.user_id).await);
}

async fn the_secret_is_sealed_and_a_server_with_another_key_does_not_start(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (secret, codes) = enroll(env, &owner).await;
    let pool = env.svc.db.pool();
    let sealed: String =
        sqlx::query_scalar("SELECT secret_sealed FROM mfa_totp WHERE user_id = $1")
            .bind(owner.user_id.to_string())
            .fetch_one(pool)
            .await
            .expect("the authenticator row");
    for clear in [
        secret.clone(),
        secret.to_lowercase(),
        secret[..8].to_string(),
    ] {
        assert!(!sealed.contains(&clear), "{clear} is readable in {sealed}");
    }
    let hashes: Vec<String> =
        sqlx::query_scalar("SELECT code_hash FROM mfa_backup_codes WHERE user_id = $1")
            .bind(owner.user_id.to_string())
            .fetch_all(pool)
            .await
            .expect("backup code rows");
    assert_eq!(hashes.len(), 10);
    for code in &codes {
        let bare = code.replace('-', "");
        assert!(
            hashes.iter().all(|h| !h.contains(&bare)),
            "{code} is stored in clear"
        );
    }

    // ServiceConfig::default() holds a fresh random key.
    let db = Db::connect(&env.url).await.expect("connect");
    let refused = Services::new(db.clone(), env.clock.clone(), ServiceConfig::default()).await;
    db.close().await;
    match refused {
        Err(err) => assert!(
            err.to_string().contains("not the key this database"),
            "{err}"
        ),
        Ok(_) => panic!("a server with another key started on this database"),
    }
    // The right key still opens the secret.
    let pending = pending_sign_in(env, OWNER_EMAIL).await;
    second_step(env, &pending, &next_code(env, &secret))
        .await
        .expect("the second step");
}

async fn the_second_step_issues_a_session_and_codes_and_pending_sign_ins_work_once(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (secret, _) = enroll(env, &owner).await;
    let first = pending_sign_in(env, OWNER_EMAIL).await;
    let token = first.token.expose();
    assert!(
        mfa::pending_sign_in_is_live(&env.svc, token)
            .await
            .expect("read")
    );
    let code = next_code(env, &secret);
    let done = second_step(env, &first, &code)
        .await
        .expect("the second step");
    assert_eq!(done.backup_codes_left, None);
    let actor = env.actor(&done.signed_in).await;
    assert_eq!(
        (actor.user_id, org_of(&actor)),
        (owner.user_id, org_of(&owner))
    );
    assert!(actor.mfa.enabled);
    // A pending sign-in is used once.
    assert!(
        !mfa::pending_sign_in_is_live(&env.svc, token)
            .await
            .expect("read")
    );
    expect_gone(second_step(env, &first, &code).await, Lapse::SignInExpired);

    // The same code for another sign-in at the same moment is a replay; so is an earlier step.
    // Both are refused as wrong codes (see mfa_lockout.rs for the exact answer).
    let second = pending_sign_in(env, OWNER_EMAIL).await;
    expect_code_refused(env, &second, &code).await;
    let earlier = totp_at(&secret, now_secs(env));
    expect_code_refused(env, &second, &earlier).await;
    // Refused codes leave the pending sign-in usable: the next step's code completes it.
    env.clock.advance(STEP);
    let later = second_step(env, &second, &next_code(env, &secret))
        .await
        .expect("the next step's code");
    assert!(env.resolve(&later.signed_in).await.is_some());
    assert!(
        env.resolve(&done.signed_in).await.is_some(),
        "the first device stays"
    );

    // Five minutes to complete it.
    let third = pending_sign_in(env, OWNER_EMAIL).await;
    env.clock
        .advance(mfa::CHALLENGE_TTL + Duration::from_secs(1));
    let current = totp_at(&secret, now_secs(env));
    expect_gone(
        second_step(env, &third, &current).await,
        Lapse::SignInExpired,
    );
    // Tokens never issued.
    let unknown = "A".repeat(43);
    for token in ["not-a-token", unknown.as_str(), ""] {
        let result = mfa::verify_sign_in(&env.svc, token, &current, &env.client(), None).await;
        expect_gone(result, Lapse::SignInExpired);
    }
}

async fn five_wrong_codes_lock_every_code_check_for_five_minutes(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (secret, codes) = enroll(env, &owner).await;
    let pending = pending_sign_in(env, OWNER_EMAIL).await;
    let wrong = wrong_code(env, &secret);
    for _ in 0..5 {
        expect_code_refused(env, &pending, &wrong).await;
    }
    // The budget is spent before any code is checked: the right one, a backup code, and the
    // code that turning MFA off asks for are all refused.
    let right = next_code(env, &secret);
    for limited in [
        second_step(env, &pending, &right).await.map(drop),
        second_step(env, &pending, &codes[0]).await.map(drop),
        mfa::disable(&env.svc, &owner, &right).await,
    ] {
        match limited {
            Err(Error::RateLimited { retry_after }) => {
                assert_eq!(retry_after, Duration::from_secs(5 * 60));
            }
            other => panic!("expected RateLimited, got {other:?}"),
        }
    }
    assert!(mfa_is_on(env, owner.user_id).await);
    assert_eq!(audit_count(env, "mfa.code_refused", owner.user_id).await, 5);
    // Refusals without a check are counted per hour, not written one row each.
    assert_eq!(audit_count(env, "mfa.throttled", owner.user_id).await, 0);
    let tallied: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM audit_tallies \
         WHERE action = 'mfa.throttled'",
    )
    .fetch_one(env.svc.db.pool())
    .await
    .expect("tally");
    assert_eq!(tallied, 3);

    env.clock
        .advance(mfa::CHALLENGE_TTL + Duration::from_secs(1));
    expect_gone(
        second_step(env, &pending, &right).await,
        Lapse::SignInExpired,
    );
    let again = pending_sign_in(env, OWNER_EMAIL).await;
    let done = second_step(env, &again, &totp_at(&secret, now_secs(env)))
        .await
        .expect("a new window: the right code works");
    let actor = env.actor(&done.signed_in).await;
    assert_eq!(
        actor.mfa.backup_codes_left, 10,
        "the refused backup code is not used up"
    );
}
