//! SQLite: a write transaction that reads before it writes is never refused because another
//! connection wrote meanwhile ("database is locked"); the other writer waits its turn instead.
//! (Seen in the end-to-end suite: a password reset mail went unsent under concurrent sign-ups.)

use std::time::Duration;

use crate::support::TestEnv;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_after_a_read_waits_for_no_one_and_is_not_refused() {
    let env = TestEnv::sqlite().await;
    env.sign_up("ada@example.com").await;
    let db = &env.svc.db;

    let mut tx = db.begin().await.expect("begin");
    let before: String = sqlx::query_scalar("SELECT name FROM users WHERE email = $1")
        .bind("ada@example.com")
        .fetch_one(&mut *tx)
        .await
        .expect("read");
    assert_eq!(before, "Ada Lovelace");

    // Another connection writes while the transaction is open.
    let pool = db.pool().clone();
    let mut other = tokio::spawn(async move {
        sqlx::query("UPDATE users SET name = 'Ada King' WHERE email = $1")
            .bind("ada@example.com")
            .execute(&pool)
            .await
    });
    let early = tokio::time::timeout(Duration::from_millis(300), &mut other).await;
    assert!(
        early.is_err(),
        "the other connection wrote while a write transaction was open"
    );

    sqlx::query("UPDATE users SET name = 'Augusta Ada' WHERE email = $1")
        .bind("ada@example.com")
        .execute(&mut *tx)
        .await
        .expect("a write after a read in the same transaction");
    tx.commit().await.expect("commit");

    other
        .await
        .expect("join")
        .expect("the other connection writes once the transaction ends");
    let after: String = sqlx::query_scalar("SELECT name FROM users WHERE email = $1")
        .bind("ada@example.com")
        .fetch_one(db.pool())
        .await
        .expect("read");
    assert_eq!(after, "Ada King", "the other write went second");
    env.finish().await;
}
