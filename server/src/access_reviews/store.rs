//! The reads of reviews and their rows, always scoped by the organization.

use sqlx::AnyConnection;

use super::{Decision, Progress, Review, ReviewItem, Reviewer, Show, facts};
use crate::clock::Timestamp;
use crate::error::Error;
use crate::ids::{self, AccessReviewId, OrgId, ReviewItemId, UserId};
use crate::orgs::parse_role;

#[derive(sqlx::FromRow)]
struct ReviewRow {
    id: String,
    started_at: i64,
    started_by: Option<String>,
    started_by_name: Option<String>,
    completed_at: Option<i64>,
    completed_by: Option<String>,
    completed_by_name: Option<String>,
    total: i64,
    decided: i64,
    kept: i64,
    role_changed: i64,
    removed: i64,
    deactivated: i64,
}

/// A review with its progress counted from its rows.
const REVIEW_SELECT: &str = "SELECT r.id, r.started_at, r.started_by, sb.name AS started_by_name, \
       r.completed_at, r.completed_by, cb.name AS completed_by_name, \
       COUNT(i.id) AS total, COUNT(i.decision) AS decided, \
       COUNT(CASE WHEN i.decision = 'keep' THEN 1 END) AS kept, \
       COUNT(CASE WHEN i.decision = 'change_role' THEN 1 END) AS role_changed, \
       COUNT(CASE WHEN i.decision = 'remove' THEN 1 END) AS removed, \
       COUNT(CASE WHEN i.decision = 'deactivate' THEN 1 END) AS deactivated \
     FROM access_reviews r \
     LEFT JOIN users sb ON sb.id = r.started_by \
     LEFT JOIN users cb ON cb.id = r.completed_by \
     LEFT JOIN access_review_items i ON i.review_id = r.id";

const REVIEW_GROUP: &str = "GROUP BY r.id, r.started_at, r.started_by, sb.name, r.completed_at, \
     r.completed_by, cb.name";

/// The organization's reviews (or the one `only`), newest first.
pub(super) async fn reviews(
    conn: &mut AnyConnection,
    org: OrgId,
    only: Option<AccessReviewId>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Review>, Error> {
    let filter = if only.is_some() {
        "AND r.id = $2"
    } else {
        "AND $2 = $2"
    };
    let rows: Vec<ReviewRow> = sqlx::query_as(&format!(
        "{REVIEW_SELECT} WHERE r.org_id = $1 {filter} {REVIEW_GROUP} \
         ORDER BY r.started_at DESC, r.id LIMIT $3 OFFSET $4"
    ))
    .bind(org.to_string())
    .bind(only.map(|id| id.to_string()).unwrap_or_default())
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(review_of).collect()
}

/// One review of the organization; `NotFound` for any other id.
pub(super) async fn review(
    conn: &mut AnyConnection,
    org: OrgId,
    id: AccessReviewId,
) -> Result<Review, Error> {
    reviews(conn, org, Some(id), 1, 0)
        .await?
        .into_iter()
        .next()
        .ok_or(Error::NotFound)
}

pub(super) async fn review_count(conn: &mut AnyConnection, org: OrgId) -> Result<i64, Error> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM access_reviews WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_one(conn)
            .await?,
    )
}

/// The organization's review in progress, if any.
pub(super) async fn open_review(
    conn: &mut AnyConnection,
    org: OrgId,
) -> Result<Option<AccessReviewId>, Error> {
    let id: Option<String> = sqlx::query_scalar(
        "SELECT id FROM access_reviews WHERE org_id = $1 AND completed_at IS NULL",
    )
    .bind(org.to_string())
    .fetch_optional(conn)
    .await?;
    id.map(|id| ids::from_db(&id, AccessReviewId::parse))
        .transpose()
}

fn review_of(row: ReviewRow) -> Result<Review, Error> {
    Ok(Review {
        id: ids::from_db(&row.id, AccessReviewId::parse)?,
        started_at: Timestamp::from_millis(row.started_at),
        started_by: reviewer(row.started_by, row.started_by_name)?,
        completed_at: row.completed_at.map(Timestamp::from_millis),
        completed_by: reviewer(row.completed_by, row.completed_by_name)?,
        progress: Progress {
            total: row.total,
            decided: row.decided,
            kept: row.kept,
            role_changed: row.role_changed,
            removed: row.removed,
            deactivated: row.deactivated,
        },
    })
}

fn reviewer(id: Option<String>, name: Option<String>) -> Result<Option<Reviewer>, Error> {
    id.map(|id| {
        Ok(Reviewer {
            user_id: ids::from_db(&id, UserId::parse)?,
            name: name.unwrap_or_default(),
        })
    })
    .transpose()
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: String,
    review_id: String,
    user_id: String,
    name: String,
    email: String,
    role: String,
    last_sign_in_at: Option<i64>,
    mfa_enabled: i64,
    privileged: i64,
    inactive: i64,
    mfa_missing: i64,
    projects: String,
    teams: String,
    decision: Option<String>,
    new_role: Option<String>,
    decided_by: Option<String>,
    decided_by_name: Option<String>,
    decided_at: Option<i64>,
}

const ITEM_SELECT: &str = "SELECT i.id, i.review_id, i.user_id, i.name, i.email, i.role, \
       i.last_sign_in_at, i.mfa_enabled, i.privileged, i.inactive, i.mfa_missing, i.projects, \
       i.teams, i.decision, i.new_role, i.decided_by, d.name AS decided_by_name, i.decided_at \
     FROM access_review_items i LEFT JOIN users d ON d.id = i.decided_by";

fn show_filter(show: Show) -> &'static str {
    match show {
        Show::All => "",
        Show::Attention => "AND (i.privileged = 1 OR i.inactive = 1 OR i.mfa_missing = 1)",
        Show::Undecided => "AND i.decision IS NULL",
    }
}

/// A page of a review's rows, by name.
pub(super) async fn items(
    conn: &mut AnyConnection,
    org: OrgId,
    review: AccessReviewId,
    show: Show,
    limit: i64,
    offset: i64,
) -> Result<Vec<ReviewItem>, Error> {
    let rows: Vec<ItemRow> = sqlx::query_as(&format!(
        "{ITEM_SELECT} WHERE i.review_id = $1 AND i.org_id = $2 {} \
         ORDER BY i.sort_key, i.id LIMIT $3 OFFSET $4",
        show_filter(show)
    ))
    .bind(review.to_string())
    .bind(org.to_string())
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(item_of).collect()
}

/// How many of a review's rows `show` matches.
pub(super) async fn item_count(
    conn: &mut AnyConnection,
    org: OrgId,
    review: AccessReviewId,
    show: Show,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM access_review_items i WHERE i.review_id = $1 AND i.org_id = $2 {}",
        show_filter(show)
    ))
    .bind(review.to_string())
    .bind(org.to_string())
    .fetch_one(conn)
    .await?)
}

/// One row of the organization's reviews; `NotFound` for any other id.
pub(super) async fn item(
    conn: &mut AnyConnection,
    org: OrgId,
    id: ReviewItemId,
) -> Result<ReviewItem, Error> {
    let row: Option<ItemRow> =
        sqlx::query_as(&format!("{ITEM_SELECT} WHERE i.id = $1 AND i.org_id = $2"))
            .bind(id.to_string())
            .bind(org.to_string())
            .fetch_optional(conn)
            .await?;
    item_of(row.ok_or(Error::NotFound)?)
}

fn item_of(row: ItemRow) -> Result<ReviewItem, Error> {
    let decision = row
        .decision
        .map(|text| {
            Decision::parse(&text)
                .ok_or_else(|| Error::internal(format!("unknown decision in database: {text:?}")))
        })
        .transpose()?;
    Ok(ReviewItem {
        id: ids::from_db(&row.id, ReviewItemId::parse)?,
        review_id: ids::from_db(&row.review_id, AccessReviewId::parse)?,
        user_id: ids::from_db(&row.user_id, UserId::parse)?,
        name: row.name,
        email: row.email,
        role: parse_role(&row.role)?,
        last_sign_in_at: row.last_sign_in_at.map(Timestamp::from_millis),
        mfa_enabled: row.mfa_enabled != 0,
        privileged: row.privileged != 0,
        inactive: row.inactive != 0,
        mfa_missing: row.mfa_missing != 0,
        projects: facts::decode_projects(&row.projects)?,
        teams: facts::decode_teams(&row.teams)?,
        decision,
        new_role: row.new_role.as_deref().map(parse_role).transpose()?,
        decided_by: reviewer(row.decided_by, row.decided_by_name)?,
        decided_at: row.decided_at.map(Timestamp::from_millis),
    })
}
