//! Fresh databases per test, a test clock, and the macro that runs one case on both backends.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

pub use crate::mail_server::{CapturedMail, MailServer, PUBLIC_URL, link_in, token_of};

use gatehouse_server::config::ServiceConfig;
use gatehouse_server::sessions::{self, SignedIn};
use gatehouse_server::sign_in;
use gatehouse_server::{
    Actor, Caller, ClientInfo, Db, HashCost, OrgId, Resolved, Role, Services, TestClock, Timestamp,
};
use sqlx::{Connection, Executor};

/// 2026-11-28T00:00:00Z
pub const START: Timestamp = Timestamp::from_millis(1_795_824_000_000);
pub const PASSWORD: &str = "Correct-Horse-9";

/// The session of a sign-in that needed no second step.
pub fn session(step: sign_in::SignInStep) -> SignedIn {
    match step {
        sign_in::SignInStep::Done(signed_in) => signed_in,
        sign_in::SignInStep::SecondFactor(_) => panic!("expected a session, got an MFA step"),
    }
}

/// The production defaults but three: fixtures sign many people up from one address, the race
/// cases start up to 100 password checks at once, and a password hash costs 256 KiB and one
/// pass instead of 19 MiB and two (these cases check what is done with a hash, not argon2's
/// cost, which made a third of their run; the hasher's own tests use the real cost). The cases
/// about the sign-up limit (`signup_limit.rs`) and the hashing queue (`hashing_queue.rs`) set
/// their own.
pub fn test_config() -> ServiceConfig {
    ServiceConfig {
        signup_limit_per_hour: 0,
        hash_queue: 1000,
        hash_cost: HashCost {
            memory_kib: 256,
            passes: 1,
        },
        ..ServiceConfig::default()
    }
}

pub struct TestEnv {
    pub svc: Services,
    pub clock: Arc<TestClock>,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestEnv {
    pub async fn sqlite() -> Self {
        Self::sqlite_with(test_config()).await
    }

    /// A SQLite environment with its own service settings (e.g. mail).
    pub async fn sqlite_with(config: ServiceConfig) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        let mut env = Self::open_with(&url, config).await;
        env._dir = Some(dir);
        env
    }

    /// `None` when no PostgreSQL is configured; under CI that is a failure, never a skip.
    pub async fn postgres() -> Option<Self> {
        Self::postgres_with(test_config()).await
    }

    /// A PostgreSQL environment with its own service settings; `None` as for [`Self::postgres`].
    pub async fn postgres_with(config: ServiceConfig) -> Option<Self> {
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
        let template = template(&admin_url).await;
        let admin = sqlx::AnyPool::connect(&admin_url)
            .await
            .expect("connect to TEST_DATABASE_URL");
        admin
            .execute(format!("CREATE DATABASE {name} TEMPLATE {template}").as_str())
            .await
            .expect("create database");
        admin.close().await;
        let url = replace_database(&admin_url, &name);
        let mut env = Self::open_with(&url, config).await;
        env.pg = Some((admin_url, name));
        Some(env)
    }

    async fn open_with(url: &str, config: ServiceConfig) -> Self {
        let db = Db::connect(url).await.expect("connect and migrate");
        let clock = Arc::new(TestClock::at(START));
        let svc = Services::new(db, clock.clone(), config)
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
        Services::new(db, self.clock.clone(), self.svc.config.clone())
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

    /// Signs up a fresh user with the given display name and first organization.
    pub async fn sign_up_as(&self, name: &str, email: &str, organization: &str) -> SignedIn {
        let input = gatehouse_server::accounts::SignUp {
            name,
            email,
            password: PASSWORD,
            organization,
        };
        gatehouse_server::accounts::sign_up(&self.svc, input, &self.client(), None)
            .await
            .expect("sign up")
    }

    /// Signs `email` up (in an organization of their own, used last) and adds them, by SQL, to
    /// `org` with `role`; the returned session acts in `org`.
    pub async fn join(&self, org: OrgId, email: &str, role: Role) -> SignedIn {
        let signed_in = self.sign_up(email).await;
        sqlx::query(
            "INSERT INTO memberships (org_id, user_id, role, created_at, last_used_at, sort_key) \
             SELECT $1, $2, $3, 0, 0, LOWER(name) || ' ' || email FROM users WHERE id = $2",
        )
        .bind(org.to_string())
        .bind(signed_in.user_id.to_string())
        .bind(role.as_str())
        .execute(self.svc.db.pool())
        .await
        .expect("membership");
        sqlx::query("UPDATE sessions SET org_id = $1 WHERE id = $2")
            .bind(org.to_string())
            .bind(signed_in.session_id.to_string())
            .execute(self.svc.db.pool())
            .await
            .expect("switch");
        self.svc.cache.invalidate_all_for_tests();
        signed_in
    }

    /// [`Self::join`], then leaves the organization sign-up created: the account belongs to
    /// `org` alone, as one created through an invitation does.
    pub async fn join_only(&self, org: OrgId, email: &str, role: Role) -> SignedIn {
        let signed_in = self.join(org, email, role).await;
        sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND org_id <> $2")
            .bind(signed_in.user_id.to_string())
            .bind(org.to_string())
            .execute(self.svc.db.pool())
            .await
            .expect("leave own organization");
        self.svc.cache.invalidate_all_for_tests();
        signed_in
    }

    pub async fn resolve(&self, signed_in: &SignedIn) -> Option<Caller> {
        self.resolve_on(&self.svc, signed_in).await.active()
    }

    pub async fn resolve_on(&self, svc: &Services, signed_in: &SignedIn) -> Resolved {
        sessions::resolve(svc, signed_in.token.expose(), self.client())
            .await
            .expect("resolve")
    }

    /// The session's caller as resolved, before the MFA policy gate.
    pub async fn caller(&self, signed_in: &SignedIn) -> Caller {
        self.resolve(signed_in)
            .await
            .expect("session should be valid")
    }

    /// The session's caller admitted to act (past the MFA policy gate).
    pub async fn actor(&self, signed_in: &SignedIn) -> Actor {
        self.caller(signed_in)
            .await
            .admit(self.svc.clock.now())
            .expect("caller should be admitted")
    }
}

fn uuid_simple() -> String {
    gatehouse_server::UserId::random()
        .to_string()
        .replace('-', "")
}

/// A PostgreSQL database holding every migration, which each case copies (`CREATE DATABASE …
/// TEMPLATE`): a copy costs a fraction of running the migrations again. Named after the
/// migrations, so a run reuses the one an earlier run made, and a change to them makes another.
async fn template(admin_url: &str) -> &'static str {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE.get_or_init(|| make_template(admin_url)).await
}

/// The advisory lock held while a template is made.
const TEMPLATE_LOCK: i64 = 7_204_012;

async fn make_template(admin_url: &str) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    for migration in sqlx::migrate!("./migrations/postgres").iter() {
        migration.version.hash(&mut hasher);
        migration.checksum.hash(&mut hasher);
    }
    let name = format!("gatehouse_template_{:016x}", hasher.finish());
    let mut admin = sqlx::AnyConnection::connect(admin_url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    // Test binaries may run side by side: one makes the template, the others wait for it.
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(TEMPLATE_LOCK)
        .execute(&mut admin)
        .await
        .expect("lock");
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut admin)
        .await
        .expect("look for the template");
    if exists.is_none() {
        // Templates of earlier migrations, and any that a killed run left half made.
        let stale: Vec<String> = sqlx::query_scalar(
            "SELECT datname::text FROM pg_database WHERE datname LIKE 'gatehouse\\_template\\_%'",
        )
        .fetch_all(&mut admin)
        .await
        .expect("list templates");
        for old in stale {
            admin
                .execute(format!("DROP DATABASE IF EXISTS {old} WITH (FORCE)").as_str())
                .await
                .expect("drop an old template");
        }
        let building = format!("{name}_building");
        admin
            .execute(format!("CREATE DATABASE {building}").as_str())
            .await
            .expect("create the template");
        let db = Db::connect(&replace_database(admin_url, &building))
            .await
            .expect("migrate the template");
        db.close().await;
        admin
            .execute(format!("ALTER DATABASE {building} RENAME TO {name}").as_str())
            .await
            .expect("name the template");
    }
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(TEMPLATE_LOCK)
        .execute(&mut admin)
        .await
        .expect("unlock");
    admin.close().await.expect("disconnect");
    name
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

/// The Owner of "Acme", signed in there.
pub async fn acme_owner(env: &TestEnv) -> Actor {
    let signed_in = env
        .sign_up_as("Olive Owner", "owner@example.com", "Acme")
        .await;
    env.actor(&signed_in).await
}

/// [`acme_owner`] whose address is verified (set directly: for installations whose mail cannot
/// be read, and tests about something else).
pub async fn verified_acme_owner(env: &TestEnv) -> Actor {
    let signed_in = env
        .sign_up_as("Olive Owner", "owner@example.com", "Acme")
        .await;
    sqlx::query("UPDATE users SET email_verified_at = 0 WHERE id = $1")
        .bind(signed_in.user_id.to_string())
        .execute(env.svc.db.pool())
        .await
        .expect("verify");
    env.svc.cache.invalidate_all_for_tests();
    env.actor(&signed_in).await
}

/// The organization `actor`'s session acts in.
pub fn org_of(actor: &Actor) -> gatehouse_server::OrgId {
    actor.org.as_ref().expect("an organization").id
}

/// Like `on_both_databases!`, for cases that need SMTP: each gets its own aiosmtpd and an
/// environment that mails through it (`async fn case(env: &TestEnv, smtp: &MailServer)`).
#[macro_export]
macro_rules! on_both_databases_with_mail {
    ($($case:ident),+ $(,)?) => {
        $(
            mod $case {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    let smtp = $crate::support::MailServer::start().await;
                    let env = $crate::support::TestEnv::sqlite_with(smtp.config()).await;
                    super::$case(&env, &smtp).await;
                    env.finish().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    let smtp = $crate::support::MailServer::start().await;
                    if let Some(env) = $crate::support::TestEnv::postgres_with(smtp.config()).await {
                        super::$case(&env, &smtp).await;
                        env.finish().await;
                    }
                }
            }
        )+
    };
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
