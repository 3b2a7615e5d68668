//! SQLite: a change made by another process on the same file (the operator's command line)
//! reaches the running server's cache within about a second.

use std::time::{Duration, Instant};

use gatehouse_server::sessions;

use crate::support::TestEnv;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_session_ended_by_another_process_is_refused_within_a_second() {
    let env = TestEnv::sqlite().await;
    let signed_in = env.sign_up("ada@example.com").await;
    // The running server serves the session from its cache.
    assert!(env.resolve(&signed_in).await.is_some());
    assert!(env.svc.cache.holds(signed_in.session_id));

    // Another process (its own pool and cache) ends it.
    let other = env.another_instance().await;
    let actor = env.actor(&signed_in).await;
    sessions::sign_out(&other, &actor).await.expect("sign out");

    let started = Instant::now();
    while env.svc.cache.holds(signed_in.session_id) {
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "the running server still holds the ended session"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(env.resolve(&signed_in).await.is_none(), "refused");
    other.db.close().await;
    env.finish().await;
}
