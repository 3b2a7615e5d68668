//! Readiness: ready while the database answers (and, on PostgreSQL, the invalidation listener is
//! up); not ready, with a reason, once the database is gone.

use gatehouse_server::health::{NotReady, readiness};
use sqlx::Executor;

use crate::project_membership::until;
use crate::support::TestEnv;

#[tokio::test]
async fn sqlite_is_ready_while_its_file_answers() {
    let env = TestEnv::sqlite().await;
    assert_eq!(readiness(&env.svc).await, Ok(()));
    env.svc.db.close().await;
    assert_eq!(
        readiness(&env.svc).await,
        Err(NotReady::DatabaseUnreachable),
        "a closed pool does not answer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_is_ready_with_its_listener_and_not_once_the_database_is_gone() {
    let Some(env) = TestEnv::postgres().await else {
        return;
    };
    until("the listener", || env.svc.cache.is_trusted()).await;
    assert_eq!(readiness(&env.svc).await, Ok(()));
    // The database disappears under the running instance (its connections are terminated).
    let name: String = sqlx::query_scalar("SELECT CAST(current_database() AS TEXT)")
        .fetch_one(env.svc.db.pool())
        .await
        .expect("name");
    let admin_url = env.url.rsplit_once('/').expect("url").0.to_string() + "/postgres";
    let admin = sqlx::AnyPool::connect(&admin_url).await.expect("admin");
    admin
        .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
        .await
        .expect("drop");
    admin.close().await;
    let refused = readiness(&env.svc).await;
    assert!(
        matches!(
            refused,
            Err(NotReady::DatabaseUnreachable | NotReady::DatabaseTimedOut)
        ),
        "{refused:?}"
    );
    // The listener's connection went with it: the cache stops being trusted.
    until("the listener to be distrusted", || {
        !env.svc.cache.is_trusted()
    })
    .await;
    env.finish().await;
}
