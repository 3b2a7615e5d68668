//! Tidying: rows that no screen, link or rule will ask for again are deleted, so tables do not
//! grow with time and traffic. [`spawn`] runs [`purge`] soon after start-up and then hourly; with
//! several instances each runs it, which is harmless (every delete is idempotent).
//!
//! What goes, and when (the same rules the services apply to one user or organization on the
//! way, applied to all):
//! - sessions a day past their expiry, ended or not: the cookie's `Max-Age` ran out with the
//!   session, and the day lets a device with a skewed clock still be told it expired. (A session
//!   nobody used again is not audited as ended: its expiry follows from its sign-in.)
//! - password reset links a day past their expiry, used or not (until then the page says which);
//! - invitations 30 days after they expired or were accepted or revoked (the list shows expired
//!   ones that long);
//! - sign-ins waiting for their second factor, provider sign-in trips and provider identities
//!   waiting for their person, SAML requests and remembered assertion IDs, once expired;
//! - throttle counters whose window is over;
//! - audit events and hourly tallies older than `audit_retention`;
//! - cache signals (SQLite, between processes) older than an hour.
//!
//! It never touches accounts, memberships, authenticators, or the count of wrong second-factor
//! codes (a lock must outlast any retention).

use std::time::Duration;

use sqlx::AnyPool;

use crate::clock::Timestamp;
use crate::{Error, Services};

/// How often [`spawn`]'s task purges.
pub const INTERVAL: Duration = Duration::from_secs(3600);
/// How soon after start-up it purges first.
pub const FIRST_RUN_AFTER: Duration = Duration::from_secs(60);
/// Grace after expiry for sessions and reset links.
const GRACE: Duration = Duration::from_secs(24 * 3600);
/// How long ended invitations are kept (as `invitations::store::purge_stale` does per
/// organization).
const INVITATIONS_KEPT: Duration = Duration::from_secs(30 * 24 * 3600);
/// How long cache signals are kept: every running process read them within a second.
const SIGNALS_KEPT: Duration = Duration::from_secs(3600);
/// Rows deleted per statement, so a large backlog never holds a table for long.
const BATCH: u64 = 5_000;

/// How many rows one purge deleted, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub password_resets: u64,
    pub invitations: u64,
    pub mfa_challenges: u64,
    pub provider_trips: u64,
    /// SAML requests and remembered assertion IDs past their expiry.
    pub saml_requests: u64,
    pub saml_assertions: u64,
    pub pending_identities: u64,
    pub throttle_counters: u64,
    pub audit_events: u64,
    pub audit_tallies: u64,
    pub cache_signals: u64,
}

impl Purged {
    pub fn total(&self) -> u64 {
        self.sessions
            + self.password_resets
            + self.invitations
            + self.mfa_challenges
            + self.provider_trips
            + self.saml_requests
            + self.saml_assertions
            + self.pending_identities
            + self.throttle_counters
            + self.audit_events
            + self.audit_tallies
            + self.cache_signals
    }
}

/// Deletes every row past its use (see the module's list); how many of each. Maintenance, not a
/// user's action: [`spawn`] calls it, and operators or tests may.
pub async fn purge(svc: &Services) -> Result<Purged, Error> {
    let now = svc.clock.now();
    let pool = svc.db.pool();
    let past_grace = now.minus(GRACE).as_millis();
    let invitations_over = now.minus(INVITATIONS_KEPT).as_millis();
    let audit_over = now.minus(svc.config.audit_retention).as_millis();
    let signals_over = now.minus(SIGNALS_KEPT).as_millis();
    let now = now.as_millis();
    Ok(Purged {
        sessions: delete(pool, "sessions", "id", "expires_at <= $1", past_grace).await?,
        password_resets: delete(
            pool,
            "password_resets",
            "id",
            "expires_at <= $1",
            past_grace,
        )
        .await?,
        invitations: delete(
            pool,
            "invitations",
            "id",
            "expires_at < $1 OR accepted_at < $1 OR revoked_at < $1",
            invitations_over,
        )
        .await?,
        mfa_challenges: delete(pool, "mfa_challenges", "id", "expires_at <= $1", now).await?,
        provider_trips: delete(pool, "oauth_flows", "id", "expires_at <= $1", now).await?,
        saml_requests: delete(pool, "saml_requests", "id", "expires_at <= $1", now).await?,
        // Keyed by (organization, ID): batched by expiry, which only expired rows share.
        saml_assertions: delete(
            pool,
            "saml_assertions",
            "expires_at",
            "expires_at <= $1",
            now,
        )
        .await?,
        pending_identities: delete(pool, "pending_identities", "id", "expires_at <= $1", now)
            .await?,
        throttle_counters: crate::throttle::purge_finished_windows(
            pool,
            Timestamp::from_millis(now),
        )
        .await?,
        audit_events: crate::audit::purge(&svc.db, Timestamp::from_millis(audit_over)).await?,
        audit_tallies: crate::audit::purge_tallies(pool, Timestamp::from_millis(audit_over))
            .await?,
        cache_signals: delete(
            pool,
            "cache_signals",
            "seq",
            "created_at <= $1",
            signals_over,
        )
        .await?,
    })
}

/// Purges soon after start-up and then every [`INTERVAL`], for as long as the process runs. A
/// failed purge is logged and tried again at the next one.
pub fn spawn(svc: Services) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + FIRST_RUN_AFTER;
        let mut ticks = tokio::time::interval_at(start, INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match purge(&svc).await {
                Ok(purged) if purged.total() > 0 => tracing::info!(?purged, "purged"),
                Ok(_) => {}
                Err(err) => tracing::warn!("purge failed (next try in an hour): {err}"),
            }
            // Keys about to expire are announced, expired ones audited (see `api_keys`).
            match crate::api_keys::sweep(&svc).await {
                Ok(swept) if swept != crate::api_keys::Swept::default() => {
                    tracing::info!(?swept, "API key expiry swept");
                }
                Ok(_) => {}
                Err(err) => tracing::warn!("key expiry sweep failed (next try in an hour): {err}"),
            }
            // Owners of organizations whose access review is overdue are reminded once.
            match crate::access_reviews::remind(&svc).await {
                Ok(0) => {}
                Ok(reminded) => tracing::info!(reminded, "access review reminders sent"),
                Err(err) => {
                    tracing::warn!("access review reminders failed (next try in an hour): {err}");
                }
            }
        }
    })
}

/// Deletes the rows of `table` matching `condition` (with `$1` = `cutoff`), [`BATCH`] at a time;
/// how many. Every argument but `cutoff` is a constant of this module.
async fn delete(
    pool: &AnyPool,
    table: &str,
    key: &str,
    condition: &str,
    cutoff: i64,
) -> Result<u64, Error> {
    let sql = format!(
        "DELETE FROM {table} WHERE {key} IN \
         (SELECT {key} FROM {table} WHERE {condition} LIMIT {BATCH})"
    );
    let mut total = 0;
    loop {
        let done = sqlx::query(&sql)
            .bind(cutoff)
            .execute(pool)
            .await?
            .rows_affected();
        total += done;
        if done < BATCH {
            return Ok(total);
        }
        // Let requests waiting for the table in between.
        tokio::task::yield_now().await;
    }
}
