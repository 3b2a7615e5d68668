//! The PostgreSQL side: one `LISTEN` connection per instance, heartbeats that announce the
//! instance to its peers and keep its lease, and acknowledgements of other instances' changes.

use super::*;

/// Keeps this instance subscribed to invalidations from the others (PostgreSQL only). Runs until
/// the process ends; each lost connection empties the cache and is re-established with back-off.
pub(crate) fn spawn_listener(db: &Db, cache: Arc<SessionCache>) {
    if db.backend() != Backend::Postgres {
        return;
    }
    let db = db.clone();
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(100);
        loop {
            match listen(&db, &cache).await {
                Ok(()) => backoff = Duration::from_millis(100),
                Err(err) => tracing::warn!(error = %err, "invalidation listener failed"),
            }
            cache.distrust();
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    });
}

async fn notify(db: &Db, channel: &str, payload: String) -> Result<(), Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(channel)
        .bind(payload)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Listens until the connection is lost. The cache is trusted from the moment this instance hears
/// its own first heartbeat (so its peers have heard it too) for as long as it keeps hearing them.
async fn listen(db: &Db, cache: &Arc<SessionCache>) -> Result<(), Error> {
    let mut listener = sqlx::postgres::PgListener::connect(db.url()).await?;
    listener.listen_all([CHANNEL, ACK_CHANNEL]).await?;
    let me = cache.instance.clone();
    let _heartbeats = AbortOnDrop(tokio::spawn(heartbeat(db.clone(), cache.clone())));
    let mut own_heartbeats = 0u32;
    loop {
        // Only a reconnect request interrupts a receive; the connection is dropped then anyway.
        let received = tokio::select! {
            received = listener.try_recv() => received?,
            () = cache.reconnect.notified() => return Ok(()),
        };
        // `None`: the connection dropped, and notifications may have been lost meanwhile.
        let Some(notification) = received else {
            tracing::warn!("invalidation listener disconnected");
            return Ok(());
        };
        let payload = notification.payload();
        if notification.channel() == CHANNEL {
            if let Some((invalidation, nonce, origin)) = Invalidation::decode(payload) {
                cache.invalidate(invalidation);
                if origin == me {
                    cache.acknowledged(nonce, &me);
                } else {
                    cache.received.inc();
                    let (db, ack) = (db.clone(), format!("a:{origin}:{nonce}:{me}"));
                    tokio::spawn(async move { notify(&db, ACK_CHANNEL, ack).await });
                }
            }
        } else if let Some(instance) = payload.strip_prefix("h:") {
            if instance == me {
                *lock(&cache.own_heartbeat) = Some(Instant::now());
                own_heartbeats += 1;
                // Trusted from the second heartbeat on: by then every peer has heard the first
                // and waits for this instance's acknowledgements.
                if own_heartbeats == 2 {
                    cache.trust();
                    tracing::info!("listening for cache invalidations");
                }
            } else {
                cache.heard(instance);
            }
        } else if let Some(ack) = payload.strip_prefix("a:") {
            let mut parts = ack.splitn(3, ':');
            if let (Some(origin), Some(nonce), Some(by)) =
                (parts.next(), parts.next(), parts.next())
                && origin == me
                && let Ok(nonce) = nonce.parse()
            {
                cache.acknowledged(nonce, by);
            }
        }
    }
}

/// Announces this instance every second, and asks for a reconnect when it stops hearing itself.
async fn heartbeat(db: Db, cache: Arc<SessionCache>) {
    *lock(&cache.own_heartbeat) = None;
    let started = Instant::now();
    let mut ticks = tokio::time::interval(HEARTBEAT);
    loop {
        ticks.tick().await;
        let last = (*lock(&cache.own_heartbeat)).unwrap_or(started);
        if last.elapsed() > PEER_TIMEOUT {
            tracing::warn!("own heartbeat not heard; reconnecting the listener");
            cache.reconnect.notify_one();
        }
        let beat = notify(&db, ACK_CHANNEL, format!("h:{}", cache.instance));
        match tokio::time::timeout(HEARTBEAT, beat).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::warn!(error = %err, "heartbeat not sent"),
            Err(_) => tracing::warn!("heartbeat timed out"),
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
