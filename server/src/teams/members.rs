//! A team's members: who is in it (and who leads it), the type-ahead that finds organization
//! members to add, adding and removing them, and choosing the lead.

use super::*;
use crate::error::Private;
use crate::projects::Candidate;

/// A team may hold this many members.
pub const TEAM_MEMBERS_MAX: i64 = 10_000;
/// Rows per page of a team's member list.
pub const MEMBERS_PAGE_SIZE: i64 = 50;
/// Suggestions the type-ahead offers.
const CANDIDATES_MAX: i64 = 10;

/// One member of a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub lead: bool,
    /// Deactivated in the organization: in the team, without its access until reactivated.
    pub deactivated: bool,
    pub added_by: Option<String>,
    pub added_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMemberPage {
    pub members: Vec<TeamMember>,
    pub total: i64,
    /// Whether the caller may add and remove members (the team's lead, Owners and Admins).
    pub can_manage: bool,
}

type MemberRow = (
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
    i64,
    i64,
);

/// A team's members whose name or email contains `query`, lead first then by name, a page at
/// a time. Anyone who can see the team may call it.
///
/// Errors: `NotFound` for a team the caller cannot see; `Validation` on `query`.
pub async fn list_team_members(
    svc: &Services,
    actor: &Actor,
    team_id: &str,
    query: &str,
    page: i64,
) -> Result<TeamMemberPage, Error> {
    let team = get_team(svc, actor, team_id).await?;
    let (org, _) = current_org(actor)?;
    let query = crate::members::search_query(query)?;
    let pattern = format!("%{}%", crate::members::like_escape(&query.to_lowercase()));
    let rows: Vec<MemberRow> = sqlx::query_as(
        "SELECT u.id, u.name, u.email, t.is_lead, m.deactivated_at, ab.name, t.added_at, \
                COUNT(*) OVER () \
         FROM team_members t \
         JOIN memberships m ON m.org_id = t.org_id AND m.user_id = t.user_id \
         JOIN users u ON u.id = t.user_id \
         LEFT JOIN users ab ON ab.id = t.added_by \
         WHERE t.team_id = $1 AND t.org_id = $2 AND m.sort_key LIKE $3 ESCAPE '\\' \
         ORDER BY t.is_lead DESC, m.sort_key LIMIT $4 OFFSET $5",
    )
    .bind(team.id.to_string())
    .bind(org.to_string())
    .bind(&pattern)
    .bind(MEMBERS_PAGE_SIZE)
    .bind((page.max(1) - 1).saturating_mul(MEMBERS_PAGE_SIZE))
    .fetch_all(svc.db.pool())
    .await?;
    let total = rows.first().map_or(0, |row| row.7);
    let members = rows
        .into_iter()
        .map(
            |(id, name, email, lead, deactivated, added_by, added_at, _)| {
                Ok(TeamMember {
                    user_id: ids::from_db(&id, UserId::parse)?,
                    name,
                    email,
                    lead: lead == 1,
                    deactivated: deactivated.is_some(),
                    added_by,
                    added_at: Timestamp::from_millis(added_at),
                })
            },
        )
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(TeamMemberPage {
        members,
        total,
        can_manage: team.can_manage_members,
    })
}

/// Active organization members whose name or email contains `query` and who are not in the
/// team yet, for the type-ahead. `team_id` empty: any active member, for a team being created
/// (Owners and Admins). Needs the right to manage the team's members.
pub async fn team_member_candidates(
    svc: &Services,
    actor: &Actor,
    team_id: &str,
    query: &str,
) -> Result<Vec<Candidate>, Error> {
    let (org, role) = current_org(actor)?;
    let team = if team_id.trim().is_empty() {
        require(authz::decide_team(
            Some(role),
            TeamStanding::default(),
            TeamAction::Create,
        ))?;
        None
    } else {
        let team = get_team(svc, actor, team_id).await?;
        require(authz::decide_team(
            Some(role),
            team.standing,
            TeamAction::ManageMembers,
        ))?;
        Some(team.id)
    };
    let query = crate::members::search_query(query)?;
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT u.id, u.name, u.email FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.org_id = $1 AND m.deactivated_at IS NULL AND m.sort_key LIKE $2 ESCAPE '\\' \
           AND NOT EXISTS (SELECT 1 FROM team_members t \
                           WHERE t.team_id = $3 AND t.user_id = m.user_id) \
         ORDER BY m.sort_key LIMIT $4",
    )
    .bind(org.to_string())
    .bind(format!(
        "%{}%",
        crate::members::like_escape(&query.to_lowercase())
    ))
    .bind(team.map(|t| t.to_string()).unwrap_or_default())
    .bind(CANDIDATES_MAX)
    .fetch_all(svc.db.pool())
    .await?;
    rows.into_iter()
        .map(|(id, name, email)| {
            Ok(Candidate {
                user_id: ids::from_db(&id, UserId::parse)?,
                name,
                email,
            })
        })
        .collect()
}

/// The distinct people named by `user_ids` (at most [`ADD_MAX`]); none is an error unless
/// `may_be_empty`.
pub(super) fn people(user_ids: &[String], may_be_empty: bool) -> Result<Vec<UserId>, Error> {
    if user_ids.is_empty() && !may_be_empty {
        return Err(FieldErrors::single(
            "user_id",
            Problem::Required(Subject::People),
        ));
    }
    if user_ids.len() > ADD_MAX {
        return Err(FieldErrors::single(
            "user_id",
            Problem::TooManyPeople { max: ADD_MAX },
        ));
    }
    let mut users = Vec::with_capacity(user_ids.len());
    for id in user_ids
        .iter()
        .map(|id| id.trim())
        .filter(|id| !id.is_empty())
    {
        let user = UserId::parse(id).ok_or(Error::NotFound)?;
        if !users.contains(&user) {
            users.push(user);
        }
    }
    if users.is_empty() && !may_be_empty {
        return Err(FieldErrors::single(
            "user_id",
            Problem::Required(Subject::People),
        ));
    }
    Ok(users)
}

/// Adds members of the organization to a team. Its lead, Owners and Admins; all or nothing.
///
/// Errors: `Validation` on `user_id` (none, too many, the team full); `NotFound` for a team the
/// caller cannot see or a person who is not a member here; `Conflict` for someone already in it.
pub async fn add_team_members(
    svc: &Services,
    actor: &Actor,
    team_id: &str,
    user_ids: &[String],
) -> Result<(), Error> {
    let users = people(user_ids, false)?;
    let now = svc.clock.now();
    let (mut change, org, team) =
        begin_team_change(svc, actor, team_id, TeamAction::ManageMembers).await?;
    insert(&mut change, actor, org, team, &users, now).await?;
    commit(change, org).await
}

/// Puts `users` (members of the organization, none in the team yet) in the team, audited.
pub(super) async fn insert(
    change: &mut Change<'_>,
    actor: &Actor,
    org: OrgId,
    team: TeamId,
    users: &[UserId],
    now: Timestamp,
) -> Result<(), Error> {
    if users.is_empty() {
        return Ok(());
    }
    // One read finds who is a member here, their name, and whether they are in the team.
    let found: Vec<(String, String, i64)> = sqlx::query_as(&format!(
        "SELECT m.user_id, u.name, \
                (SELECT COUNT(*) FROM team_members t WHERE t.team_id = $2 AND t.user_id = m.user_id) \
         FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.org_id = $1 AND m.user_id IN ({})",
        placeholders(3, users.len())
    ))
    .bind(org.to_string())
    .bind(team.to_string())
    .bind_all(users)
    .fetch_all(change.conn())
    .await?;
    if found.len() != users.len() {
        return Err(Error::NotFound);
    }
    if let Some((_, name, _)) = found.iter().find(|(_, _, inside)| *inside > 0) {
        return Err(Error::Conflict(Clash::AlreadyInTeam {
            name: Private(name.clone()),
        }));
    }
    let size: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM team_members WHERE team_id = $1")
        .bind(team.to_string())
        .fetch_one(change.conn())
        .await?;
    if size + i64::try_from(users.len()).unwrap_or(i64::MAX) > TEAM_MEMBERS_MAX {
        return Err(FieldErrors::single(
            "user_id",
            Problem::TeamFull {
                max: TEAM_MEMBERS_MAX,
            },
        ));
    }
    sqlx::query(&format!(
        "INSERT INTO team_members (team_id, org_id, user_id, is_lead, added_by, added_at) \
         SELECT $1, org_id, user_id, 0, $3, $4 FROM memberships \
         WHERE org_id = $2 AND user_id IN ({})",
        placeholders(5, users.len())
    ))
    .bind(team.to_string())
    .bind(org.to_string())
    .bind(actor.user_id.to_string())
    .bind(now.as_millis())
    .bind_all(users)
    .execute(change.conn())
    .await?;
    for user in users {
        let detail = format!(" user:{user}");
        record(
            change,
            actor,
            org,
            Audited::TeamMemberAdded,
            team,
            &detail,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Takes someone out of a team (its lead too: the team is then without one); what the team
/// gave them ends on their next request. Its lead, Owners and Admins.
///
/// Errors: `NotFound` for a team the caller cannot see or someone not in it.
pub async fn remove_team_member(
    svc: &Services,
    actor: &Actor,
    team_id: &str,
    user_id: &str,
) -> Result<(), Error> {
    let user = UserId::parse(user_id).ok_or(Error::NotFound)?;
    let now = svc.clock.now();
    let (mut change, org, team) =
        begin_team_change(svc, actor, team_id, TeamAction::ManageMembers).await?;
    let removed =
        sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND org_id = $2 AND user_id = $3")
            .bind(team.to_string())
            .bind(org.to_string())
            .bind(user.to_string())
            .execute(change.conn())
            .await?;
    if removed.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    let detail = format!(" user:{user}");
    finish(
        change,
        actor,
        org,
        Audited::TeamMemberRemoved,
        team,
        &detail,
        now,
    )
    .await
}

/// Makes a member of the organization the team's lead (putting them in the team if they are
/// not), or with `user_id` empty leaves the team without one. Owners and Admins.
///
/// Errors: `NotFound` for a team the caller cannot see or a person who is not a member here;
/// `Forbidden` for Members (its lead too).
pub async fn set_team_lead(
    svc: &Services,
    actor: &Actor,
    team_id: &str,
    user_id: &str,
) -> Result<(), Error> {
    let lead = match user_id.trim() {
        "" => None,
        id => Some(UserId::parse(id).ok_or(Error::NotFound)?),
    };
    let now = svc.clock.now();
    let (mut change, org, team) = begin_team_change(svc, actor, team_id, TeamAction::Edit).await?;
    if let Some(lead) = lead {
        let inside: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM team_members WHERE team_id = $1 AND user_id = $2",
        )
        .bind(team.to_string())
        .bind(lead.to_string())
        .fetch_one(change.conn())
        .await?;
        if inside == 0 {
            insert(&mut change, actor, org, team, &[lead], now).await?;
        }
    }
    make_lead(&mut change, actor, org, team, lead, now).await?;
    commit(change, org).await
}

/// Sets the team's lead (a member of it) or clears it, audited.
pub(super) async fn make_lead(
    change: &mut Change<'_>,
    actor: &Actor,
    org: OrgId,
    team: TeamId,
    lead: Option<UserId>,
    now: Timestamp,
) -> Result<(), Error> {
    // Cleared first, then set: the one-lead index holds after each statement.
    sqlx::query("UPDATE team_members SET is_lead = 0 WHERE team_id = $1 AND is_lead = 1")
        .bind(team.to_string())
        .execute(change.conn())
        .await?;
    if let Some(lead) = lead {
        sqlx::query("UPDATE team_members SET is_lead = 1 WHERE team_id = $1 AND user_id = $2")
            .bind(team.to_string())
            .bind(lead.to_string())
            .execute(change.conn())
            .await?;
    }
    let detail = match lead {
        Some(lead) => format!(" lead:{lead}"),
        None => " lead:none".to_string(),
    };
    record(
        change,
        actor,
        org,
        Audited::TeamLeadChanged,
        team,
        &detail,
        now,
    )
    .await
}

/// Binding every id of a list, in order.
trait BindAll<'q> {
    fn bind_all(self, users: &[UserId]) -> Self;
}

impl<'q> BindAll<'q> for sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    fn bind_all(mut self, users: &[UserId]) -> Self {
        for user in users {
            self = self.bind(user.to_string());
        }
        self
    }
}

impl<'q, O> BindAll<'q> for sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
    fn bind_all(mut self, users: &[UserId]) -> Self {
        for user in users {
            self = self.bind(user.to_string());
        }
        self
    }
}
