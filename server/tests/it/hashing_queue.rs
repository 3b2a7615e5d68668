//! The password hasher's bounded queue: once as much work is admitted as it allows, a request
//! that needs a hash is refused at once (`Busy`, 503 with `Retry-After`), and a refusal for load
//! spends none of the caller's guess or sign-up budgets.

use std::time::Duration;

use gatehouse_server::accounts::{self, SignUp};
use gatehouse_server::config::ServiceConfig;
use gatehouse_server::sign_in;
use gatehouse_server::{ClientInfo, Error, Services};

use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv};

on_both_databases!(a_full_queue_refuses_at_once_and_costs_no_budget);

/// A stored hash whose parameters make one check take seconds (argon2 reads them from the hash):
/// a real, long job that holds the hasher while the test looks.
const SLOW_HASH: &str = "$argon2id$v=19$m=19456,t=100,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

fn expect_busy<T: std::fmt::Debug>(result: Result<T, Error>, what: &str) {
    match result {
        Err(Error::Busy { retry_after }) => assert_eq!(retry_after, Duration::from_secs(1)),
        other => panic!("{what}: expected Busy, got {other:?}"),
    }
}

async fn a_full_queue_refuses_at_once_and_costs_no_budget(env: &TestEnv) {
    // One hash at a time and no queue: the slow check below fills it.
    let svc = Services {
        hasher: gatehouse_server::PasswordHasher::new(1, 0, env.svc.config.hash_cost)
            .await
            .expect("hasher"),
        config: ServiceConfig {
            signup_limit_per_hour: 1,
            ..env.svc.config.clone()
        },
        ..env.svc.clone()
    };
    let slow = env.sign_up("slow@example.com").await;
    let ada = env.sign_up("ada@example.com").await;
    // Its proof of presence (the sign-in) is too old for a sensitive change by the time it asks.
    let stale = env.caller(&ada).await;
    let ada = env.actor(&ada).await;
    env.clock.advance(gatehouse_server::reauth::WINDOW);
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(SLOW_HASH)
        .bind(slow.user_id.to_string())
        .execute(env.svc.db.pool())
        .await
        .expect("slow hash");
    let holder = {
        let svc = svc.clone();
        let client = env.client();
        tokio::spawn(async move {
            sign_in::sign_in(&svc, "slow@example.com", PASSWORD, None, &client, None)
                .await
                .map(drop)
        })
    };
    while svc.hasher.in_flight() == 0 {
        tokio::task::yield_now().await;
    }

    let newcomer = ClientInfo::new(Some("198.51.100.77".into()), "curl/8");
    let input = SignUp {
        name: "Grace",
        email: "grace@example.com",
        password: PASSWORD,
        organization: "Navy",
    };
    expect_busy(
        accounts::sign_up(&svc, input.clone(), &newcomer, None).await,
        "sign-up",
    );
    for _ in 0..3 {
        let guess = sign_in::sign_in(&svc, "ada@example.com", "Wrong-1!", None, &newcomer, None);
        expect_busy(guess.await, "sign-in");
    }
    expect_busy(
        accounts::change_password(&svc, &ada, "Wrong-1!", "Brand-New-Pass-7").await,
        "password change",
    );
    // A sensitive change from a session that proved itself too long ago checks the password.
    expect_busy(
        gatehouse_server::mfa::start_enrollment(&svc, &stale, Some("Wrong-1!")).await,
        "recent proof",
    );
    assert!(
        !holder.is_finished(),
        "the refusals did not wait for the hash in progress"
    );
    let held = holder.await.expect("task");
    assert!(matches!(held, Err(Error::InvalidCredentials)), "{held:?}");
    assert_eq!(svc.hasher.in_flight(), 0);

    // Nothing was spent: the one sign-up this address may make this hour, and all ten guesses.
    accounts::sign_up(&svc, input, &newcomer, None)
        .await
        .expect("the sign-up goes through once the hasher is free");
    for n in 1..=10 {
        let guess = sign_in::sign_in(&svc, "ada@example.com", "Wrong-1!", None, &newcomer, None);
        let guess = guess.await;
        assert!(
            matches!(guess, Err(Error::InvalidCredentials)),
            "#{n}: {guess:?}"
        );
    }
    let eleventh = sign_in::sign_in(&svc, "ada@example.com", PASSWORD, None, &newcomer, None);
    assert!(matches!(eleventh.await, Err(Error::RateLimited { .. })));
}
