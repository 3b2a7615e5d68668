//! The SQLite side: one server owns the file, but another process may change it (the operator's
//! command line, `gatehouse admin …`). Every change writes what it made stale into
//! `cache_signals` in its own transaction; each instance reads the rows other processes wrote
//! every second and drops what they name. (On PostgreSQL, instances tell each other with
//! NOTIFY; see `listener`.)

use super::*;

/// How often new signals are read.
const POLL: Duration = Duration::from_secs(1);
/// Signals read per poll.
const BATCH: i64 = 1000;

/// Records `invalidation` for the other processes sharing the SQLite file.
pub(crate) async fn write(
    conn: &mut AnyConnection,
    payload: String,
    now: crate::clock::Timestamp,
) -> Result<(), Error> {
    sqlx::query("INSERT INTO cache_signals (payload, created_at) VALUES ($1, $2)")
        .bind(payload)
        .bind(now.as_millis())
        .execute(conn)
        .await?;
    Ok(())
}

/// Reads the signals other processes write, for as long as the process runs (SQLite only).
pub(crate) fn spawn_reader(db: &Db, cache: Arc<SessionCache>) {
    if db.backend() != Backend::Sqlite {
        return;
    }
    let db = db.clone();
    tokio::spawn(async move {
        // Signals older than this process are about entries it never cached.
        let mut seen = latest(&db).await.unwrap_or(0);
        loop {
            tokio::time::sleep(POLL).await;
            match read_after(&db, &cache, seen).await {
                Ok(last) => seen = last,
                Err(err) => tracing::warn!(error = %err, "reading cache signals failed"),
            }
        }
    });
}

async fn latest(db: &Db) -> Result<i64, Error> {
    Ok(
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM cache_signals")
            .fetch_one(db.pool())
            .await?,
    )
}

/// Applies the signals after `seen` that another process wrote; the last one read.
async fn read_after(db: &Db, cache: &SessionCache, seen: i64) -> Result<i64, Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT seq, payload FROM cache_signals WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(seen)
    .bind(BATCH)
    .fetch_all(db.pool())
    .await?;
    let mut last = seen;
    for (seq, payload) in rows {
        last = seq;
        if let Some((invalidation, _, origin)) = Invalidation::decode(&payload)
            && origin != cache.instance
        {
            cache.invalidate(invalidation);
            cache.received.inc();
        }
    }
    Ok(last)
}
