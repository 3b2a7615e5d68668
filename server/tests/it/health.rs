//! Readiness: ready while the database answers (and, on PostgreSQL, the invalidation listener is
//! up); not ready, with a reason, once the database is gone.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gatehouse_server::health::{NotReady, readiness};
use gatehouse_server::{Db, Services, SystemClock};
use sqlx::Executor;

use crate::project_membership::until;
use crate::support::{TestEnv, test_config};

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

/// A PostgreSQL server of this test's own (initdb into a temporary directory, its own port), so
/// that stopping it does not disturb the other tests sharing `TEST_DATABASE_URL`'s server.
struct PrivateCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// Run PostgreSQL's tools as `postgres` (it refuses to run as root).
    as_postgres: bool,
}

impl PrivateCluster {
    fn create() -> Self {
        let bin = postgres_bindir();
        let dir = tempfile::tempdir().expect("temp dir");
        let as_postgres = command_output("id", &["-u"]).trim() == "0";
        if as_postgres {
            let path = dir.path().display().to_string();
            command_output("chown", &["-R", "postgres", &path]);
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let cluster = Self {
            dir,
            bin,
            port,
            as_postgres,
        };
        let data = cluster.data();
        cluster.tool(
            "initdb",
            &["-D", &data, "-A", "trust", "-U", "gatehouse", "--no-sync"],
        );
        cluster
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// One of PostgreSQL's programs, run as the user that owns the cluster.
    fn command(&self, name: &str) -> Command {
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join(name));
            command
        } else {
            Command::new(self.bin.join(name))
        }
    }

    fn tool(&self, name: &str, args: &[&str]) {
        run(self.command(name).args(args));
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        self.tool(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-w",
                "-l",
                &log,
                "-o",
                &options,
                "start",
            ],
        );
    }

    fn stop(&self) {
        self.tool("pg_ctl", &["-D", &self.data(), "-w", "-m", "fast", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgres://gatehouse@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        // Already stopped is fine: this only makes sure no server outlives the test.
        let data = self.data();
        let _ = self
            .command("pg_ctl")
            .args(["-D", &data, "-m", "immediate", "stop"])
            .output();
    }
}

fn postgres_bindir() -> PathBuf {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return dir;
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    found.sort();
    found
        .pop()
        .expect("PostgreSQL's server binaries (initdb, pg_ctl): install postgresql")
}

fn command_output(program: &str, args: &[&str]) -> String {
    run(Command::new(program).args(args))
}

fn run(command: &mut Command) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| unreachable!("{command:?} could not run: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn until_readiness(svc: &Services, ready: bool) -> Result<(), NotReady> {
    let start = Instant::now();
    loop {
        let now = readiness(svc).await;
        if now.is_ok() == ready {
            return now;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "readiness stayed {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_readiness_follows_the_server_stopping_and_starting() {
    // Runs where the PostgreSQL cases run; its server is its own, not TEST_DATABASE_URL's.
    if std::env::var("TEST_DATABASE_URL").map_or(true, |url| url.is_empty()) {
        return;
    }
    let cluster = PrivateCluster::create();
    cluster.start();
    let db = Db::connect(&cluster.url())
        .await
        .expect("connect and migrate");
    let svc = Services::new(db, Arc::new(SystemClock), test_config())
        .await
        .expect("services");
    assert_eq!(until_readiness(&svc, true).await, Ok(()));

    cluster.stop();
    let stopped = until_readiness(&svc, false).await;
    assert!(
        matches!(
            stopped,
            Err(NotReady::DatabaseUnreachable
                | NotReady::DatabaseTimedOut
                | NotReady::ListenerDown)
        ),
        "{stopped:?}"
    );
    until("the listener to be distrusted", || !svc.cache.is_trusted()).await;

    cluster.start();
    assert_eq!(
        until_readiness(&svc, true).await,
        Ok(()),
        "ready again once it is back"
    );
    assert!(svc.cache.is_trusted(), "the listener reconnected");
    svc.db.close().await;
}
