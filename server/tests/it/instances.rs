//! Several app instances on one PostgreSQL: a revocation on one is refused by the others on
//! their very next request, and a lost notification channel falls back to the database.

use std::time::{Duration, Instant};

use gatehouse_server::sign_in;
use gatehouse_server::{Resolved, Services, sessions};
use sqlx::Executor;

use crate::support::TestEnv;

async fn until(what: &str, mut condition: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !condition() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    start.elapsed()
}

async fn two_instances() -> Option<(TestEnv, Services)> {
    let env = TestEnv::postgres().await?;
    let other = env.another_instance().await;
    until("both listeners and peers", || {
        env.svc.cache.is_trusted()
            && other.cache.is_trusted()
            && env.svc.cache.peer_count() >= 1
            && other.cache.peer_count() >= 1
    })
    .await;
    Some((env, other))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_revocation_on_one_instance_is_refused_by_another_on_its_very_next_request() {
    let Some((env, b)) = two_instances().await else {
        return;
    };
    let mut lags = Vec::new();
    for round in 0..20 {
        let signed_in = env.sign_up(&format!("ada{round}@example.com")).await;
        assert!(env.resolve_on(&b, &signed_in).await.active().is_some());
        assert!(
            b.cache.holds(signed_in.session_id),
            "B serves the session from its cache"
        );
        let actor = env.actor(&signed_in).await;

        let started = Instant::now();
        let watcher = {
            let cache = b.cache.clone();
            let id = signed_in.session_id;
            tokio::spawn(async move { until("B's invalidation", || !cache.holds(id)).await })
        };
        sessions::sign_out(&env.svc, &actor)
            .await
            .expect("sign out on A");
        let returned = started.elapsed();
        let refused = env.resolve_on(&b, &signed_in).await;
        assert!(
            matches!(refused, Resolved::Ended(_)),
            "B refused at once: {refused:?}"
        );
        let seen_by_b = watcher.await.expect("watcher");
        lags.push((returned, seen_by_b));
    }
    lags.sort();
    let median = lags[lags.len() / 2];
    let worst = lags[lags.len() - 1];
    eprintln!(
        "cross-instance revocation: sign-out returned after {:?} (median) / {:?} (worst); \
         B's cache dropped the session {:?} / {:?} after the revocation started",
        median.0, worst.0, median.1, worst.1
    );
    b.db.close().await;
    env.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_its_notification_channel_dropped_an_instance_still_refuses_revoked_sessions() {
    let Some((env, b)) = two_instances().await else {
        return;
    };
    let signed_in = env.sign_up("ada@example.com").await;
    assert!(env.resolve_on(&b, &signed_in).await.active().is_some());
    assert!(b.cache.holds(signed_in.session_id));

    // Cut every LISTEN connection to this database, as a network failure would.
    env.svc
        .db
        .pool()
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        )
        .await
        .expect("terminate listeners");
    let noticed = until("B to notice", || {
        !b.cache.is_trusted() || !b.cache.holds(signed_in.session_id)
    })
    .await;
    eprintln!("listener loss noticed after {noticed:?}");

    let actor = env.actor(&signed_in).await;
    sessions::sign_out(&env.svc, &actor)
        .await
        .expect("sign out on A");
    let refused = env.resolve_on(&b, &signed_in).await;
    assert!(matches!(refused, Resolved::Ended(_)), "{refused:?}");

    // The listener comes back and the cache is used again.
    let back = until("B to reconnect", || b.cache.is_trusted()).await;
    eprintln!("listener re-established after {back:?}");
    let again = env.sign_up("bob@example.com").await;
    env.resolve_on(&b, &again).await;
    assert!(b.cache.holds(again.session_id));
    b.db.close().await;
    env.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_instance_lists_a_new_device_at_once() {
    let Some((env, b)) = two_instances().await else {
        return;
    };
    let first = env.sign_up("ada@example.com").await;
    let on_b = env
        .resolve_on(&b, &first)
        .await
        .active()
        .expect("active on B")
        .admit(env.svc.clock.now())
        .expect("admitted");
    assert_eq!(
        sessions::list_sessions(&b, &on_b)
            .await
            .expect("list")
            .len(),
        1
    );
    let client = env.client();
    sign_in::sign_in(
        &env.svc,
        "ada@example.com",
        crate::support::PASSWORD,
        None,
        &client,
        None,
    )
    .await
    .map(crate::support::session)
    .expect("sign in on A");
    assert_eq!(
        sessions::list_sessions(&b, &on_b)
            .await
            .expect("list")
            .len(),
        2
    );
    b.db.close().await;
    env.finish().await;
}
