//! [`Change`]: a transaction that publishes what it makes stale, and returns from commit only
//! once every live instance has dropped it.

use super::*;

/// A database transaction that knows which cached data it makes stale.
pub(crate) struct Change<'a> {
    tx: Transaction<'static, Any>,
    svc: &'a Services,
    published: Vec<(Invalidation, u64)>,
}

impl<'a> Change<'a> {
    pub async fn begin(svc: &'a Services) -> Result<Self, Error> {
        Ok(Self {
            tx: svc.db.begin().await?,
            svc,
            published: Vec::new(),
        })
    }

    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// Records that `invalidation` takes effect when this change commits.
    pub async fn invalidate(&mut self, invalidation: Invalidation) -> Result<(), Error> {
        if self
            .published
            .iter()
            .any(|(published, _)| *published == invalidation)
        {
            return Ok(());
        }
        let nonce = self.svc.cache.next_nonce.fetch_add(1, Ordering::SeqCst);
        let payload = invalidation.encode(nonce, &self.svc.cache.instance);
        match self.svc.db.backend() {
            Backend::Postgres => {
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(payload)
                    .execute(&mut *self.tx)
                    .await?;
            }
            Backend::Sqlite => {
                super::signals::write(&mut self.tx, payload, self.svc.clock.now()).await?;
            }
        }
        self.published.push((invalidation, nonce));
        Ok(())
    }

    /// Commits, then drops the stale entries here and — on PostgreSQL — waits (briefly) until
    /// this instance and every live peer have acknowledged the notification.
    pub async fn commit(self) -> Result<(), Error> {
        let cache = &self.svc.cache;
        let postgres = self.svc.db.backend() == Backend::Postgres && !self.published.is_empty();
        let listening = postgres && cache.is_trusted();
        let acks: Vec<_> = if listening {
            self.published
                .iter()
                .map(|(_, nonce)| (*nonce, cache.expect_acks(*nonce)))
                .collect()
        } else {
            Vec::new()
        };
        let committed_at = tokio::time::Instant::now();
        let committed = self.tx.commit().await;
        for (invalidation, _) in &self.published {
            cache.invalidate(*invalidation);
        }
        if let Err(err) = committed {
            for (nonce, _) in acks {
                cache.abandon(nonce);
            }
            return Err(err.into());
        }
        if !postgres {
            return Ok(());
        }
        let deadline = committed_at + ECHO_TIMEOUT;
        let mut silent = Vec::new();
        for (nonce, ack) in acks {
            if tokio::time::timeout_at(deadline, ack).await.is_err() {
                silent.extend(cache.abandon(nonce));
            }
        }
        if silent.contains(&cache.instance) {
            cache.distrust();
            cache.reconnect.notify_one();
        }
        if !listening || !silent.is_empty() {
            // Someone may not have seen the change: wait until any instance that missed it has
            // surely lost its lease (and so reads the database) before reporting success.
            tracing::warn!(peers = ?silent, listening, "invalidation not acknowledged by all instances");
            tokio::time::sleep_until(committed_at + LEASE).await;
        }
        Ok(())
    }
}
