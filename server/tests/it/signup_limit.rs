//! New accounts per client address: 20 an hour by default (`GATEHOUSE_SIGNUP_LIMIT_PER_HOUR`),
//! for sign-up with a password and through a sign-in provider alike. The fixtures turn the limit
//! off (they sign many people up from one address), so these cases set it themselves.

use std::time::Duration;

use gatehouse_server::accounts::{self, SignUp};
use gatehouse_server::config::ServiceConfig;
use gatehouse_server::sign_in;
use gatehouse_server::{ClientInfo, Error, Services, SignedIn, oauth};
use sha2::{Digest, Sha256};

use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv};

on_both_databases!(
    one_address_may_open_20_accounts_an_hour_then_waits_for_the_window,
    provider_sign_ups_share_the_limit_of_their_address,
    zero_turns_the_sign_up_limit_off,
);

/// The same services with the sign-up limit set to `per_hour`.
fn limited(env: &TestEnv, per_hour: u32) -> Services {
    Services {
        config: ServiceConfig {
            signup_limit_per_hour: per_hour,
            ..env.svc.config.clone()
        },
        ..env.svc.clone()
    }
}

async fn sign_up(svc: &Services, email: &str, client: &ClientInfo) -> Result<SignedIn, Error> {
    let input = SignUp {
        name: "Mass Producer",
        email,
        password: PASSWORD,
        organization: "Spam Inc",
    };
    accounts::sign_up(svc, input, client, None).await
}

fn from(ip: &str) -> ClientInfo {
    ClientInfo::new(Some(ip.into()), "curl/8")
}

async fn tallied(env: &TestEnv, action: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM audit_tallies WHERE action = $1",
    )
    .bind(action)
    .fetch_one(env.svc.db.pool())
    .await
    .expect("tally")
}

async fn audited(env: &TestEnv, action: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(env.svc.db.pool())
        .await
        .expect("audit rows")
}

async fn one_address_may_open_20_accounts_an_hour_then_waits_for_the_window(env: &TestEnv) {
    let default = ServiceConfig::default().signup_limit_per_hour;
    assert_eq!(default, 20);
    let svc = limited(env, default);
    let spammer = from("198.51.100.7");
    for i in 0..20 {
        sign_up(&svc, &format!("spam{i}@example.com"), &spammer)
            .await
            .unwrap_or_else(|e| panic!("sign-up {i}: {e}"));
    }
    // A quarter of an hour later a successful sign-in (which tidies finished counters) must not
    // hand the address a fresh hour.
    env.clock.advance(Duration::from_secs(16 * 60));
    sign_in::sign_in(&svc, "spam0@example.com", PASSWORD, None, &spammer, None)
        .await
        .expect("sign in");
    for attempt in ["spam20@example.com", "spam0@example.com", "not-an-email"] {
        match sign_up(&svc, attempt, &spammer).await {
            Err(Error::RateLimited { retry_after }) => assert_eq!(
                retry_after,
                Duration::from_secs(44 * 60),
                "the window started with the first sign-up"
            ),
            Err(Error::Validation(_)) if attempt == "not-an-email" => {}
            other => panic!("{attempt}: expected RateLimited, got {other:?}"),
        }
    }
    // Another address is not affected; neither is the spammer an hour after its first sign-up.
    sign_up(&svc, "neighbour@example.com", &from("198.51.100.8"))
        .await
        .expect("another address");
    // Refusals are counted, not written one audit row each.
    assert_eq!(tallied(env, "user.sign_up_throttled").await, 2);
    assert_eq!(audited(env, "user.sign_up_throttled").await, 0);

    env.clock.advance(Duration::from_secs(44 * 60));
    sign_up(&svc, "spam20@example.com", &spammer)
        .await
        .expect("a new hour");
}

/// A verified identity waiting for a new person to name their organization; returns its cookie.
async fn pending_identity(env: &TestEnv, email: &str, subject: &str) -> String {
    let cookie: String = format!("{subject:x<43}").chars().take(43).collect();
    let hash: String = Sha256::digest(cookie.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    sqlx::query(
        "INSERT INTO pending_identities (id, token_hash, provider, issuer, subject, email, name, \
         created_at, expires_at) \
         VALUES ($1, $2, 'testid', 'https://id.example.test', $3, $4, 'New Person', 0, $5)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(hash)
    .bind(subject)
    .bind(email)
    .bind(i64::MAX)
    .execute(env.svc.db.pool())
    .await
    .expect("pending identity");
    cookie
}

async fn provider_sign_ups_share_the_limit_of_their_address(env: &TestEnv) {
    let svc = limited(env, 3);
    let client = from("203.0.113.50");
    sign_up(&svc, "one@example.com", &client)
        .await
        .expect("first");
    for i in 0..2 {
        let cookie = pending_identity(env, &format!("p{i}@example.com"), &format!("s{i}")).await;
        oauth::complete_sign_up(&svc, &cookie, "New Person", "Org", &client, None)
            .await
            .unwrap_or_else(|e| panic!("provider sign-up {i}: {e}"));
    }
    let cookie = pending_identity(env, "p9@example.com", "s9").await;
    let refused = oauth::complete_sign_up(&svc, &cookie, "New Person", "Org", &client, None).await;
    assert!(
        matches!(refused, Err(Error::RateLimited { .. })),
        "{refused:?}"
    );
    let refused = sign_up(&svc, "two@example.com", &client).await;
    assert!(
        matches!(refused, Err(Error::RateLimited { .. })),
        "{refused:?}"
    );
    // The refused identity still waits: it completes from another address.
    oauth::complete_sign_up(&svc, &cookie, "New Person", "Org", &from("192.0.2.1"), None)
        .await
        .expect("from elsewhere");
}

async fn zero_turns_the_sign_up_limit_off(env: &TestEnv) {
    let svc = limited(env, 0);
    let client = from("198.51.100.9");
    for i in 0..25 {
        sign_up(&svc, &format!("bench{i}@example.com"), &client)
            .await
            .unwrap_or_else(|e| panic!("sign-up {i}: {e}"));
    }
}
