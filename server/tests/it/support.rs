//! Fresh databases per test, a test clock, and the macro that runs one case on both backends.

use std::sync::Arc;

use gatehouse_server::config::ServiceConfig;
use gatehouse_server::sessions::{self, SignedIn};
use gatehouse_server::{Actor, ClientInfo, Db, Resolved, Services, TestClock, Timestamp};
use sqlx::Executor;

/// 2026-11-28T00:00:00Z
pub const START: Timestamp = Timestamp::from_millis(1_795_824_000_000);
pub const PASSWORD: &str = "Correct-Horse-9";

pub struct TestEnv {
    pub svc: Services,
    pub clock: Arc<TestClock>,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestEnv {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        let mut env = Self::open(&url).await;
        env._dir = Some(dir);
        env
    }

    /// `None` when no PostgreSQL is configured; under CI that is a failure, never a skip.
    pub async fn postgres() -> Option<Self> {
        let Some(admin_url) = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests must run");
            }
            return None;
        };
        sqlx::any::install_default_drivers();
        let name = format!("gatehouse_test_{}", uuid_simple());
        let admin = sqlx::AnyPool::connect(&admin_url)
            .await
            .expect("connect to TEST_DATABASE_URL");
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create database");
        admin.close().await;
        let url = replace_database(&admin_url, &name);
        let mut env = Self::open(&url).await;
        env.pg = Some((admin_url, name));
        Some(env)
    }

    async fn open(url: &str) -> Self {
        let db = Db::connect(url).await.expect("connect and migrate");
        let clock = Arc::new(TestClock::at(START));
        let svc = Services::new(db, clock.clone(), ServiceConfig::default())
            .await
            .expect("services");
        Self {
            svc,
            clock,
            url: url.to_string(),
            _dir: None,
            pg: None,
        }
    }

    /// Another app instance on the same database, with its own pool, cache and listener.
    pub async fn another_instance(&self) -> Services {
        let db = Db::connect(&self.url).await.expect("connect");
        Services::new(db, self.clock.clone(), ServiceConfig::default())
            .await
            .expect("services")
    }

    pub async fn finish(self) {
        self.svc.db.close().await;
        if let Some((admin_url, name)) = self.pg {
            let admin = sqlx::AnyPool::connect(&admin_url).await.expect("reconnect");
            admin
                .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await
                .expect("drop database");
            admin.close().await;
        }
    }

    pub fn client(&self) -> ClientInfo {
        ClientInfo::new(
            Some("203.0.113.7".into()),
            "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
        )
    }

    /// Signs up a fresh user with an organization named after them.
    pub async fn sign_up(&self, email: &str) -> SignedIn {
        let input = gatehouse_server::accounts::SignUp {
            name: "Ada Lovelace",
            email,
            password: PASSWORD,
            organization: "Analytical Engines",
        };
        gatehouse_server::accounts::sign_up(&self.svc, input, &self.client(), None)
            .await
            .expect("sign up")
    }

    pub async fn resolve(&self, signed_in: &SignedIn) -> Option<Actor> {
        self.resolve_on(&self.svc, signed_in).await.active()
    }

    pub async fn resolve_on(&self, svc: &Services, signed_in: &SignedIn) -> Resolved {
        sessions::resolve(svc, signed_in.token.expose(), self.client())
            .await
            .expect("resolve")
    }

    pub async fn actor(&self, signed_in: &SignedIn) -> Actor {
        self.resolve(signed_in)
            .await
            .expect("session should be valid")
    }
}

fn uuid_simple() -> String {
    gatehouse_server::UserId::random()
        .to_string()
        .replace('-', "")
}

/// The same server and credentials, another database name.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

/// Declares each named `async fn(&TestEnv)` as two tests, `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($($case:ident),+ $(,)?) => {
        $(
            mod $case {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    let env = $crate::support::TestEnv::sqlite().await;
                    super::$case(&env).await;
                    env.finish().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    if let Some(env) = $crate::support::TestEnv::postgres().await {
                        super::$case(&env).await;
                        env.finish().await;
                    }
                }
            }
        )+
    };
}
