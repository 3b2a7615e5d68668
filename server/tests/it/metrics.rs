//! What `/metrics` reports, read from the rendered text as Prometheus would: sign-ins by
//! outcome, live sessions, the session cache, mail, the hasher, and invalidations heard from
//! another instance. No label carries an email or an id.

use std::time::{Duration, Instant};

use gatehouse_server::metrics::Metrics;
use gatehouse_server::sessions;
use gatehouse_server::sign_in::{self, SignInStep};
use gatehouse_server::{Error, Services};

use crate::support::{MailServer, PASSWORD, TestEnv};
use crate::{on_both_databases, on_both_databases_with_mail};

on_both_databases!(sign_ins_sessions_and_the_cache_are_counted);
on_both_databases_with_mail!(mail_sent_is_counted);

async fn rendered(svc: &Services) -> String {
    let mut text = String::new();
    Metrics::render(svc, &mut text).await.expect("render");
    text
}

/// The value of the sample named exactly `series` (name and labels), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.split(' ').next()?.parse().ok())
}

fn sign_ins(text: &str, outcome: &str) -> f64 {
    sample(
        text,
        &format!("gatehouse_sign_ins_total{{outcome=\"{outcome}\"}}"),
    )
    .unwrap_or(0.0)
}

async fn sign_ins_sessions_and_the_cache_are_counted(env: &TestEnv) {
    let signed_up = env.sign_up("ada@example.com").await;
    let client = env.client();
    let before = rendered(&env.svc).await;
    assert_eq!(sign_ins(&before, "succeeded"), 0.0, "{before}");
    assert_eq!(sample(&before, "gatehouse_active_sessions"), Some(1.0));

    let wrong = sign_in::sign_in(
        &env.svc,
        "ada@example.com",
        "Wrong-Horse-1",
        None,
        &client,
        None,
    )
    .await;
    assert!(matches!(wrong, Err(Error::InvalidCredentials)), "{wrong:?}");
    let unknown = sign_in::sign_in(
        &env.svc,
        "nobody@example.com",
        PASSWORD,
        None,
        &client,
        None,
    )
    .await;
    assert!(
        matches!(unknown, Err(Error::InvalidCredentials)),
        "{unknown:?}"
    );
    let right = sign_in::sign_in(&env.svc, "ada@example.com", PASSWORD, None, &client, None).await;
    assert!(matches!(right, Ok(SignInStep::Done(_))), "{right:?}");

    let text = rendered(&env.svc).await;
    assert_eq!(sign_ins(&text, "wrong_password"), 2.0, "{text}");
    assert_eq!(sign_ins(&text, "succeeded"), 1.0, "{text}");
    assert_eq!(
        sample(&text, "gatehouse_active_sessions"),
        Some(2.0),
        "{text}"
    );
    assert!(
        !text.contains("example.com"),
        "no email in any label: {text}"
    );
    // Each attempt waited its turn at the hasher, and nothing waits now.
    assert!(
        sample(&text, "gatehouse_password_hash_wait_seconds_count").is_some_and(|n| n >= 3.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "gatehouse_password_hash_queue_depth"),
        Some(0.0)
    );

    // A session's first lookup reads the database; the next is served from memory.
    let misses = sample(&text, "gatehouse_session_cache_misses_total").unwrap_or(0.0);
    let hits = sample(&text, "gatehouse_session_cache_hits_total").unwrap_or(0.0);
    env.svc.cache.invalidate_all_for_tests();
    assert!(env.resolve(&signed_up).await.is_some());
    assert!(env.resolve(&signed_up).await.is_some());
    let after = rendered(&env.svc).await;
    assert_eq!(
        sample(&after, "gatehouse_session_cache_misses_total"),
        Some(misses + 1.0),
        "{after}"
    );
    assert_eq!(
        sample(&after, "gatehouse_session_cache_hits_total"),
        Some(hits + 1.0),
        "{after}"
    );

    // Past the account's guess budget: throttled, and counted so.
    for _ in 0..10 {
        let _ = sign_in::sign_in(
            &env.svc,
            "ada@example.com",
            "Wrong-Horse-1",
            None,
            &client,
            None,
        )
        .await;
    }
    let limited =
        sign_in::sign_in(&env.svc, "ada@example.com", PASSWORD, None, &client, None).await;
    assert!(
        matches!(limited, Err(Error::RateLimited { .. })),
        "{limited:?}"
    );
    let text = rendered(&env.svc).await;
    assert!(sign_ins(&text, "throttled") >= 1.0, "{text}");
}

async fn mail_sent_is_counted(env: &TestEnv, smtp: &MailServer) {
    env.sign_up("ada@example.com").await;
    // Sign-up sends the address's verification link.
    smtp.wait_for(1).await;
    let start = Instant::now();
    loop {
        let text = rendered(&env.svc).await;
        if sample(&text, "gatehouse_mail_sent_total") == Some(1.0) {
            assert_eq!(
                sample(&text, "gatehouse_mail_failed_total"),
                Some(0.0),
                "{text}"
            );
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{text}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invalidations_from_another_instance_are_counted() {
    let Some((env, other)) = crate::project_membership::two_instances().await else {
        return;
    };
    let signed_in = env.sign_up("ada@example.com").await;
    let before = sample(
        &rendered(&other).await,
        "gatehouse_session_cache_invalidations_received_total",
    )
    .unwrap_or(0.0);
    let actor = env.actor(&signed_in).await;
    sessions::sign_out(&env.svc, &actor)
        .await
        .expect("sign out");
    let start = Instant::now();
    loop {
        let text = rendered(&other).await;
        let now = sample(
            &text,
            "gatehouse_session_cache_invalidations_received_total",
        )
        .unwrap_or(0.0);
        if now > before {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{text}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    other.db.close().await;
    env.finish().await;
}
