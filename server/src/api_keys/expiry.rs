//! The hourly look at keys' expiry (run with the purge): a key within a week of expiring is
//! announced once to whoever answers for it (an organization's Owners for a service account's
//! key, the person for their own), when mail is set up; a key past its expiry is audited once as
//! expired. Each key is claimed with a conditional update, so several instances sweeping at
//! once announce and audit it once.

use crate::audit::{self, Action as Audited, Event};
use crate::clock::Timestamp;
use crate::vocab::ClientInfo;
use crate::{Error, Services};

/// Keys handled per sweep and kind; the rest wait for the next hour.
const BATCH: i64 = 500;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Keys whose expiry was announced.
    pub warned: u64,
    /// Keys recorded as expired.
    pub expired: u64,
}

#[derive(sqlx::FromRow)]
struct Expiring {
    id: String,
    org_id: String,
    org_name: String,
    name: String,
    expires_at: i64,
    account_name: Option<String>,
    user_id: Option<String>,
    project_id: Option<String>,
    project_name: Option<String>,
}

/// Announces keys expiring within a week and audits keys that expired.
pub async fn sweep(svc: &Services) -> Result<Swept, Error> {
    let now = svc.clock.now();
    let pool = svc.db.pool();
    let mut swept = Swept::default();
    let expired: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, org_id, user_id FROM api_keys \
         WHERE expires_at <= $1 AND expiry_recorded_at IS NULL AND revoked_at IS NULL LIMIT $2",
    )
    .bind(now.as_millis())
    .bind(BATCH)
    .fetch_all(pool)
    .await?;
    let system = ClientInfo::default();
    for (id, org, user) in expired {
        let mut tx = svc.db.begin().await?;
        let claimed = sqlx::query(
            "UPDATE api_keys SET expiry_recorded_at = $1 WHERE id = $2 \
             AND expiry_recorded_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 1 {
            let event = Event {
                action: Audited::ApiKeyExpired,
                org: crate::ids::OrgId::parse(&org),
                actor: user.as_deref().and_then(crate::ids::UserId::parse),
                target: Some(format!("api_key:{id}")),
                client: &system,
            };
            audit::record(&mut tx, event, now).await?;
            swept.expired += 1;
        }
        tx.commit().await?;
    }
    if !svc.mailer.is_configured() {
        return Ok(swept);
    }
    let soon: Vec<Expiring> = sqlx::query_as(
        "SELECT k.id, k.org_id, o.name AS org_name, k.name, k.expires_at, \
                a.name AS account_name, k.user_id, k.project_id, p.name AS project_name \
         FROM api_keys k JOIN organizations o ON o.id = k.org_id \
         LEFT JOIN service_accounts a ON a.id = k.service_account_id \
         LEFT JOIN projects p ON p.id = k.project_id \
         WHERE k.expires_at > $1 AND k.expires_at <= $2 AND k.expiry_warned_at IS NULL \
           AND k.revoked_at IS NULL LIMIT $3",
    )
    .bind(now.as_millis())
    .bind(now.plus(super::EXPIRY_WARNING).as_millis())
    .bind(BATCH)
    .fetch_all(pool)
    .await?;
    for key in soon {
        let claimed = sqlx::query(
            "UPDATE api_keys SET expiry_warned_at = $1 WHERE id = $2 AND expiry_warned_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(&key.id)
        .execute(pool)
        .await?;
        if claimed.rows_affected() == 1 {
            announce(svc, &key).await?;
            swept.warned += 1;
        }
    }
    Ok(swept)
}

/// Mails the key's expiry to whoever answers for it.
async fn announce(svc: &Services, key: &Expiring) -> Result<(), Error> {
    let pool = svc.db.pool();
    let base = svc.config.public_url.trim_end_matches('/');
    let (recipients, holder, link): (Vec<String>, String, String) = match &key.user_id {
        Some(user) => (
            sqlx::query_scalar(
                "SELECT u.email FROM users u JOIN memberships m ON m.user_id = u.id \
                 WHERE u.id = $1 AND m.org_id = $2 AND m.deactivated_at IS NULL",
            )
            .bind(user)
            .bind(&key.org_id)
            .fetch_all(pool)
            .await?,
            format!(
                "yours for project {} in {}",
                key.project_name.as_deref().unwrap_or_default(),
                key.org_name
            ),
            format!(
                "{base}/projects/{}",
                key.project_id.as_deref().unwrap_or_default()
            ),
        ),
        None => (
            sqlx::query_scalar(
                "SELECT u.email FROM users u JOIN memberships m ON m.user_id = u.id \
                 WHERE m.org_id = $1 AND m.role = 'owner' AND m.deactivated_at IS NULL",
            )
            .bind(&key.org_id)
            .fetch_all(pool)
            .await?,
            format!(
                "service account {} in {}",
                key.account_name.as_deref().unwrap_or_default(),
                key.org_name
            ),
            format!("{base}/settings/service-accounts"),
        ),
    };
    let expires = format!(
        "on {}",
        Timestamp::from_millis(key.expires_at).to_minute_utc()
    );
    for to in recipients {
        svc.mailer.send_later(crate::mail::key_expiring(
            &to, &key.name, &holder, &expires, &link,
        ));
    }
    Ok(())
}
