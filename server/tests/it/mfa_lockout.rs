//! Second-factor guessing bounded for good (NIST SP 800-63B §5.2.2): besides the budget of 5
//! wrong codes per 5 minutes, failures in a row per account make every later check wait (an hour
//! from the 20th, a day from the 50th) and the 100th locks the second factor until the password
//! is reset (or changed) or an administrator resets the account's MFA. A right code resets the
//! count. A replayed code is a wrong code in every way an attacker can observe.

use std::time::Duration;

use futures::future::join_all;
use gatehouse_server::error::{Denial, Problem};
use gatehouse_server::mfa::{self, PendingSignIn};
use gatehouse_server::password_resets::{create_reset_link, reset_password};
use gatehouse_server::sign_in;
use gatehouse_server::sign_in::SignInStep;
use gatehouse_server::{Actor, Error, FieldErrors, Role};

use crate::expect::expect_denied;
use crate::mfa::{
    audit_count, enroll, next_code, now_secs, pending_sign_in, second_step, totp_at, wrong_code,
};
use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv, acme_owner, org_of, token_of};

on_both_databases!(
    a_replayed_code_gets_the_answer_of_a_wrong_code_and_counts_as_one,
    failures_in_a_row_wait_an_hour_from_20_a_day_from_50_and_lock_at_100,
    a_password_reset_lifts_the_lock,
    an_administrators_mfa_reset_lifts_the_lock,
    a_right_code_resets_the_count_on_every_instance,
);

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);
const BOB: &str = "bob@example.com";
/// Well-formed, never issued (60 random bits each).
const NO_SUCH_BACKUP_CODE: &str = "zzzz-zzzz-zzzz";

/// The exact error the domain answers, as text (kind, field and problem).
fn answer<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(err) => format!("{err:?}"),
        Ok(value) => panic!("expected a refusal, got {value:?}"),
    }
}

async fn a_replayed_code_gets_the_answer_of_a_wrong_code_and_counts_as_one(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (secret, _) = enroll(env, &owner).await;
    let first = pending_sign_in(env, "owner@example.com").await;
    let used = next_code(env, &secret);
    second_step(env, &first, &used).await.expect("first use");

    let pending = pending_sign_in(env, "owner@example.com").await;
    let wrong = answer(second_step(env, &pending, &wrong_code(env, &secret)).await);
    let replayed = answer(second_step(env, &pending, &used).await);
    assert_eq!(replayed, wrong, "a replay must look like a wrong code");
    assert_eq!(
        wrong,
        answer::<()>(Err(FieldErrors::single("code", Problem::WrongCode)))
    );
    let earlier = answer(second_step(env, &pending, &totp_at(&secret, now_secs(env))).await);
    assert_eq!(earlier, wrong, "so must an earlier step's code");
    // In settings too.
    assert_eq!(answer(mfa::disable(&env.svc, &owner, &used).await), wrong);
    assert_eq!(
        audit_count(env, "mfa.code_refused", owner.user_id).await,
        4,
        "each replay is audited like a wrong code"
    );
    // And counted like one: this is the fifth failure of the window, the sixth check waits.
    let fifth = answer(mfa::regenerate_backup_codes(&env.svc, &owner, &used).await);
    assert_eq!(fifth, wrong);
    let sixth = second_step(env, &pending, &next_code(env, &secret)).await;
    assert!(matches!(sixth, Err(Error::RateLimited { .. })), "{sixth:?}");
}

/// Bob, a Member of the owner's organization, with MFA on.
async fn bob_with_mfa(env: &TestEnv, owner: &Actor) -> (Actor, String, Vec<String>) {
    let bob = env.join_only(org_of(owner), BOB, Role::Member).await;
    let bob = env.actor(&bob).await;
    let (secret, codes) = enroll(env, &bob).await;
    (bob, secret, codes)
}

/// One wrong code at the second step of a fresh sign-in.
async fn guess_at_sign_in(env: &TestEnv) -> Result<(), Error> {
    let pending = pending_sign_in(env, BOB).await;
    second_step(env, &pending, NO_SUCH_BACKUP_CODE)
        .await
        .map(drop)
}

/// Makes the 100 failures in a row, as fast as the rules allow, checking each wait on the way.
async fn guess_until_locked(env: &TestEnv, bob: &Actor, secret: &str) {
    let wrong = |result: Result<(), Error>, n: usize| match result {
        Err(Error::Validation(_)) => {}
        other => panic!("failure #{n}: expected a wrong code, got {other:?}"),
    };
    for n in 1..=20 {
        // A minute apart, so the 5-per-5-minutes budget never refuses.
        env.clock.advance(Duration::from_secs(61));
        let guess = mfa::regenerate_backup_codes(&env.svc, bob, NO_SUCH_BACKUP_CODE).await;
        wrong(guess.map(drop), n);
    }
    // Twenty in a row: even the right code waits an hour, at sign-in and in settings.
    let right = next_code(env, secret);
    for waiting in [
        mfa::regenerate_backup_codes(&env.svc, bob, &right)
            .await
            .map(drop),
        guess_at_sign_in(env).await,
    ] {
        match waiting {
            Err(Error::RateLimited { retry_after }) => assert_eq!(retry_after, HOUR),
            other => panic!("expected an hour's wait, got {other:?}"),
        }
    }
    for n in 21..=50 {
        env.clock.advance(HOUR - Duration::from_secs(1));
        let early = mfa::disable(&env.svc, bob, NO_SUCH_BACKUP_CODE).await;
        match early {
            Err(Error::RateLimited { retry_after }) => {
                assert_eq!(retry_after, Duration::from_secs(1), "#{n}");
            }
            other => panic!("#{n}: expected a one-second wait, got {other:?}"),
        }
        env.clock.advance(Duration::from_secs(1));
        wrong(guess_at_sign_in(env).await, n);
    }
    env.clock.advance(HOUR);
    match guess_at_sign_in(env).await {
        Err(Error::RateLimited { retry_after }) => assert_eq!(retry_after, DAY - HOUR),
        other => panic!("after 50: expected a day's wait, got {other:?}"),
    }
    env.clock.advance(DAY - HOUR);
    for n in 51..=99 {
        wrong(guess_at_sign_in(env).await, n);
        env.clock.advance(DAY);
    }
    assert_eq!(
        audit_count(env, "mfa.locked", bob.user_id).await,
        0,
        "not locked before the 100th"
    );
    // The 100th, five times at once: one is checked, the others find the account locked.
    let pending: Vec<PendingSignIn> = join_all((0..5).map(|_| pending_sign_in(env, BOB))).await;
    let guesses = pending
        .iter()
        .map(|p| second_step(env, p, NO_SUCH_BACKUP_CODE));
    let results = join_all(guesses).await;
    let checked = results
        .iter()
        .filter(|r| matches!(r, Err(Error::Validation(_))))
        .count();
    let locked = results
        .iter()
        .filter(|r| matches!(r, Err(Error::Forbidden(Denial::SecondFactorLocked))))
        .count();
    assert_eq!((checked, locked), (1, 4), "{results:?}");
    assert_eq!(audit_count(env, "mfa.locked", bob.user_id).await, 1);
    assert_eq!(audit_count(env, "mfa.code_refused", bob.user_id).await, 100);
}

async fn failures_in_a_row_wait_an_hour_from_20_a_day_from_50_and_lock_at_100(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (bob, secret, codes) = bob_with_mfa(env, &owner).await;
    guess_until_locked(env, &bob, &secret).await;
    // Locked: no code works anywhere, however long one waits.
    for wait in [Duration::ZERO, DAY, 30 * DAY] {
        env.clock.advance(wait);
        let right = next_code(env, &secret);
        let pending = pending_sign_in(env, BOB).await;
        expect_denied(
            second_step(env, &pending, &right).await,
            Denial::SecondFactorLocked,
        );
        expect_denied(
            second_step(env, &pending, &codes[0]).await,
            Denial::SecondFactorLocked,
        );
        expect_denied(
            mfa::disable(&env.svc, &bob, &right).await,
            Denial::SecondFactorLocked,
        );
    }
    let refused = mfa::regenerate_backup_codes(&env.svc, &bob, &codes[1]).await;
    expect_denied(refused, Denial::SecondFactorLocked);
    assert!(mfa::is_enabled(&env.svc, bob.user_id).await.expect("read"));
    assert_eq!(audit_count(env, "mfa.locked", bob.user_id).await, 1);
    assert_eq!(
        audit_count(env, "mfa.code_refused", bob.user_id).await,
        100,
        "nothing was checked after the lock"
    );
    // The codes were never spent.
    let unused: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mfa_backup_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(bob.user_id.to_string())
    .fetch_one(env.svc.db.pool())
    .await
    .expect("count");
    assert_eq!(unused, 10);
}

/// The owner, signed in afresh (weeks have passed in these tests).
async fn owner_now(env: &TestEnv) -> Actor {
    let step = sign_in::sign_in(
        &env.svc,
        "owner@example.com",
        PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await
    .expect("owner signs in");
    env.actor(&crate::support::session(step)).await
}

async fn a_password_reset_lifts_the_lock(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (bob, secret, _) = bob_with_mfa(env, &owner).await;
    guess_until_locked(env, &bob, &secret).await;
    let owner = owner_now(env).await;
    let link = create_reset_link(&env.svc, &owner, &bob.user_id.to_string())
        .await
        .expect("reset link");
    reset_password(
        &env.svc,
        &token_of(&link.link),
        "Fresh-Start-2027!",
        &env.client(),
    )
    .await
    .expect("reset");
    let step = sign_in::sign_in(
        &env.svc,
        BOB,
        "Fresh-Start-2027!",
        None,
        &env.client(),
        None,
    )
    .await
    .expect("new password");
    let SignInStep::SecondFactor(pending) = step else {
        panic!("MFA stays on after a password reset");
    };
    let done = second_step(env, &pending, &next_code(env, &secret)).await;
    assert!(done.is_ok(), "{done:?}");
    // The count started over: twenty more failures before any wait.
    for _ in 0..19 {
        env.clock.advance(Duration::from_secs(61));
        let guess = mfa::disable(&env.svc, &bob, NO_SUCH_BACKUP_CODE).await;
        assert!(matches!(guess, Err(Error::Validation(_))), "{guess:?}");
    }
}

async fn an_administrators_mfa_reset_lifts_the_lock(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (bob, secret, _) = bob_with_mfa(env, &owner).await;
    guess_until_locked(env, &bob, &secret).await;
    let owner = owner_now(env).await;
    mfa::reset_member_mfa(&env.svc, &owner, &bob.user_id.to_string())
        .await
        .expect("reset MFA");
    let step = sign_in::sign_in(&env.svc, BOB, PASSWORD, None, &env.client(), None)
        .await
        .expect("password");
    let SignInStep::Done(signed_in) = step else {
        panic!("MFA is off after the reset");
    };
    // Set up again, it starts from a clean slate.
    let bob = env.actor(&signed_in).await;
    let (secret, _) = enroll(env, &bob).await;
    let pending = pending_sign_in(env, BOB).await;
    let done = second_step(env, &pending, &next_code(env, &secret)).await;
    assert!(done.is_ok(), "{done:?}");
}

async fn a_right_code_resets_the_count_on_every_instance(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (bob, secret, _) = bob_with_mfa(env, &owner).await;
    let other = env.another_instance().await;
    for _ in 0..19 {
        env.clock.advance(Duration::from_secs(61));
        let guess = mfa::disable(&env.svc, &bob, NO_SUCH_BACKUP_CODE).await;
        assert!(matches!(guess, Err(Error::Validation(_))), "{guess:?}");
    }
    // The 20th failure, on another instance, starts the hour's wait for both.
    env.clock.advance(Duration::from_secs(61));
    let twentieth = mfa::disable(&other, &bob, NO_SUCH_BACKUP_CODE).await;
    assert!(
        matches!(twentieth, Err(Error::Validation(_))),
        "{twentieth:?}"
    );
    let waiting = mfa::disable(&env.svc, &bob, &next_code(env, &secret)).await;
    match waiting {
        Err(Error::RateLimited { retry_after }) => assert_eq!(retry_after, HOUR),
        other => panic!("expected an hour's wait, got {other:?}"),
    }
    env.clock.advance(HOUR);
    let pending = pending_sign_in(env, BOB).await;
    let done = second_step(env, &pending, &next_code(env, &secret)).await;
    assert!(done.is_ok(), "{done:?}");
    // A right code starts the count over: nineteen failures wait for nothing.
    for _ in 0..19 {
        env.clock.advance(Duration::from_secs(61));
        let guess = mfa::disable(&other, &bob, NO_SUCH_BACKUP_CODE).await;
        assert!(matches!(guess, Err(Error::Validation(_))), "{guess:?}");
    }
    other.db.close().await;
}
