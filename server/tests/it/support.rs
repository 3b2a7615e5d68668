//! Fresh databases per test, a test clock, and the macro that runs one case on both backends.

use std::sync::Arc;
use std::time::Duration;

use gatehouse_server::config::{MailSettings, ServiceConfig};
use gatehouse_server::sessions::{self, SignedIn};
use gatehouse_server::{
    Actor, Caller, ClientInfo, Db, OrgId, Resolved, Role, Services, TestClock, Timestamp,
};
use sqlx::Executor;

/// 2026-11-28T00:00:00Z
pub const START: Timestamp = Timestamp::from_millis(1_795_824_000_000);
pub const PASSWORD: &str = "Correct-Horse-9";

/// The session of a sign-in that needed no second step.
pub fn session(step: sessions::SignInStep) -> SignedIn {
    match step {
        sessions::SignInStep::Done(signed_in) => signed_in,
        sessions::SignInStep::SecondFactor(_) => panic!("expected a session, got an MFA step"),
    }
}

/// The production defaults but two: fixtures sign many people up from one address, and the
/// race cases start up to 100 password checks at once. The cases about the sign-up limit
/// (`signup_limit.rs`) and the hashing queue (`hashing_queue.rs`) set their own.
pub fn test_config() -> ServiceConfig {
    ServiceConfig {
        signup_limit_per_hour: 0,
        hash_queue: 1000,
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
        let admin = sqlx::AnyPool::connect(&admin_url)
            .await
            .expect("connect to TEST_DATABASE_URL");
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
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

/// The origin put in links by [`MailServer::env`].
pub const PUBLIC_URL: &str = "https://gatehouse.test";

/// A real SMTP server (Debian's aiosmtpd) on a free local port, storing what it receives in a
/// Maildir; killed when dropped.
pub struct MailServer {
    child: std::process::Child,
    port: u16,
    /// Holds the Maildir (created by the server inside it).
    dir: tempfile::TempDir,
}

impl MailServer {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = std::process::Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("Maildir"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("start aiosmtpd");
        let server = Self { child, port, dir };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not listen on port {port} within 5 s");
    }

    /// A SQLite environment whose services send mail through this server.
    pub async fn env(&self) -> TestEnv {
        TestEnv::sqlite_with(self.config()).await
    }

    /// Service settings that send mail through this server.
    pub fn config(&self) -> ServiceConfig {
        ServiceConfig {
            public_url: PUBLIC_URL.into(),
            mail: Some(MailSettings {
                smtp_url: format!("smtp://127.0.0.1:{}", self.port),
                from: "Gatehouse <no-reply@example.com>".into(),
            }),
            ..test_config()
        }
    }

    /// Every message delivered so far, oldest first.
    pub fn messages(&self) -> Vec<CapturedMail> {
        let new = self.dir.path().join("Maildir").join("new");
        let Ok(entries) = std::fs::read_dir(&new) else {
            return Vec::new();
        };
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let modified = e.metadata().and_then(|m| m.modified()).ok()?;
                Some((modified, e.path()))
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, path)| {
                CapturedMail::parse(&std::fs::read_to_string(path).expect("read mail"))
            })
            .collect()
    }

    /// Waits (up to 5 s) until `count` messages have arrived and returns them.
    pub async fn wait_for(&self, count: usize) -> Vec<CapturedMail> {
        for _ in 0..100 {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "expected {count} message(s), got {} within 5 s",
            self.messages().len()
        );
    }
}

impl MailServer {
    /// The link in the (only) verification mail received so far, waiting for it.
    pub async fn verification_link(&self) -> String {
        self.wait_for_link("/verify-email/").await
    }

    /// The first link containing `path` in the mail received so far, waiting (up to 5 s) for it.
    pub async fn wait_for_link(&self, path: &str) -> String {
        for _ in 0..100 {
            let link = self
                .messages()
                .into_iter()
                .find_map(|m| link_in(&m.text, path));
            if let Some(link) = link {
                return link;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no mail with a {path} link within 5 s");
    }

    /// Opens the verification link just mailed (as its owner would), then empties the mailbox
    /// so the test sees only what comes next.
    pub async fn verify_by_mail(&self, env: &TestEnv) {
        let link = self.verification_link().await;
        gatehouse_server::email_verification::verify_email(
            &env.svc,
            &token_of(&link),
            &env.client(),
        )
        .await
        .expect("verify the address");
        self.clear();
    }

    /// Forgets every message received so far.
    pub fn clear(&self) {
        let new = self.dir.path().join("Maildir").join("new");
        for entry in std::fs::read_dir(new).into_iter().flatten().flatten() {
            std::fs::remove_file(entry.path()).expect("remove a mail");
        }
    }
}

/// The first line of `text` that is a link containing `path`.
pub fn link_in(text: &str, path: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find(|line| line.starts_with("http") && line.contains(path))
        .map(str::to_string)
}

impl Drop for MailServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One received message, its MIME parts decoded.
#[derive(Debug, Clone)]
pub struct CapturedMail {
    /// Unfolded header lines of the message.
    pub headers: Vec<String>,
    pub content_type: String,
    /// The decoded `text/plain` part.
    pub text: String,
    /// The decoded `text/html` part.
    pub html: String,
}

impl CapturedMail {
    fn parse(raw: &str) -> Self {
        let raw = raw.replace("\r\n", "\n");
        let (headers, body) = split_entity(&raw);
        let content_type = header(&headers, "content-type").unwrap_or_default();
        let boundary = content_type
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("boundary="))
            .map(|b| b.trim_matches('"').to_string())
            .next()
            .expect("a multipart message with a boundary");
        let (mut text, mut html) = (String::new(), String::new());
        for part in body.split(&format!("--{boundary}")).skip(1) {
            if part.starts_with("--") {
                break;
            }
            let (part_headers, part_body) = split_entity(part.trim_start_matches('\n'));
            let kind = header(&part_headers, "content-type").unwrap_or_default();
            let encoding = header(&part_headers, "content-transfer-encoding").unwrap_or_default();
            let decoded = decode(part_body, &encoding);
            if kind.starts_with("text/plain") {
                text = decoded;
            } else if kind.starts_with("text/html") {
                html = decoded;
            }
        }
        Self {
            headers,
            content_type,
            text,
            html,
        }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        header(&self.headers, name)
    }
}

/// Unfolded headers and the body of a MIME entity.
fn split_entity(raw: &str) -> (Vec<String>, &str) {
    let (head, body) = raw.split_once("\n\n").unwrap_or((raw, ""));
    let mut headers: Vec<String> = Vec::new();
    for line in head.lines() {
        match headers.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => {
                last.push(' ');
                last.push_str(line.trim());
            }
            _ => headers.push(line.to_string()),
        }
    }
    (headers, body)
}

fn header(headers: &[String], name: &str) -> Option<String> {
    headers.iter().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_string())
    })
}

fn decode(body: &str, encoding: &str) -> String {
    match encoding.to_ascii_lowercase().as_str() {
        "quoted-printable" => {
            let joined = body.replace("=\n", "");
            let bytes = joined.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match (bytes[i], hex) {
                    (b'=', Some(byte)) => {
                        out.push(byte);
                        i += 3;
                    }
                    (byte, _) => {
                        out.push(byte);
                        i += 1;
                    }
                }
            }
            String::from_utf8(out).expect("utf-8 text")
        }
        "base64" => {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let mut out = Vec::new();
            let (mut acc, mut bits) = (0u32, 0u32);
            for c in body.bytes() {
                let Some(value) = ALPHABET.iter().position(|&a| a == c) else {
                    continue;
                };
                acc = (acc << 6) | u32::try_from(value).expect("6 bits");
                bits += 6;
                if bits >= 8 {
                    bits -= 8;
                    out.push(u8::try_from((acc >> bits) & 0xff).expect("a byte"));
                }
            }
            String::from_utf8(out).expect("utf-8 text")
        }
        _ => body.to_string(),
    }
}

/// The token at the end of a `…/invite/<token>` or `…/reset-password/<token>` link.
pub fn token_of(link: &str) -> String {
    link.rsplit('/').next().expect("a path segment").to_string()
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
