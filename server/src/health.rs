//! Whether this instance should receive traffic: its database answers and, on PostgreSQL, its
//! session cache may be trusted (the invalidation listener is up). A load balancer asks through
//! `GET /readyz`; liveness (`GET /healthz`) needs nothing from here.

use std::time::Duration;

use crate::Services;
use crate::db::Backend;

/// How long the database may take to answer a readiness probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Why this instance is not ready, in one line an operator reads (no secrets, no addresses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotReady {
    DatabaseUnreachable,
    DatabaseTimedOut,
    /// PostgreSQL: the invalidation listener is down, so cached sessions cannot be trusted.
    ListenerDown,
}

impl NotReady {
    pub fn reason(self) -> &'static str {
        match self {
            NotReady::DatabaseUnreachable => "the database does not answer",
            NotReady::DatabaseTimedOut => "the database did not answer within 2 seconds",
            NotReady::ListenerDown => {
                "the cache invalidation listener is down (PostgreSQL LISTEN connection)"
            }
        }
    }
}

/// Ready when the database answers a trivial query in time and, on PostgreSQL, the session
/// cache is trusted.
pub async fn readiness(svc: &Services) -> Result<(), NotReady> {
    let probe = sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(svc.db.pool());
    match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
        Err(_) => return Err(NotReady::DatabaseTimedOut),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness: the database does not answer");
            return Err(NotReady::DatabaseUnreachable);
        }
        Ok(Ok(_)) => {}
    }
    if svc.db.backend() == Backend::Postgres && !svc.cache.is_trusted() {
        return Err(NotReady::ListenerDown);
    }
    Ok(())
}
