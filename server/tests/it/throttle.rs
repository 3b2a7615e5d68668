use std::time::Duration;

use futures::future::join_all;
use gatehouse_server::sign_in;
use gatehouse_server::{ClientInfo, Error};

use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv};

on_both_databases!(
    fifty_parallel_wrong_guesses_leave_the_account_limited_after_exactly_ten,
    while_limited_even_the_right_password_is_refused_until_the_window_ends,
    one_client_ip_is_limited_to_100_failures_across_accounts,
    a_successful_sign_in_resets_the_account_counter,
);

async fn fifty_parallel_wrong_guesses_leave_the_account_limited_after_exactly_ten(env: &TestEnv) {
    env.sign_up("ada@example.com").await;
    let guesses = (0..50).map(|i| {
        let svc = env.svc.clone();
        let client = env.client();
        tokio::spawn(async move {
            sign_in::sign_in(
                &svc,
                "ada@example.com",
                &format!("Wrong-Guess-{i}"),
                None,
                &client,
                None,
            )
            .await
            .map(crate::support::session)
        })
    });
    let results: Vec<_> = join_all(guesses)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let checked = results
        .iter()
        .filter(|r| matches!(r, Err(Error::InvalidCredentials)))
        .count();
    let limited = results
        .iter()
        .filter(|r| matches!(r, Err(Error::RateLimited { .. })))
        .count();
    assert_eq!((checked, limited), (10, 40));
    let right = sign_in::sign_in(
        &env.svc,
        "ada@example.com",
        PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await
    .map(crate::support::session);
    assert!(matches!(right, Err(Error::RateLimited { .. })), "{right:?}");
}

async fn while_limited_even_the_right_password_is_refused_until_the_window_ends(env: &TestEnv) {
    env.sign_up("ada@example.com").await;
    let client = env.client();
    for _ in 0..10 {
        let r = sign_in::sign_in(
            &env.svc,
            "ada@example.com",
            "Wrong-Guess-1",
            None,
            &client,
            None,
        )
        .await
        .map(crate::support::session);
        assert!(matches!(r, Err(Error::InvalidCredentials)));
    }
    let Err(Error::RateLimited { retry_after }) =
        sign_in::sign_in(&env.svc, "ada@example.com", PASSWORD, None, &client, None)
            .await
            .map(crate::support::session)
    else {
        panic!("the right password must be refused while limited");
    };
    assert!(
        retry_after <= Duration::from_secs(15 * 60) && retry_after > Duration::from_secs(14 * 60)
    );
    env.clock.advance(Duration::from_secs(15 * 60));
    let after = sign_in::sign_in(&env.svc, "ada@example.com", PASSWORD, None, &client, None)
        .await
        .map(crate::support::session);
    assert!(after.is_ok(), "{after:?}");
}

async fn one_client_ip_is_limited_to_100_failures_across_accounts(env: &TestEnv) {
    let client = ClientInfo::new(Some("198.51.100.23".into()), "curl/8");
    let guesses = (0..100).map(|i| {
        let svc = env.svc.clone();
        let client = client.clone();
        tokio::spawn(async move {
            sign_in::sign_in(
                &svc,
                &format!("user{i}@example.com"),
                "Wrong-Guess-1",
                None,
                &client,
                None,
            )
            .await
            .map(crate::support::session)
        })
    });
    let results: Vec<_> = join_all(guesses)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Err(Error::InvalidCredentials)))
    );
    let next = sign_in::sign_in(
        &env.svc,
        "someone@example.com",
        "Wrong-Guess-1",
        None,
        &client,
        None,
    )
    .await
    .map(crate::support::session);
    assert!(matches!(next, Err(Error::RateLimited { .. })), "{next:?}");
    let elsewhere = sign_in::sign_in(
        &env.svc,
        "someone@example.com",
        "Wrong-Guess-1",
        None,
        &env.client(),
        None,
    )
    .await
    .map(crate::support::session);
    assert!(
        matches!(elsewhere, Err(Error::InvalidCredentials)),
        "other clients are unaffected"
    );
}

async fn a_successful_sign_in_resets_the_account_counter(env: &TestEnv) {
    env.sign_up("ada@example.com").await;
    let client = env.client();
    for _ in 0..9 {
        let _ = sign_in::sign_in(
            &env.svc,
            "ada@example.com",
            "Wrong-Guess-1",
            None,
            &client,
            None,
        )
        .await
        .map(crate::support::session);
    }
    assert!(
        sign_in::sign_in(&env.svc, "ada@example.com", PASSWORD, None, &client, None)
            .await
            .map(crate::support::session)
            .is_ok()
    );
    for _ in 0..10 {
        let r = sign_in::sign_in(
            &env.svc,
            "ada@example.com",
            "Wrong-Guess-1",
            None,
            &client,
            None,
        )
        .await
        .map(crate::support::session);
        assert!(matches!(r, Err(Error::InvalidCredentials)), "{r:?}");
    }
}
