//! Deciding one row: the change is made first, through the Members screen's own functions (they
//! decide who may do what to whom and commit it with its audit event), then the decision is
//! recorded. The two are separate transactions: the members functions take the organization's
//! lock themselves, so none may be held across them.

use sqlx::AnyConnection;

use super::{Decision, ReviewItem, require_conduct, store, unknown_role};
use crate::audit::{self, Action as Audited, Event};
use crate::authz::{self, Action, require};
use crate::error::{Clash, FieldErrors, Problem};
use crate::ids::{OrgId, ReviewItemId, UserId};
use crate::members;
use crate::orgs::parse_role;
use crate::vocab::{Actor, Role};
use crate::{Error, Services};

/// Decides one row of the caller's organization's open review (Owners only) and makes the
/// change at once: `keep`, `change_role` (to `role`: owner, admin, member or auditor), `remove`
/// or `deactivate`. Keep may be revised while the review is open; a decision that changed
/// access stands. Answers the row as recorded.
///
/// Errors: `NotFound` for a row that is not of the caller's organization; `Forbidden` for
/// anyone but an Owner and wherever the Members screen would refuse the change (the last
/// Owner, deactivating oneself); `Validation` on `decision` or `role` (also for the role they
/// hold already); `Conflict` when the review is completed (`ReviewCompleted`), the row's
/// decision already changed access (`DecisionFinal`) or the person left (`NoLongerAMember`: record
/// Remove).
pub async fn decide_review_item(
    svc: &Services,
    actor: &Actor,
    item_id: &str,
    decision: &str,
    role: Option<&str>,
) -> Result<ReviewItem, Error> {
    let org = require_conduct(actor)?;
    let id = ReviewItemId::parse(item_id).ok_or(Error::NotFound)?;
    let decision = Decision::parse(decision)
        .ok_or_else(|| FieldErrors::single("decision", Problem::UnknownDecision))?;
    let new_role = match decision {
        Decision::ChangeRole => {
            Some(Role::parse(role.unwrap_or_default()).ok_or_else(unknown_role)?)
        }
        _ => None,
    };
    let item = {
        let mut conn = svc.db.pool().acquire().await?;
        let item = store::item(&mut conn, org, id).await?;
        if review_completed(&mut conn, org, &item).await? {
            return Err(Error::Conflict(Clash::ReviewCompleted));
        }
        item
    };
    if item.decision.is_some_and(Decision::changes_access) {
        return Err(Error::Conflict(Clash::DecisionFinal));
    }
    // The caller's role now, not as their session was resolved: a decision may demote or
    // remove the reviewer themselves, so it is not asked again once the change is made.
    let role = current_role(svc, org, actor.user_id).await?;
    require(authz::decide(role, Action::ConductAccessReview, None))?;
    carry_out(svc, actor, org, item.user_id, decision, new_role).await?;
    record(svc, actor, org, &item, decision, new_role).await?;
    let mut conn = svc.db.pool().acquire().await?;
    store::item(&mut conn, org, id).await
}

/// Makes the change a decision stands for, as the Members screen makes it. What a decision asks
/// for and already holds (the person gone, for Remove; deactivated, for Deactivate) is done.
async fn carry_out(
    svc: &Services,
    actor: &Actor,
    org: OrgId,
    user: UserId,
    decision: Decision,
    new_role: Option<Role>,
) -> Result<(), Error> {
    let current = current_role(svc, org, user).await?;
    let person = user.to_string();
    let gone = || Error::Conflict(Clash::NoLongerAMember);
    match decision {
        Decision::Keep => current.map(|_| ()).ok_or_else(gone),
        Decision::ChangeRole => {
            let to = new_role.ok_or_else(unknown_role)?;
            match current {
                None => Err(gone()),
                Some(held) if held == to => Err(FieldErrors::single("role", Problem::SameRole)),
                Some(_) => members::update_member_role(svc, actor, &person, to.as_str())
                    .await
                    .map_err(|err| not_found_as(err, gone())),
            }
        }
        Decision::Remove if current.is_none() => Ok(()),
        Decision::Remove => match members::remove_member(svc, actor, &person).await {
            // Removed meanwhile by someone else: what was decided holds.
            Err(Error::NotFound) if current_role(svc, org, user).await?.is_none() => Ok(()),
            other => other,
        },
        Decision::Deactivate => match members::deactivate_member(svc, actor, &person).await {
            Err(Error::Conflict(Clash::AlreadyDeactivated)) => Ok(()),
            other => other.map_err(|err| not_found_as(err, gone())),
        },
    }
}

/// The members functions answer "not found" for a person who is not a member (any more).
fn not_found_as(err: Error, instead: Error) -> Error {
    match err {
        Error::NotFound => instead,
        other => other,
    }
}

/// `user`'s role in `org` now, if they are a member (deactivated or not).
async fn current_role(svc: &Services, org: OrgId, user: UserId) -> Result<Option<Role>, Error> {
    let role: Option<String> =
        sqlx::query_scalar("SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2")
            .bind(org.to_string())
            .bind(user.to_string())
            .fetch_optional(svc.db.pool())
            .await?;
    role.as_deref().map(parse_role).transpose()
}

async fn review_completed(
    conn: &mut AnyConnection,
    org: OrgId,
    item: &ReviewItem,
) -> Result<bool, Error> {
    let completed: Option<Option<i64>> =
        sqlx::query_scalar("SELECT completed_at FROM access_reviews WHERE id = $1 AND org_id = $2")
            .bind(item.review_id.to_string())
            .bind(org.to_string())
            .fetch_optional(conn)
            .await?;
    Ok(completed.ok_or(Error::NotFound)?.is_some())
}

/// Records the decision and who made it, with its audit event, under the organization's lock
/// (completing a review takes it too). A Keep that arrives after the review was completed is
/// refused; a change already made is recorded whatever happened meanwhile, so the row tells the
/// truth.
async fn record(
    svc: &Services,
    actor: &Actor,
    org: OrgId,
    item: &ReviewItem,
    decision: Decision,
    new_role: Option<Role>,
) -> Result<(), Error> {
    let now = svc.clock.now();
    let mut tx = svc.db.begin().await?;
    sqlx::query("UPDATE organizations SET name = name WHERE id = $1")
        .bind(org.to_string())
        .execute(&mut *tx)
        .await?;
    if !decision.changes_access() && review_completed(&mut tx, org, item).await? {
        return Err(Error::Conflict(Clash::ReviewCompleted));
    }
    sqlx::query(
        "UPDATE access_review_items SET decision = $1, new_role = $2, decided_by = $3, \
         decided_at = $4 WHERE id = $5 AND org_id = $6",
    )
    .bind(decision.as_str())
    .bind(new_role.map(Role::as_str))
    .bind(actor.user_id.to_string())
    .bind(now.as_millis())
    .bind(item.id.to_string())
    .bind(org.to_string())
    .execute(&mut *tx)
    .await?;
    let role_detail = new_role.map(|r| format!(" role:{r}")).unwrap_or_default();
    let event = Event {
        action: Audited::AccessReviewItemDecided,
        org: Some(org),
        actor: Some(actor.user_id),
        target: Some(format!(
            "access_review:{} user:{} decision:{}{role_detail}",
            item.review_id,
            item.user_id,
            decision.as_str()
        )),
        client: &actor.client,
    };
    audit::record(&mut tx, event, now).await?;
    tx.commit().await?;
    Ok(())
}
