//! When the next review is due, and the reminder the hourly sweep (run with the purge) mails to
//! an organization's Owners once it is overdue. A review is due 90 days after the last completed
//! one, or after the organization was created. An organization of one has nobody else's access
//! to review: it is never overdue.
//!
//! One reminder per overdue period: each organization's claim on a period is a conditional
//! upsert, so several instances sweeping at once send it once; completing a review starts a new
//! period.

use sqlx::AnyConnection;

use super::{REVIEW_INTERVAL, require_view, store};
use crate::clock::Timestamp;
use crate::ids::{AccessReviewId, OrgId};
use crate::vocab::Actor;
use crate::{Error, Services};

/// Organizations reminded per sweep; the rest wait for the next hour.
const BATCH: i64 = 500;

/// When the organization's next review is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub last_completed_at: Option<Timestamp>,
    pub due_at: Timestamp,
    /// Past `due_at` with more than one active member: Owners see a banner.
    pub overdue: bool,
    /// The review in progress, if any.
    pub in_progress: Option<AccessReviewId>,
}

/// When the caller's organization's next review is due. Owners, Admins and Auditors may call it.
pub async fn access_review_due(svc: &Services, actor: &Actor) -> Result<Due, Error> {
    let org = require_view(actor)?;
    let mut conn = svc.db.pool().acquire().await?;
    due_of(&mut conn, org, svc.clock.now()).await
}

pub(super) async fn due_of(
    conn: &mut AnyConnection,
    org: OrgId,
    now: Timestamp,
) -> Result<Due, Error> {
    let (created_at, last_completed, active): (i64, Option<i64>, i64) = sqlx::query_as(
        "SELECT o.created_at, \
                (SELECT MAX(r.completed_at) FROM access_reviews r WHERE r.org_id = o.id), \
                (SELECT COUNT(*) FROM memberships m \
                 WHERE m.org_id = o.id AND m.deactivated_at IS NULL) \
         FROM organizations o WHERE o.id = $1",
    )
    .bind(org.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::NotFound)?;
    let due_at = Timestamp::from_millis(last_completed.unwrap_or(created_at)).plus(REVIEW_INTERVAL);
    Ok(Due {
        last_completed_at: last_completed.map(Timestamp::from_millis),
        due_at,
        overdue: due_at <= now && active > 1,
        in_progress: store::open_review(conn, org).await?,
    })
}

/// Mails the Owners of each organization whose review is overdue, once per overdue period, when
/// mail is set up; how many organizations were reminded. Maintenance, not a user's action: the
/// purge's hourly task calls it.
pub async fn remind(svc: &Services) -> Result<u64, Error> {
    if !svc.mailer.is_configured() {
        return Ok(0);
    }
    let now = svc.clock.now();
    let pool = svc.db.pool();
    let overdue: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT d.id, d.name, d.period_start FROM \
           (SELECT o.id, o.name, COALESCE(MAX(r.completed_at), o.created_at) AS period_start \
            FROM organizations o \
            LEFT JOIN access_reviews r ON r.org_id = o.id AND r.completed_at IS NOT NULL \
            GROUP BY o.id, o.name, o.created_at) d \
         WHERE d.period_start <= $1 \
           AND NOT EXISTS (SELECT 1 FROM access_review_reminders x \
                           WHERE x.org_id = d.id AND x.period_start = d.period_start) \
           AND (SELECT COUNT(*) FROM memberships m \
                WHERE m.org_id = d.id AND m.deactivated_at IS NULL) > 1 \
         LIMIT $2",
    )
    .bind(now.minus(REVIEW_INTERVAL).as_millis())
    .bind(BATCH)
    .fetch_all(pool)
    .await?;
    let link = format!(
        "{}/settings/access-reviews",
        svc.config.public_url.trim_end_matches('/')
    );
    let mut reminded = 0;
    for (org, name, period_start) in overdue {
        let claimed = sqlx::query(
            "INSERT INTO access_review_reminders (org_id, period_start, sent_at) \
             VALUES ($1, $2, $3) ON CONFLICT (org_id) DO UPDATE \
             SET period_start = excluded.period_start, sent_at = excluded.sent_at \
             WHERE access_review_reminders.period_start <> excluded.period_start",
        )
        .bind(&org)
        .bind(period_start)
        .bind(now.as_millis())
        .execute(pool)
        .await?;
        if claimed.rows_affected() != 1 {
            continue;
        }
        let owners: Vec<String> = sqlx::query_scalar(
            "SELECT u.email FROM users u JOIN memberships m ON m.user_id = u.id \
             WHERE m.org_id = $1 AND m.role = 'owner' AND m.deactivated_at IS NULL",
        )
        .bind(&org)
        .fetch_all(pool)
        .await?;
        for to in owners {
            svc.mailer
                .send_later(crate::mail::access_review_due(&to, &name, &link));
        }
        reminded += 1;
    }
    Ok(reminded)
}
