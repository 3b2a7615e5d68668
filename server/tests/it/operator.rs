//! The operator's command line, as `gatehouse_server::operator` does it: a backup of the SQLite
//! database taken while writers keep writing, the organizations list, a reset link for any
//! account, an MFA reset that ends sessions on every instance, and no database created where
//! there is none.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use gatehouse_server::error::{Clash, Lapse};
use gatehouse_server::operator::{
    self, BackupError, OrganizationSummary, create_reset_link_for, reset_mfa_for,
};
use gatehouse_server::password_resets::{reset_link_email, reset_password};
use gatehouse_server::sign_in::{self, SignInStep};
use gatehouse_server::{Backend, Db, EndReason, Error, Resolved, Role, Services, mfa};
use sqlx::{Connection, Executor};

use crate::expect::{expect_gone, expect_not_found};
use crate::mfa::enroll;
use crate::support::{MailServer, PASSWORD, TestEnv, acme_owner, org_of, token_of};

mod accounts;

const NEW_PASSWORD: &str = "Brand-New-Pass-7";
const WRITERS: i64 = 4;

/// A key file with some content to copy (the backup copies bytes; it does not read keys).
fn key_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("secret.key");
    std::fs::write(&path, "c2VjcmV0IGtleSBieXRlcyBmb3IgYSBiYWNrdXAgdGVzdCE=\n").expect("key");
    path
}

/// Writers insert numbered rows, each counted once its insert has returned; the backup, taken
/// meanwhile, must open intact and hold every row acknowledged before it began — as one
/// consistent moment: each writer's rows in it run from 0 without a gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_under_write_load_is_intact_and_holds_every_acknowledged_write() {
    let env = TestEnv::sqlite().await;
    env.sign_up("ada@example.com").await;
    let pool = env.svc.db.pool().clone();
    pool.execute(
        "CREATE TABLE load_rows (writer INTEGER NOT NULL, n INTEGER NOT NULL, pad TEXT NOT NULL, \
         PRIMARY KEY (writer, n))",
    )
    .await
    .expect("table");
    // Some megabytes, so the copy takes long enough for writes to land while it runs.
    pool.execute(
        "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 19999) \
         INSERT INTO load_rows (writer, n, pad) SELECT -1, i, hex(randomblob(250)) FROM k",
    )
    .await
    .expect("seed");

    let acked: Arc<Vec<AtomicI64>> = Arc::new((0..WRITERS).map(|_| AtomicI64::new(0)).collect());
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (pool, acked, stop) = (pool.clone(), acked.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0i64;
                while !stop.load(Ordering::SeqCst) {
                    sqlx::query("INSERT INTO load_rows (writer, n, pad) VALUES ($1, $2, 'x')")
                        .bind(writer)
                        .bind(n)
                        .execute(&pool)
                        .await
                        .expect("insert");
                    n += 1;
                    acked[writer as usize].store(n, Ordering::SeqCst);
                }
            })
        })
        .collect();
    let counts = |acked: &[AtomicI64]| -> Vec<i64> {
        acked.iter().map(|a| a.load(Ordering::SeqCst)).collect()
    };
    while counts(&acked).iter().any(|&n| n < 20) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("backup.db");
    let before = counts(&acked);
    let backup = operator::backup_sqlite(&env.svc, &target, &key_file(dir.path()))
        .await
        .expect("backup");
    let after = counts(&acked);
    stop.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.await.expect("writer");
    }
    assert!(
        after.iter().sum::<i64>() > before.iter().sum::<i64>(),
        "writes were acknowledged while the backup ran: {before:?} → {after:?}"
    );
    assert_eq!(backup.database, target);
    assert_eq!(
        backup.database_bytes,
        std::fs::metadata(&target).expect("backup file").len()
    );

    let url = format!("sqlite://{}?mode=ro", target.display());
    let mut copy = sqlx::AnyConnection::connect(&url)
        .await
        .expect("open the backup");
    let check: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut copy)
        .await
        .expect("integrity check");
    assert_eq!(check, ["ok"]);
    for writer in 0..WRITERS {
        let (rows, last): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MAX(n) FROM load_rows WHERE writer = $1")
                .bind(writer)
                .fetch_one(&mut copy)
                .await
                .expect("count");
        let w = writer as usize;
        assert!(
            rows >= before[w],
            "writer {writer}: {rows} rows, {} acknowledged before the backup",
            before[w]
        );
        assert!(rows <= after[w] + 1, "writer {writer}: rows from after it");
        assert_eq!(last, Some(rows - 1), "writer {writer}: no gap");
    }
    let seeded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM load_rows WHERE writer = -1")
        .fetch_one(&mut copy)
        .await
        .expect("seeded");
    assert_eq!(seeded, 20_000);
    let users: Vec<String> = sqlx::query_scalar("SELECT email FROM users")
        .fetch_all(&mut copy)
        .await
        .expect("users");
    assert_eq!(users, ["ada@example.com"]);
    copy.close().await.expect("close");
    env.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_never_replaces_a_file_and_copies_the_key_privately() {
    let env = TestEnv::sqlite().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let key = key_file(dir.path());
    let target = dir.path().join("backup.db");

    let backup = operator::backup_sqlite(&env.svc, &target, &key)
        .await
        .expect("backup");
    assert_eq!(backup.key, dir.path().join("backup.db.key"));
    assert_eq!(
        std::fs::read(&backup.key).expect("key copy"),
        std::fs::read(&key).expect("key")
    );
    #[cfg(unix)]
    for file in [&backup.database, &backup.key] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file).expect("file").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", file.display());
    }

    let original = std::fs::read(&target).expect("backup");
    let again = operator::backup_sqlite(&env.svc, &target, &key).await;
    assert!(
        matches!(&again, Err(BackupError::Exists(path)) if *path == target),
        "{again:?}"
    );
    assert_eq!(
        std::fs::read(&target).expect("backup"),
        original,
        "untouched"
    );

    // Only the database's name is free: still refused, and no database copy is left behind.
    let elsewhere = dir.path().join("moved.db");
    std::fs::rename(&target, &elsewhere).expect("move the backup away");
    let again = operator::backup_sqlite(&env.svc, &target, &key).await;
    assert!(
        matches!(&again, Err(BackupError::Exists(path)) if *path == backup.key),
        "{again:?}"
    );
    assert!(!target.exists());
    assert_eq!(
        std::fs::read(&backup.key).expect("key copy"),
        std::fs::read(&key).expect("key"),
        "untouched"
    );
    env.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_on_postgresql_is_refused_and_writes_nothing() {
    let Some(env) = TestEnv::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("backup.db");
    let refused = operator::backup_sqlite(&env.svc, &target, &key_file(dir.path())).await;
    assert!(
        matches!(refused, Err(BackupError::NotSqlite)),
        "{refused:?}"
    );
    assert!(!target.exists() && !operator::key_path_for(&target).exists());
    env.finish().await;
}

/// The command line opens only a database that is there: no SQLite file is created, and a
/// file without Gatehouse's tables is not taken for one.
#[tokio::test]
async fn the_command_line_finds_no_database_where_there_is_none_and_creates_none() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("data").join("gatehouse.db");
    let url = format!("sqlite://{}?mode=rwc", missing.display());
    assert!(Db::connect_existing(&url).await.expect("look").is_none());
    assert!(!missing.exists() && !dir.path().join("data").exists());

    let other = dir.path().join("other.db");
    let other_url = format!("sqlite://{}?mode=rwc", other.display());
    let mut conn = sqlx::AnyConnection::connect(&other_url)
        .await
        .expect("create");
    conn.execute("CREATE TABLE notes (body TEXT)")
        .await
        .expect("table");
    conn.close().await.expect("close");
    assert!(
        Db::connect_existing(&other_url)
            .await
            .expect("look")
            .is_none()
    );

    let env = TestEnv::sqlite().await;
    let found = Db::connect_existing(&env.url).await.expect("open");
    assert!(found.is_some_and(|db| db.backend() == Backend::Sqlite));
    env.finish().await;
}

/// On PostgreSQL too: a database without Gatehouse's tables is not one, and stays empty.
#[tokio::test]
async fn an_empty_postgresql_database_is_not_taken_for_one_and_stays_empty() {
    let Some(admin_url) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests must run"
        );
        return;
    };
    sqlx::any::install_default_drivers();
    let name = format!("gatehouse_empty_{}", std::process::id());
    let mut admin = sqlx::AnyConnection::connect(&admin_url)
        .await
        .expect("connect");
    admin
        .execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
        .await
        .expect("drop");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create");
    // The same server and credentials, the new database's name.
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url.as_str(), None), |(b, q)| (b, Some(q)));
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    let url = match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    };

    assert!(Db::connect_existing(&url).await.expect("look").is_none());
    let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count");
    assert_eq!(tables, 0, "no migration ran");
    conn.close().await.expect("close");
    admin
        .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
        .await
        .expect("drop");
}
