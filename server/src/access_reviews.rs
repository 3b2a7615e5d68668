//! Access reviews: an Owner goes through everyone with access to the organization (its active
//! members) and decides for each person to keep them, change their role, remove or deactivate
//! them. Each row shows the facts as they were when the review started: role, last sign-in,
//! MFA, the flags that call for attention (Owner or Admin rights, no sign-in for 30 days, no MFA
//! where the policy requires it) and every project grant and team membership of the person.
//!
//! Invariants:
//! - One review in progress per organization (a unique index backs the check).
//! - A decision changes access at once and only through [`crate::members`] — the Members
//!   screen's code paths with their rules (the last Owner, Owner-only changes, sessions ended on
//!   deactivation) — never by writing memberships here.
//! - A decision that changed access is final; Keep may be revised while the review is open.
//! - A review is completed once every row is decided; completed reviews never change.
//!
//! Owners, Admins and Auditors read reviews; only Owners start, decide and complete them
//! (`authz::Action::ViewAccessReviews`, `ConductAccessReview`). Every query is scoped by the
//! caller's organization: a review or row of another organization is "not found".

use std::time::Duration;

use crate::audit::{self, Action as Audited, Event};
use crate::authz::{self, Action, current_org, require};
use crate::clock::Timestamp;
use crate::error::{Clash, FieldErrors, Problem, is_unique_violation};
use crate::ids::{AccessReviewId, OrgId, ProjectId, ReviewItemId, TeamId, UserId};
use crate::orgs::lock_as_caller;
use crate::vocab::{Actor, ProjectRole, Role};
use crate::{Error, Services};

mod decide;
mod export;
mod facts;
mod reminder;
mod store;

pub use decide::decide_review_item;
pub use export::{ReviewExport, export_access_review};
pub use reminder::{Due, access_review_due, remind};

/// Rows per page of a review.
pub const ITEMS_PAGE_SIZE: i64 = 50;
/// Reviews per page of the list.
pub const REVIEWS_PAGE_SIZE: i64 = 25;
/// A member without a sign-in for this long is flagged inactive.
pub const INACTIVE_AFTER: Duration = Duration::from_secs(30 * 24 * 3600);
/// How often an organization is expected to complete a review.
pub const REVIEW_INTERVAL: Duration = Duration::from_secs(90 * 24 * 3600);

/// What the reviewer decided for one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Keep,
    ChangeRole,
    Remove,
    Deactivate,
}

impl Decision {
    pub const ALL: [Decision; 4] = [
        Decision::Keep,
        Decision::ChangeRole,
        Decision::Remove,
        Decision::Deactivate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Keep => "keep",
            Decision::ChangeRole => "change_role",
            Decision::Remove => "remove",
            Decision::Deactivate => "deactivate",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == text.trim())
    }

    /// Whether carrying it out changed the person's access (so it cannot be taken back here).
    pub fn changes_access(self) -> bool {
        self != Decision::Keep
    }
}

/// Someone who started, decided or completed a review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewer {
    pub user_id: UserId,
    pub name: String,
}

/// How far a review got: its rows, and how many were decided which way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub total: i64,
    pub decided: i64,
    pub kept: i64,
    pub role_changed: i64,
    pub removed: i64,
    pub deactivated: i64,
}

/// A review, as the list and its page head show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub id: AccessReviewId,
    pub started_at: Timestamp,
    pub started_by: Option<Reviewer>,
    pub completed_at: Option<Timestamp>,
    pub completed_by: Option<Reviewer>,
    pub progress: Progress,
}

/// A project role a person held when the review started: their own grant, or their team's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFact {
    pub project_id: ProjectId,
    pub name: String,
    pub role: ProjectRole,
    pub archived: bool,
    /// The team the role comes through; `None` for the person's own grant.
    pub team: Option<String>,
}

/// A team a person was in when the review started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamFact {
    pub team_id: TeamId,
    pub name: String,
}

/// One person's row: the facts when the review started, and the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewItem {
    pub id: ReviewItemId,
    pub review_id: AccessReviewId,
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub last_sign_in_at: Option<Timestamp>,
    pub mfa_enabled: bool,
    /// Owner or Admin rights.
    pub privileged: bool,
    /// No sign-in for 30 days (or none since joining, 30 days ago or more).
    pub inactive: bool,
    /// No MFA where the organization's policy requires it of their role.
    pub mfa_missing: bool,
    pub projects: Vec<ProjectFact>,
    pub teams: Vec<TeamFact>,
    pub decision: Option<Decision>,
    /// The role given, for [`Decision::ChangeRole`].
    pub new_role: Option<Role>,
    pub decided_by: Option<Reviewer>,
    pub decided_at: Option<Timestamp>,
}

/// Which rows of a review to show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Show {
    #[default]
    All,
    /// Rows with a flag: Owner or Admin rights, inactive, or MFA missing.
    Attention,
    Undecided,
}

impl Show {
    /// `attention` and `undecided`; anything else shows every row.
    pub fn parse(text: &str) -> Self {
        match text.trim() {
            "attention" => Show::Attention,
            "undecided" => Show::Undecided,
            _ => Show::All,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Show::All => "all",
            Show::Attention => "attention",
            Show::Undecided => "undecided",
        }
    }
}

/// A review with one page of its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewPage {
    pub review: Review,
    pub items: Vec<ReviewItem>,
    /// Rows matching `show`, over all pages.
    pub matching: i64,
}

/// The organization's reviews, newest first, and when the next one is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewList {
    pub reviews: Vec<Review>,
    pub total: i64,
    pub due: Due,
}

/// The caller's organization's reviews, newest first, a page at a time (pages count from 1).
/// Owners, Admins and Auditors may call it; others get `Forbidden`.
pub async fn list_access_reviews(
    svc: &Services,
    actor: &Actor,
    page: i64,
) -> Result<ReviewList, Error> {
    let org = require_view(actor)?;
    let mut conn = svc.db.pool().acquire().await?;
    let offset = (page.max(1) - 1).saturating_mul(REVIEWS_PAGE_SIZE);
    let reviews = store::reviews(&mut conn, org, None, REVIEWS_PAGE_SIZE, offset).await?;
    let total = store::review_count(&mut conn, org).await?;
    let due = reminder::due_of(&mut conn, org, svc.clock.now()).await?;
    Ok(ReviewList {
        reviews,
        total,
        due,
    })
}

/// One review of the caller's organization with a page of its rows (pages count from 1), by
/// name. Owners, Admins and Auditors may call it.
///
/// Errors: `NotFound` for an id that is not a review of the caller's organization.
pub async fn get_access_review(
    svc: &Services,
    actor: &Actor,
    review_id: &str,
    show: Show,
    page: i64,
) -> Result<ReviewPage, Error> {
    let org = require_view(actor)?;
    let id = AccessReviewId::parse(review_id).ok_or(Error::NotFound)?;
    let mut conn = svc.db.pool().acquire().await?;
    let review = store::review(&mut conn, org, id).await?;
    let offset = (page.max(1) - 1).saturating_mul(ITEMS_PAGE_SIZE);
    let items = store::items(&mut conn, org, id, show, ITEMS_PAGE_SIZE, offset).await?;
    let matching = store::item_count(&mut conn, org, id, show).await?;
    Ok(ReviewPage {
        review,
        items,
        matching,
    })
}

/// Starts a review of the caller's organization (Owners only): one row per active member, with
/// the facts as they are now. Answers the new review.
///
/// Errors: `Forbidden` for anyone but an Owner; `Conflict(ReviewInProgress)` while another
/// review of the organization is open.
pub async fn start_access_review(svc: &Services, actor: &Actor) -> Result<Review, Error> {
    let org = require_conduct(actor)?;
    let now = svc.clock.now();
    let id = AccessReviewId::random();
    let mut tx = svc.db.begin().await?;
    let role = lock_as_caller(&mut tx, org, actor.user_id).await?;
    require(authz::decide(Some(role), Action::ConductAccessReview, None))?;
    if store::open_review(&mut tx, org).await?.is_some() {
        return Err(Error::Conflict(Clash::ReviewInProgress));
    }
    let inserted = sqlx::query(
        "INSERT INTO access_reviews (id, org_id, started_by, started_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(actor.user_id.to_string())
    .bind(now.as_millis())
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(err) if is_unique_violation(&err) => {
            return Err(Error::Conflict(Clash::ReviewInProgress));
        }
        other => other?,
    };
    let people = facts::gather(&mut tx, org, now).await?;
    facts::insert(&mut tx, id, org, &people).await?;
    let event = Event {
        action: Audited::AccessReviewStarted,
        org: Some(org),
        actor: Some(actor.user_id),
        target: Some(format!("access_review:{id} items:{}", people.len())),
        client: &actor.client,
    };
    audit::record(&mut tx, event, now).await?;
    tx.commit().await?;
    let mut conn = svc.db.pool().acquire().await?;
    store::review(&mut conn, org, id).await
}

/// Completes a review of the caller's organization (Owners only) once every row is decided:
/// who completed it and when are recorded, and it never changes again. Answers the review.
///
/// Errors: `NotFound` for an id that is not a review here; `Forbidden` for anyone but an Owner;
/// `Conflict(ReviewUndecided)` while rows are undecided, `Conflict(ReviewCompleted)` when it
/// was completed already.
pub async fn complete_access_review(
    svc: &Services,
    actor: &Actor,
    review_id: &str,
) -> Result<Review, Error> {
    let org = require_conduct(actor)?;
    let id = AccessReviewId::parse(review_id).ok_or(Error::NotFound)?;
    let now = svc.clock.now();
    let mut tx = svc.db.begin().await?;
    let role = lock_as_caller(&mut tx, org, actor.user_id).await?;
    require(authz::decide(Some(role), Action::ConductAccessReview, None))?;
    let review = store::review(&mut tx, org, id).await?;
    if review.completed_at.is_some() {
        return Err(Error::Conflict(Clash::ReviewCompleted));
    }
    let progress = review.progress;
    let left = progress.total - progress.decided;
    if left > 0 {
        return Err(Error::Conflict(Clash::ReviewUndecided { left }));
    }
    sqlx::query(
        "UPDATE access_reviews SET completed_by = $1, completed_at = $2 \
         WHERE id = $3 AND org_id = $4 AND completed_at IS NULL",
    )
    .bind(actor.user_id.to_string())
    .bind(now.as_millis())
    .bind(id.to_string())
    .bind(org.to_string())
    .execute(&mut *tx)
    .await?;
    let event = Event {
        action: Audited::AccessReviewCompleted,
        org: Some(org),
        actor: Some(actor.user_id),
        target: Some(format!(
            "access_review:{id} items:{} keep:{} change_role:{} remove:{} deactivate:{}",
            progress.total,
            progress.kept,
            progress.role_changed,
            progress.removed,
            progress.deactivated
        )),
        client: &actor.client,
    };
    audit::record(&mut tx, event, now).await?;
    tx.commit().await?;
    let mut conn = svc.db.pool().acquire().await?;
    store::review(&mut conn, org, id).await
}

/// The caller's organization, if they may read its reviews.
fn require_view(actor: &Actor) -> Result<OrgId, Error> {
    let (org, role) = current_org(actor)?;
    require(authz::decide(Some(role), Action::ViewAccessReviews, None))?;
    Ok(org)
}

/// The caller's organization, if their session's role may conduct reviews there (checked again
/// under the organization's lock by every change).
fn require_conduct(actor: &Actor) -> Result<OrgId, Error> {
    let (org, role) = current_org(actor)?;
    require(authz::decide(Some(role), Action::ConductAccessReview, None))?;
    Ok(org)
}

/// The field error for a role that is not one of the roles.
fn unknown_role() -> Error {
    FieldErrors::single("role", Problem::UnknownMemberRole)
}
