//! Gatehouse's domain: accounts, organizations, sessions and the rules that guard them.
//!
//! This crate owns every decision about who may do what and every row in the database. It knows
//! nothing about HTTP, Leptos or axum: callers hand it raw input and a resolved [`Actor`], and get
//! back domain values or a typed [`Error`]. Blocking or CPU-heavy work (password hashing) never runs
//! on the async runtime.
//!
//! Modules import downwards only; `server/tests/it/module_cycles.rs` fails on any cycle. From the
//! bottom: the foundation (`error`, `ids`, `clock`, `tokens`, `db`, `passwords`, `throttle`,
//! `mail`, `config`); the shared [`vocab`]ulary (who acts, where, with what role); the pure rules
//! (`authz`, `admission`) and the organization's [`access`] snapshot they read; the records
//! (`users`, `identities`, `audit`, `cache`, `notices`); the services (`sessions`,
//! `second_factor`, `orgs`, `reauth`); and the flows on top (`sign_in`, `accounts`,
//! `invitations`, `security_policy`, `members`, `projects`, `teams`, `oauth`, `saml`, `mfa`,
//! `password_resets`, and the operator's command line, `operator`).
//! [`Services`], defined here, is the composition root every module may take.

pub mod access;
pub mod access_reviews;
pub mod accounts;
pub mod activity;
pub mod admission;
pub mod api_keys;
pub mod audit;
pub mod authz;
pub mod cache;
pub mod clock;
pub mod config;
pub mod db;
pub mod devices;
pub mod email_verification;
pub mod error;
pub mod health;
pub mod identities;
pub mod ids;
pub mod invitations;
pub mod mail;
pub mod members;
pub mod metrics;
pub mod mfa;
pub mod notices;
pub mod oauth;
pub mod operator;
pub mod orgs;
pub mod password_resets;
pub mod passwords;
pub mod projects;
pub mod purge;
pub mod reauth;
pub mod saml;
pub mod second_factor;
pub mod secret_key;
pub mod security_policy;
pub mod service_accounts;
pub mod sessions;
pub mod sign_in;
pub mod teams;
mod throttle;
pub mod tokens;
pub mod users;
pub mod vocab;

use std::sync::Arc;

pub use clock::{Clock, SystemClock, TestClock, Timestamp};
pub use config::{ConfigError, ServiceConfig, Settings, TrustedProxies};
pub use db::{Backend, Db};
pub use error::{Error, FieldErrors};
pub use ids::{ApiKeyId, OrgId, ProjectId, ServiceAccountId, SessionId, TeamId, UserId};
pub use passwords::{HashCost, PasswordHasher};
pub use sessions::{Resolved, SessionToken, SignedIn};
pub use users::EmailAddress;
pub use vocab::{
    Actor, Caller, ClientHints, ClientInfo, EndReason, KeyActor, KeyHolder, MfaState, OrgContext,
    Permission, ProjectRole, Role, SessionAuth, SessionInfo,
};

/// Everything a domain operation needs, cheap to clone and shared by all requests.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub hasher: PasswordHasher,
    pub config: ServiceConfig,
    pub cache: Arc<cache::SessionCache>,
    pub mailer: mail::Mailer,
    /// The configured sign-in providers, discovered at start-up.
    pub oauth: Arc<oauth::Providers>,
    /// What `/metrics` reports (counted whether or not it is served).
    pub metrics: Arc<metrics::Metrics>,
}

impl Services {
    /// Builds the services: hashes the dummy password used to equalise sign-in timing and, on
    /// PostgreSQL, starts listening for other instances' cache invalidations.
    pub async fn new(db: Db, clock: Arc<dyn Clock>, config: ServiceConfig) -> Result<Self, Error> {
        let hasher =
            PasswordHasher::new(config.hash_concurrency, config.hash_queue, config.hash_cost)
                .await?;
        let mailer = mail::Mailer::new(config.mail.as_ref())?;
        secret_key::check_against(&db, &config.secret_key, clock.now()).await?;
        let oauth =
            Arc::new(oauth::Providers::discover(&config.providers, &config.public_url).await?);
        let cache = Arc::new(cache::SessionCache::new(db.backend()));
        let metrics = metrics::Metrics::new(&hasher, &cache, &mailer);
        cache::spawn_listener(&db, cache.clone());
        cache::spawn_reader(&db, cache.clone());
        cache
            .wait_until_trusted(std::time::Duration::from_secs(5))
            .await;
        Ok(Self {
            db,
            clock,
            hasher,
            config,
            cache,
            mailer,
            oauth,
            metrics,
        })
    }
}
