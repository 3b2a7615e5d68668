//! The members of the caller's current organization: list and search them, change their role,
//! remove them. Every query is scoped by the organization of the caller's session; an id from
//! another organization is "not found". `authz` decides who may do what.

use sqlx::AnyConnection;

use crate::audit::{self, Action as Audited, Event};
use crate::authz::{self, Action, Target, current_org, require};
use crate::cache::{Change, Invalidation};
use crate::clock::Timestamp;
use crate::error::{Clash, Denial, FieldErrors, Problem};
use crate::ids::{self, OrgId, UserId};

use crate::sessions;
use crate::vocab::{Actor, EndReason, Role};
use crate::{Error, Services};

/// Members per page of the Members screen.
pub const PAGE_SIZE: i64 = 25;

/// One row of the Members screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// Whether they sign in with a second factor.
    pub mfa_enabled: bool,
    /// Set when the organization's policy requires MFA of them and they have none yet: the end
    /// of their grace period.
    pub mfa_required_by: Option<Timestamp>,
    /// Deactivated members keep their row and role but cannot reach the organization.
    pub deactivated: bool,
    /// The latest activity of any of their signed-in devices; `None` when none is signed in.
    pub last_active_at: Option<Timestamp>,
    /// When they last signed in (kept on the account); `None` if they never did.
    pub last_sign_in_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberPage {
    pub members: Vec<Member>,
    /// How many members match the search, over all pages.
    pub total: i64,
}

/// Lists the members of the caller's organization whose name or email contains `query`
/// (case-insensitive), by name, one page at a time (pages count from 1). Any member may call it.
pub async fn list_members(
    svc: &Services,
    actor: &Actor,
    query: &str,
    page: i64,
) -> Result<MemberPage, Error> {
    list_members_filtered(svc, actor, query, None, page).await
}

/// The longest "no sign-in for N days" the Members filter takes (ten years).
pub const INACTIVE_DAYS_MAX: i64 = 3650;

/// [`list_members`], keeping with `inactive_days` only members who have not signed in for that
/// many days (counted from when they joined if they never did): the Members screen's
/// "Inactive" filter. Last sign-in is stored on the account when it happens, so it survives
/// the sessions' expiry.
pub async fn list_members_filtered(
    svc: &Services,
    actor: &Actor,
    query: &str,
    inactive_days: Option<i64>,
    page: i64,
) -> Result<MemberPage, Error> {
    let (org, role) = current_org(actor)?;
    require(authz::decide(Some(role), Action::ViewMembers, None))?;
    let query = search_query(query)?;
    if let Some(days) = inactive_days
        && !(1..=INACTIVE_DAYS_MAX).contains(&days)
    {
        return Err(FieldErrors::single(
            "inactive_days",
            Problem::InactiveDaysOutOfRange {
                max: INACTIVE_DAYS_MAX,
            },
        ));
    }
    let cutoff = inactive_days.map(|days| {
        svc.clock
            .now()
            .minus(std::time::Duration::from_secs(
                u64::try_from(days).unwrap_or(0) * 86_400,
            ))
            .as_millis()
    });
    let offset = (page.max(1) - 1).saturating_mul(PAGE_SIZE);
    let pool = svc.db.pool();
    // Browsing walks the (org_id, sort_key) index in name order and cuts the page before anything
    // else is read; the count comes from the same index. A search matches the sort key (the
    // lower-cased name and the email) of each of the organization's members once, counting the
    // matches in that same pass (a window count). Either way "last active" is looked up for the
    // page's rows only.
    let (search, pattern) = if query.is_empty() {
        ("", String::new())
    } else {
        (
            "AND m.sort_key LIKE $2 ESCAPE '\\'",
            format!("%{}%", like_escape(&query.to_lowercase())),
        )
    };
    let inactive = if cutoff.is_some() {
        "AND COALESCE((SELECT iu.last_sign_in_at FROM users iu WHERE iu.id = m.user_id), \
                       m.created_at) < $5"
    } else {
        "AND $5 = $5"
    };
    let filter = format!("{search} {inactive}");
    let total = if query.is_empty() && cutoff.is_none() {
        "(SELECT COUNT(*) FROM memberships WHERE org_id = $1)"
    } else {
        "COUNT(*) OVER ()"
    };
    let rows: Vec<MemberRow> = sqlx::query_as(&format!(
        "SELECT u.id, u.name, u.email, p.role, p.deactivated_at, p.total, \
                (SELECT MAX(s.last_active_at) FROM sessions s \
                 WHERE s.user_id = u.id AND s.org_id = $1 AND s.ended_at IS NULL), \
                t.enabled_at, u.last_sign_in_at \
         FROM (SELECT m.user_id, m.role, m.deactivated_at, m.sort_key, {total} AS total \
               FROM memberships m \
               WHERE m.org_id = $1 AND $2 = $2 {filter} \
               ORDER BY m.sort_key LIMIT $3 OFFSET $4) p \
         JOIN users u ON u.id = p.user_id \
         LEFT JOIN mfa_totp t ON t.user_id = p.user_id \
         ORDER BY p.sort_key"
    ))
    .bind(org.to_string())
    .bind(pattern.as_str())
    .bind(PAGE_SIZE)
    .bind(offset)
    .bind(cutoff.unwrap_or(0))
    .fetch_all(pool)
    .await?;
    let total = match rows.first() {
        Some(row) => row.5,
        // Past the last page (or nothing matches): count on its own.
        None => {
            sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM memberships m \
                 WHERE m.org_id = $1 AND $2 = $2 AND $3 = $3 AND $4 = $4 {filter}"
            ))
            .bind(org.to_string())
            .bind(pattern.as_str())
            .bind(PAGE_SIZE)
            .bind(offset)
            .bind(cutoff.unwrap_or(0))
            .fetch_one(pool)
            .await?
        }
    };
    let policy = {
        let mut conn = pool.acquire().await?;
        crate::security_policy::policy_of(&mut conn, &org.to_string()).await?
    };
    let members = rows
        .into_iter()
        .map(
            |(id, name, email, role, deactivated_at, _, last_active, mfa, last_sign_in)| {
                let role = crate::orgs::parse_role(&role)?;
                Ok(Member {
                    user_id: ids::from_db(&id, UserId::parse)?,
                    name,
                    email,
                    role,
                    mfa_enabled: mfa.is_some(),
                    mfa_required_by: match mfa {
                        Some(_) => None,
                        None => policy.mfa_deadline(role),
                    },
                    deactivated: deactivated_at.is_some(),
                    last_active_at: last_active.map(Timestamp::from_millis),
                    last_sign_in_at: last_sign_in.map(Timestamp::from_millis),
                })
            },
        )
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(MemberPage { members, total })
}

/// id, name, email, role, deactivated_at, matches in all, last_active_at, MFA enabled_at,
/// last_sign_in_at
type MemberRow = (
    String,
    String,
    String,
    String,
    Option<i64>,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// The longest search a list accepts.
const QUERY_MAX: usize = 100;

/// A list's search as typed: trimmed, at most 100 characters, else a field error on `query`.
pub(crate) fn search_query(query: &str) -> Result<&str, Error> {
    let query = query.trim();
    if query.chars().count() > QUERY_MAX {
        return Err(FieldErrors::single(
            "query",
            Problem::TooLong { max: QUERY_MAX },
        ));
    }
    Ok(query)
}

/// `text` as a literal inside a `LIKE … ESCAPE '\'` pattern: `%`, `_` and `\` match themselves.
pub(crate) fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Changes a member's role in the caller's organization; effective on their next request.
///
/// Errors: `Validation` on `role`; `NotFound` for a user who is not a member here; `Forbidden` for
/// a caller whose role may not, for Owner-only changes, and for demoting the last Owner.
pub async fn update_member_role(
    svc: &Services,
    actor: &Actor,
    user_id: &str,
    role: &str,
) -> Result<(), Error> {
    let Some(to) = Role::parse(role) else {
        return Err(FieldErrors::single("role", Problem::UnknownMemberRole));
    };
    let now = svc.clock.now();
    let (mut change, org, user, target) =
        begin_member_change(svc, actor, user_id, Action::ChangeRole { to }).await?;
    sqlx::query("UPDATE memberships SET role = $1 WHERE org_id = $2 AND user_id = $3")
        .bind(to.as_str())
        .bind(org.to_string())
        .bind(user.to_string())
        .execute(change.conn())
        .await?;
    let detail = format!(" role:{}->{}", target.role, to);
    finish(
        change,
        actor,
        org,
        user,
        Audited::MemberRoleChanged,
        &detail,
        now,
    )
    .await
}

/// Removes a member from the caller's organization: their access here ends at once; their
/// account and other memberships stay.
///
/// Errors: `NotFound` for a user who is not a member here; `Forbidden` as for role changes.
pub async fn remove_member(svc: &Services, actor: &Actor, user_id: &str) -> Result<(), Error> {
    let now = svc.clock.now();
    let (mut change, org, user, _) =
        begin_member_change(svc, actor, user_id, Action::RemoveMember).await?;
    delete_membership(change.conn(), org, user).await?;
    finish(change, actor, org, user, Audited::MemberRemoved, "", now).await
}

/// Deactivates a member of the caller's organization: every session they have here ends at
/// once and sign-in here is refused; their row and role stay for reactivation.
///
/// Errors: `NotFound` for a user who is not a member here; `Forbidden` as for role changes, for
/// the last Owner, and for the caller themselves.
pub async fn deactivate_member(svc: &Services, actor: &Actor, user_id: &str) -> Result<(), Error> {
    let now = svc.clock.now();
    let (mut change, org, user, _) =
        begin_member_change(svc, actor, user_id, Action::DeactivateMember).await?;
    if user == actor.user_id {
        return Err(Error::Forbidden(Denial::DeactivateSelf));
    }
    let changed = sqlx::query(
        "UPDATE memberships SET deactivated_at = $1 \
         WHERE org_id = $2 AND user_id = $3 AND deactivated_at IS NULL",
    )
    .bind(now.as_millis())
    .bind(org.to_string())
    .bind(user.to_string())
    .execute(change.conn())
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::Conflict(Clash::AlreadyDeactivated));
    }
    sessions::end_all_in_org(
        &mut change,
        user,
        org,
        EndReason::Deactivated,
        &actor.client,
        now,
    )
    .await?;
    finish(
        change,
        actor,
        org,
        user,
        Audited::MemberDeactivated,
        "",
        now,
    )
    .await
}

/// Reactivates a deactivated member: they can sign in here again, with the role they had.
///
/// Errors: `NotFound` for a user who is not a member here; `Forbidden` as for role changes;
/// `Conflict` when they are not deactivated.
pub async fn reactivate_member(svc: &Services, actor: &Actor, user_id: &str) -> Result<(), Error> {
    let now = svc.clock.now();
    let (mut change, org, user, _) =
        begin_member_change(svc, actor, user_id, Action::ReactivateMember).await?;
    let changed = sqlx::query(
        "UPDATE memberships SET deactivated_at = NULL \
         WHERE org_id = $1 AND user_id = $2 AND deactivated_at IS NOT NULL",
    )
    .bind(org.to_string())
    .bind(user.to_string())
    .execute(change.conn())
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::Conflict(Clash::NotDeactivated));
    }
    finish(
        change,
        actor,
        org,
        user,
        Audited::MemberReactivated,
        "",
        now,
    )
    .await
}

/// The caller leaves their current organization; their session moves to another organization
/// of theirs (or to none). The last Owner cannot leave.
pub async fn leave_organization(svc: &Services, actor: &Actor) -> Result<(), Error> {
    let (org, _) = current_org(actor)?;
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let (_, target) = lock_and_read(change.conn(), org, actor.user_id, actor.user_id).await?;
    if target.last_owner {
        return Err(Error::Forbidden(Denial::LastOwnerLeaving));
    }
    delete_membership(change.conn(), org, actor.user_id).await?;
    finish(
        change,
        actor,
        org,
        actor.user_id,
        Audited::MemberLeft,
        "",
        now,
    )
    .await
}

/// Ends a membership; the member's sessions acting here move to another of their organizations.
async fn delete_membership(
    conn: &mut AnyConnection,
    org: OrgId,
    user: UserId,
) -> Result<(), Error> {
    sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(org.to_string())
        .bind(user.to_string())
        .execute(&mut *conn)
        .await?;
    crate::orgs::relocate_sessions(conn, user, org).await
}

/// The opening every change to a member shares: their id parsed (an unknown one is "not
/// found"), the organization locked, and `action` decided with the caller's fresh role.
pub(crate) async fn begin_member_change<'a>(
    svc: &'a Services,
    actor: &Actor,
    user_id: &str,
    action: Action,
) -> Result<(Change<'a>, OrgId, UserId, Target), Error> {
    let (org, _) = current_org(actor)?;
    let user = UserId::parse(user_id).ok_or(Error::NotFound)?;
    let mut change = Change::begin(svc).await?;
    let (caller_role, target) = lock_and_read(change.conn(), org, actor.user_id, user).await?;
    require(authz::decide(Some(caller_role), action, Some(target)))?;
    Ok((change, org, user, target))
}

/// Every membership change ends alike: the member's cached sessions are dropped everywhere (the
/// change holds on their next request), the change is audited (`user:<id>` then `detail`), then
/// committed.
pub(crate) async fn finish(
    mut change: Change<'_>,
    actor: &Actor,
    org: OrgId,
    user: UserId,
    action: Audited,
    detail: &str,
    now: Timestamp,
) -> Result<(), Error> {
    change.invalidate(Invalidation::User(user)).await?;
    change.invalidate(Invalidation::Access(org)).await?;
    let event = Event {
        action,
        org: Some(org),
        actor: Some(actor.user_id),
        target: Some(format!("user:{user}{detail}")),
        client: &actor.client,
    };
    audit::record(change.conn(), event, now).await?;
    change.commit().await
}

/// [`crate::orgs::lock_as_caller`], then the target's role and whether they are the last
/// active Owner.
pub(crate) async fn lock_and_read(
    conn: &mut AnyConnection,
    org: OrgId,
    caller: UserId,
    user: UserId,
) -> Result<(Role, Target), Error> {
    let caller_role = crate::orgs::lock_as_caller(conn, org, caller).await?;
    let row: Option<(String, Option<i64>)> = sqlx::query_as(
        "SELECT role, deactivated_at FROM memberships WHERE org_id = $1 AND user_id = $2",
    )
    .bind(org.to_string())
    .bind(user.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let (role, deactivated_at) = row.ok_or(Error::NotFound)?;
    let role = crate::orgs::parse_role(&role)?;
    let owners: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships \
         WHERE org_id = $1 AND role = 'owner' AND deactivated_at IS NULL",
    )
    .bind(org.to_string())
    .fetch_one(&mut *conn)
    .await?;
    let target = Target {
        role,
        last_owner: role == Role::Owner && deactivated_at.is_none() && owners <= 1,
    };
    Ok((caller_role, target))
}

#[cfg(test)]
mod tests {
    #[test]
    fn search_wildcards_match_themselves() {
        assert_eq!(super::like_escape("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}
