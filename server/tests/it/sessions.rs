use std::time::Duration;

use gatehouse_server::sessions;
use gatehouse_server::sign_in;
use gatehouse_server::{EndReason, Error, Resolved};
use sqlx::Row;

use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv};

on_both_databases!(
    a_wrong_password_and_an_unknown_email_fail_alike,
    a_session_is_valid_until_it_expires,
    signing_out_ends_the_session_at_once,
    signing_in_again_replaces_the_previous_session,
    last_active_is_written_at_most_once_a_minute,
    a_session_stores_only_a_hash_of_its_token,
);

async fn a_wrong_password_and_an_unknown_email_fail_alike(env: &TestEnv) {
    env.sign_up("ada@example.com").await;
    let client = env.client();
    let wrong = sign_in::sign_in(
        &env.svc,
        "ada@example.com",
        "Not-The-Pass-1",
        None,
        &client,
        None,
    )
    .await
    .map(crate::support::session);
    let unknown = sign_in::sign_in(
        &env.svc,
        "nobody@example.com",
        PASSWORD,
        None,
        &client,
        None,
    )
    .await
    .map(crate::support::session);
    assert!(matches!(wrong, Err(Error::InvalidCredentials)), "{wrong:?}");
    assert!(
        matches!(unknown, Err(Error::InvalidCredentials)),
        "{unknown:?}"
    );
}

async fn a_session_is_valid_until_it_expires(env: &TestEnv) {
    let signed_in = env.sign_up("ada@example.com").await;
    // Used every day, so it never idles out.
    for _ in 0..6 {
        env.clock.advance(Duration::from_secs(86_400));
        assert!(env.resolve(&signed_in).await.is_some(), "in daily use");
    }
    env.clock.advance(Duration::from_secs(86_400 - 60));
    assert!(
        env.resolve(&signed_in).await.is_some(),
        "valid just before expiry"
    );
    env.clock.advance(Duration::from_secs(60));
    assert!(
        matches!(
            env.resolve_on(&env.svc, &signed_in).await,
            Resolved::Ended(EndReason::Expired)
        ),
        "refused at expiry"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE ended_at IS NULL")
        .fetch_one(env.svc.db.pool())
        .await
        .expect("count");
    assert_eq!(rows, 0, "the expired session is ended");
}

async fn signing_out_ends_the_session_at_once(env: &TestEnv) {
    let signed_in = env.sign_up("ada@example.com").await;
    let actor = env.actor(&signed_in).await;
    sessions::sign_out(&env.svc, &actor)
        .await
        .expect("sign out");
    assert!(env.resolve(&signed_in).await.is_none());
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'session.ended' AND target LIKE $1",
    )
    .bind(format!("session:{}%signed_out", signed_in.session_id))
    .fetch_one(env.svc.db.pool())
    .await
    .expect("count");
    assert_eq!(audited, 1);
}

async fn signing_in_again_replaces_the_previous_session(env: &TestEnv) {
    let first = env.sign_up("ada@example.com").await;
    let client = env.client();
    let second = sign_in::sign_in(
        &env.svc,
        "ada@example.com",
        PASSWORD,
        None,
        &client,
        Some(first.token.expose()),
    )
    .await
    .map(crate::support::session)
    .expect("sign in");
    assert_ne!(first.token.expose(), second.token.expose());
    assert!(
        env.resolve(&first).await.is_none(),
        "the old token dies (no fixation)"
    );
    assert!(env.resolve(&second).await.is_some());
}

async fn last_active_is_written_at_most_once_a_minute(env: &TestEnv) {
    let signed_in = env.sign_up("ada@example.com").await;
    let last_active = || async {
        sqlx::query("SELECT last_active_at FROM sessions WHERE id = $1")
            .bind(signed_in.session_id.to_string())
            .fetch_one(env.svc.db.pool())
            .await
            .expect("row")
            .get::<i64, _>(0)
    };
    let created = last_active().await;
    env.clock.advance(Duration::from_secs(59));
    env.resolve(&signed_in).await;
    assert_eq!(last_active().await, created, "no write within the minute");
    env.clock.advance(Duration::from_secs(1));
    env.resolve(&signed_in).await;
    assert_eq!(last_active().await, created + 60_000);
}

async fn a_session_stores_only_a_hash_of_its_token(env: &TestEnv) {
    let signed_in = env.sign_up("ada@example.com").await;
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM sessions WHERE id = $1")
        .bind(signed_in.session_id.to_string())
        .fetch_one(env.svc.db.pool())
        .await
        .expect("row");
    assert_ne!(stored, signed_in.token.expose());
    assert!(!stored.contains(signed_in.token.expose()));
}

on_both_databases!(
    a_session_signed_in_with_a_since_changed_password_is_refused,
    signing_up_in_a_browser_that_was_signed_in_ends_the_old_session,
);

async fn a_session_signed_in_with_a_since_changed_password_is_refused(env: &TestEnv) {
    let first = env.sign_up("ada@example.com").await;
    let client = env.client();
    let second = sign_in::sign_in(&env.svc, "ada@example.com", PASSWORD, None, &client, None)
        .await
        .map(crate::support::session)
        .expect("sign in");
    // As if a password change committed between this sign-in's check and its session insert.
    sqlx::query("UPDATE users SET credential_version = credential_version + 1")
        .execute(env.svc.db.pool())
        .await
        .expect("bump");
    env.svc.cache.invalidate_all_for_tests();
    for stale in [&first, &second] {
        let resolved = env.resolve_on(&env.svc, stale).await;
        assert!(
            matches!(resolved, Resolved::Ended(EndReason::PasswordChanged)),
            "{resolved:?}"
        );
    }
}

async fn signing_up_in_a_browser_that_was_signed_in_ends_the_old_session(env: &TestEnv) {
    let old = env.sign_up("ada@example.com").await;
    let input = gatehouse_server::accounts::SignUp {
        name: "Bob",
        email: "bob@example.com",
        password: PASSWORD,
        organization: "Bob's",
    };
    gatehouse_server::accounts::sign_up(&env.svc, input, &env.client(), Some(old.token.expose()))
        .await
        .expect("sign up");
    let resolved = env.resolve_on(&env.svc, &old).await;
    assert!(
        matches!(resolved, Resolved::Ended(EndReason::Replaced)),
        "{resolved:?}"
    );
}
