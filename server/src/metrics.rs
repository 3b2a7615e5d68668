//! What Prometheus scrapes from an instance, named in one place: sign-ins by outcome, the
//! password hasher's queue and wait, the session cache, mail, and live sessions.
//!
//! Components count their own events on atomics they own (no lock on a hot path); this module
//! registers those handles under stable names and renders the OpenMetrics text. Label values
//! come from closed sets (outcomes), never from input: no email, id or secret can reach a label.

use std::sync::Arc;

use prometheus_client::encoding::text::encode_registry;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::cache::SessionCache;
use crate::error::Denial;
use crate::mail::Mailer;
use crate::passwords::PasswordHasher;
use crate::{Error, Services};

/// How a sign-in attempt ended. Every way in counts: password, second step, provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignInOutcome {
    /// A session was issued.
    Succeeded,
    /// Unknown email or wrong password (the two are one answer).
    WrongPassword,
    /// A wrong, replayed or malformed authenticator or backup code.
    WrongCode,
    /// Refused by a rate limit before anything was checked, or with the second factor locked.
    Throttled,
    /// The password was right; the account's second step is pending.
    MfaRequired,
    /// Right credentials, but the organization refused them: deactivated, not a member, another
    /// way of signing in required.
    RefusedByPolicy,
    /// The password hasher's queue was full; nothing was checked.
    Busy,
}

impl SignInOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            SignInOutcome::Succeeded => "succeeded",
            SignInOutcome::WrongPassword => "wrong_password",
            SignInOutcome::WrongCode => "wrong_code",
            SignInOutcome::Throttled => "throttled",
            SignInOutcome::MfaRequired => "mfa_required",
            SignInOutcome::RefusedByPolicy => "refused_by_policy",
            SignInOutcome::Busy => "busy",
        }
    }

    /// The outcome an error of a sign-in step stands for; `None` for faults that say nothing
    /// about the attempt (a database error, an expired pending sign-in).
    pub fn of_error(err: &Error) -> Option<Self> {
        match err {
            Error::InvalidCredentials => Some(SignInOutcome::WrongPassword),
            Error::Validation(_) => Some(SignInOutcome::WrongCode),
            Error::RateLimited { .. } => Some(SignInOutcome::Throttled),
            Error::Forbidden(Denial::SecondFactorLocked) => Some(SignInOutcome::Throttled),
            Error::Forbidden(_) => Some(SignInOutcome::RefusedByPolicy),
            Error::Busy { .. } => Some(SignInOutcome::Busy),
            _ => None,
        }
    }
}

type Labels = [(&'static str, &'static str); 1];

/// The instance's metrics. Cheap to share; scraping renders the current values.
pub struct Metrics {
    registry: Registry,
    sign_ins: Family<Labels, Counter>,
    hash_queue_depth: Gauge,
    active_sessions: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    pub(crate) fn new(hasher: &PasswordHasher, cache: &SessionCache, mailer: &Mailer) -> Arc<Self> {
        let mut registry = Registry::default();
        let sign_ins = Family::<Labels, Counter>::default();
        let hash_queue_depth = Gauge::default();
        let active_sessions = Gauge::default();
        registry.register(
            "gatehouse_sign_ins",
            "Sign-in attempts by outcome (password, second step and provider alike)",
            sign_ins.clone(),
        );
        registry.register(
            "gatehouse_password_hash_queue_depth",
            "Password hashes and checks waiting for a free hasher",
            hash_queue_depth.clone(),
        );
        registry.register(
            "gatehouse_password_hash_wait_seconds",
            "How long each password hash or check waited for its turn",
            hasher.wait.clone(),
        );
        registry.register(
            "gatehouse_password_hash_refused",
            "Password hashes and checks refused because the queue was full",
            hasher.refused.clone(),
        );
        registry.register(
            "gatehouse_session_cache_hits",
            "Session lookups answered from memory",
            cache.hits.clone(),
        );
        registry.register(
            "gatehouse_session_cache_misses",
            "Session lookups that read the database",
            cache.misses.clone(),
        );
        registry.register(
            "gatehouse_session_cache_invalidations_received",
            "Cache invalidations received from other instances (PostgreSQL)",
            cache.received.clone(),
        );
        registry.register(
            "gatehouse_active_sessions",
            "Sessions not ended and not expired, across all instances",
            active_sessions.clone(),
        );
        registry.register(
            "gatehouse_mail_sent",
            "Messages the SMTP server accepted",
            mailer.sent.clone(),
        );
        registry.register(
            "gatehouse_mail_failed",
            "Messages that could not be delivered to the SMTP server",
            mailer.failed.clone(),
        );
        Arc::new(Self {
            registry,
            sign_ins,
            hash_queue_depth,
            active_sessions,
        })
    }

    /// Counts a sign-in step: `done` names a success's outcome; an error counts as what it
    /// stands for, or not at all when it says nothing about the attempt.
    pub fn count_sign_in<T>(
        &self,
        step: &Result<T, Error>,
        done: impl FnOnce(&T) -> SignInOutcome,
    ) {
        let outcome = match step {
            Ok(value) => Some(done(value)),
            Err(err) => SignInOutcome::of_error(err),
        };
        if let Some(outcome) = outcome {
            self.sign_ins
                .get_or_create(&[("outcome", outcome.as_str())])
                .inc();
        }
    }

    /// How many attempts ended with `outcome` so far (tests).
    pub fn sign_ins(&self, outcome: SignInOutcome) -> u64 {
        self.sign_ins
            .get(&[("outcome", outcome.as_str())])
            .map_or(0, |counter| counter.get())
    }

    /// Appends this instance's metric families to `out` (OpenMetrics text, without the final
    /// `# EOF`, so the caller can add its own families). Reads the live session count.
    pub async fn render(svc: &Services, out: &mut String) -> Result<(), Error> {
        let this = &svc.metrics;
        let now = svc.clock.now();
        let live: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sessions \
             WHERE ended_at IS NULL AND expires_at > $1 AND last_active_at > $2",
        )
        .bind(now.as_millis())
        .bind(now.minus(svc.config.session_idle).as_millis())
        .fetch_one(svc.db.pool())
        .await?;
        this.active_sessions.set(live);
        let waiting = i64::try_from(svc.hasher.waiting()).unwrap_or(i64::MAX);
        this.hash_queue_depth.set(waiting);
        encode_registry(out, &this.registry).map_err(Error::internal)
    }
}
