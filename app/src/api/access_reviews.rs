//! Access reviews: Settings → Access reviews and a review's page. Owners start a review, decide
//! each person's row (keep, change role, remove, deactivate: the change is made at once, as on
//! the Members screen) and complete it; Admins and Auditors read. Every decision is made in
//! `gatehouse_server::access_reviews`. A review's CSV is a plain GET,
//! [`access_review_export_path`], served beside these functions.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The Access reviews screen.
pub const ACCESS_REVIEWS_PATH: &str = "/settings/access-reviews";

/// A review's page.
pub fn access_review_path(id: &str) -> String {
    format!("{ACCESS_REVIEWS_PATH}/{id}")
}

/// Where a review downloads as CSV (`GET`, signed in as an Owner, Admin or Auditor).
pub fn access_review_export_path(id: &str) -> String {
    crate::paths::with_query("/api/export_access_review", &[("review_id", Some(id))])
}

/// Someone who started, decided or completed a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerView {
    pub user_id: String,
    pub name: String,
}

/// A review with its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessReviewView {
    pub id: String,
    /// `in_progress` or `completed`.
    pub status: String,
    pub started_at: String,
    pub started_by: Option<ReviewerView>,
    pub completed_at: Option<String>,
    pub completed_by: Option<ReviewerView>,
    /// Rows (people) in the review, and how many are decided, and how.
    pub total: i64,
    pub decided: i64,
    pub kept: i64,
    pub role_changed: i64,
    pub removed: i64,
    pub deactivated: i64,
}

/// A project role a person held when the review started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewProjectView {
    pub project_id: String,
    pub name: String,
    /// `admin`, `member` or `viewer`.
    pub role: String,
    pub archived: bool,
    /// The team the role comes through; absent for the person's own grant.
    pub team: Option<String>,
}

/// A team a person was in when the review started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewTeamView {
    pub team_id: String,
    pub name: String,
}

/// One person's row: the facts when the review started, and the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItemView {
    pub id: String,
    pub review_id: String,
    pub user_id: String,
    pub name: String,
    pub email: String,
    /// Their organization role when the review started.
    pub role: String,
    pub last_sign_in_at: Option<String>,
    pub mfa_enabled: bool,
    /// Owner or Admin rights.
    pub privileged: bool,
    /// No sign-in for 30 days.
    pub inactive: bool,
    /// No MFA where the organization's policy requires it.
    pub mfa_missing: bool,
    pub projects: Vec<ReviewProjectView>,
    pub teams: Vec<ReviewTeamView>,
    /// `keep`, `change_role`, `remove` or `deactivate`; absent while undecided.
    pub decision: Option<String>,
    /// The role given by `change_role`.
    pub new_role: Option<String>,
    pub decided_by: Option<ReviewerView>,
    pub decided_at: Option<String>,
}

/// When the organization's next review is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessReviewDueView {
    pub last_completed_at: Option<String>,
    pub due_at: String,
    /// No review completed in 90 days (and more than one member).
    pub overdue: bool,
    /// The review in progress, if any.
    pub in_progress: Option<String>,
}

/// The Access reviews screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessReviewList {
    pub reviews: Vec<AccessReviewView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    pub due: AccessReviewDueView,
    /// Whether the caller may start, decide and complete reviews (Owners).
    pub can_conduct: bool,
}

/// A review's page: the review and one page of its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessReviewDetail {
    pub review: AccessReviewView,
    pub items: Vec<ReviewItemView>,
    /// `all`, `attention` (a flag is set) or `undecided`.
    pub show: String,
    /// Rows matching `show`, over all pages.
    pub matching: i64,
    pub page: i64,
    pub page_size: i64,
    /// Whether the caller may decide rows and complete the review (Owners, while it is open).
    pub can_conduct: bool,
}

#[cfg(feature = "ssr")]
mod convert {
    use gatehouse_server::access_reviews::{Due, Review, ReviewItem, Reviewer};
    use gatehouse_server::authz::{self, Action};
    use gatehouse_server::{Actor, Timestamp};

    use super::*;

    fn when(at: Option<Timestamp>) -> Option<String> {
        at.map(Timestamp::to_rfc3339)
    }

    fn reviewer(r: Option<Reviewer>) -> Option<ReviewerView> {
        r.map(|r| ReviewerView {
            user_id: r.user_id.to_string(),
            name: r.name,
        })
    }

    pub fn review(r: Review) -> AccessReviewView {
        let status = if r.completed_at.is_some() {
            "completed"
        } else {
            "in_progress"
        };
        AccessReviewView {
            id: r.id.to_string(),
            status: status.to_string(),
            started_at: r.started_at.to_rfc3339(),
            started_by: reviewer(r.started_by),
            completed_at: when(r.completed_at),
            completed_by: reviewer(r.completed_by),
            total: r.progress.total,
            decided: r.progress.decided,
            kept: r.progress.kept,
            role_changed: r.progress.role_changed,
            removed: r.progress.removed,
            deactivated: r.progress.deactivated,
        }
    }

    pub fn item(i: ReviewItem) -> ReviewItemView {
        ReviewItemView {
            id: i.id.to_string(),
            review_id: i.review_id.to_string(),
            user_id: i.user_id.to_string(),
            name: i.name,
            email: i.email,
            role: i.role.as_str().to_string(),
            last_sign_in_at: when(i.last_sign_in_at),
            mfa_enabled: i.mfa_enabled,
            privileged: i.privileged,
            inactive: i.inactive,
            mfa_missing: i.mfa_missing,
            projects: i
                .projects
                .into_iter()
                .map(|p| ReviewProjectView {
                    project_id: p.project_id.to_string(),
                    name: p.name,
                    role: p.role.as_str().to_string(),
                    archived: p.archived,
                    team: p.team,
                })
                .collect(),
            teams: i
                .teams
                .into_iter()
                .map(|t| ReviewTeamView {
                    team_id: t.team_id.to_string(),
                    name: t.name,
                })
                .collect(),
            decision: i.decision.map(|d| d.as_str().to_string()),
            new_role: i.new_role.map(|r| r.as_str().to_string()),
            decided_by: reviewer(i.decided_by),
            decided_at: when(i.decided_at),
        }
    }

    pub fn due(d: Due) -> AccessReviewDueView {
        AccessReviewDueView {
            last_completed_at: when(d.last_completed_at),
            due_at: d.due_at.to_rfc3339(),
            overdue: d.overdue,
            in_progress: d.in_progress.map(|id| id.to_string()),
        }
    }

    /// Whether the caller's role may start, decide and complete reviews.
    pub fn conducts(actor: &Actor) -> bool {
        actor.org.as_ref().is_some_and(|org| {
            authz::decide(Some(org.role), Action::ConductAccessReview, None).is_allowed()
        })
    }
}

/// The organization's reviews, newest first, a page at a time, with when the next one is due
/// (Owners, Admins and Auditors).
#[server(prefix = "/api", endpoint = "list_access_reviews")]
pub async fn list_access_reviews(page: Option<i64>) -> Result<AccessReviewList, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let page = page.unwrap_or(1).max(1);
    let listed = gatehouse_server::access_reviews::list_access_reviews(&svc, &actor, page).await?;
    Ok(AccessReviewList {
        reviews: listed.reviews.into_iter().map(convert::review).collect(),
        total: listed.total,
        page,
        page_size: gatehouse_server::access_reviews::REVIEWS_PAGE_SIZE,
        due: convert::due(listed.due),
        can_conduct: convert::conducts(&actor),
    })
}

/// When the organization's next review is due (Owners, Admins and Auditors): the banner Owners
/// see once it is overdue.
#[server(prefix = "/api", endpoint = "access_review_due")]
pub async fn access_review_due() -> Result<AccessReviewDueView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let due = gatehouse_server::access_reviews::access_review_due(&svc, &actor).await?;
    Ok(convert::due(due))
}

/// Starts a review (Owners): a row for every active member with their facts as they are now.
/// Answers the review; a second one while it is open is refused (409).
#[server(prefix = "/api", endpoint = "start_access_review")]
pub async fn start_access_review() -> Result<AccessReviewView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let review = gatehouse_server::access_reviews::start_access_review(&svc, &actor).await?;
    let review = convert::review(review);
    ctx::redirect_form_post(
        &crate::saved::Saved::AccessReviewStarted.at(&access_review_path(&review.id)),
    );
    Ok(review)
}

/// A review with one page of its rows by name (Owners, Admins and Auditors); `show` is `all`,
/// `attention` or `undecided`.
#[server(prefix = "/api", endpoint = "get_access_review")]
pub async fn get_access_review(
    review_id: String,
    show: Option<String>,
    page: Option<i64>,
) -> Result<AccessReviewDetail, AppError> {
    use crate::ctx;
    use gatehouse_server::access_reviews::{self, Show};
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let page = page.unwrap_or(1).max(1);
    let show = Show::parse(show.as_deref().unwrap_or_default());
    let found = access_reviews::get_access_review(&svc, &actor, &review_id, show, page).await?;
    let open = found.review.completed_at.is_none();
    Ok(AccessReviewDetail {
        review: convert::review(found.review),
        items: found.items.into_iter().map(convert::item).collect(),
        show: show.as_str().to_string(),
        matching: found.matching,
        page,
        page_size: access_reviews::ITEMS_PAGE_SIZE,
        can_conduct: open && convert::conducts(&actor),
    })
}

/// Decides one row (Owners) and makes the change at once: `keep`, `change_role` (with `role`:
/// owner, admin, member or auditor), `remove` or `deactivate`. Answers the row as recorded.
#[server(prefix = "/api", endpoint = "decide_review_item")]
pub async fn decide_review_item(
    item_id: String,
    decision: String,
    role: Option<String>,
) -> Result<ReviewItemView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let item = gatehouse_server::access_reviews::decide_review_item(
        &svc,
        &actor,
        &item_id,
        &decision,
        role.as_deref(),
    )
    .await?;
    let item = convert::item(item);
    ctx::redirect_form_post(&decided_location(&item.review_id));
    Ok(item)
}

/// Completes a review once every row is decided (Owners); answers it.
#[server(prefix = "/api", endpoint = "complete_access_review")]
pub async fn complete_access_review(review_id: String) -> Result<AccessReviewView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let review =
        gatehouse_server::access_reviews::complete_access_review(&svc, &actor, &review_id).await?;
    let review = convert::review(review);
    ctx::redirect_form_post(
        &crate::saved::Saved::AccessReviewCompleted.at(&access_review_path(&review.id)),
    );
    Ok(review)
}

/// Where a no-JavaScript decision goes back to: the review's page with the rows it was posted
/// from (its `show` and `page`), confirming it.
#[cfg(feature = "ssr")]
fn decided_location(review_id: &str) -> String {
    let referer = use_context::<http::request::Parts>().and_then(|parts| {
        let referer = parts.headers.get(http::header::REFERER)?.to_str().ok()?;
        referer.parse::<http::Uri>().ok()
    });
    let param = |name: &str| -> Option<String> {
        referer.as_ref()?.query()?.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.to_string())
        })
    };
    let show = param("show").filter(|s| matches!(s.as_str(), "attention" | "undecided"));
    let page = param("page").filter(|p| p.parse::<u32>().is_ok_and(|p| p > 1));
    crate::paths::with_query(
        &access_review_path(review_id),
        &[
            ("show", show.as_deref()),
            ("page", page.as_deref()),
            (
                "saved",
                Some(crate::saved::Saved::AccessReviewDecided.code()),
            ),
        ],
    )
}
