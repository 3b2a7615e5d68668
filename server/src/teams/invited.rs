//! Numbered placeholder lists, and joining the teams an accepted invitation names.

use super::*;

/// `$first, $first+1, …`: `count` numbered placeholders for an `IN (…)` list.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Accepting an invitation that names teams joins those that still exist (inside the
/// acceptance's transaction), each audited as added by the inviter. The invitation's team rows
/// are taken (deleted) first, so a team deleted meanwhile waits for this or is skipped.
pub(crate) async fn join_invited_teams(
    conn: &mut AnyConnection,
    invitation: ids::InvitationId,
    org: OrgId,
    user: UserId,
    client: &crate::vocab::ClientInfo,
    now: Timestamp,
) -> Result<(), Error> {
    let teams: Vec<String> = sqlx::query_scalar(
        "DELETE FROM invitation_teams WHERE invitation_id = $1 RETURNING team_id",
    )
    .bind(invitation.to_string())
    .fetch_all(&mut *conn)
    .await?;
    if teams.is_empty() {
        return Ok(());
    }
    let inviter: Option<String> =
        sqlx::query_scalar("SELECT invited_by FROM invitations WHERE id = $1")
            .bind(invitation.to_string())
            .fetch_one(&mut *conn)
            .await?;
    let inviter = inviter
        .as_deref()
        .map(|id| ids::from_db(id, UserId::parse))
        .transpose()?;
    for team in teams {
        let team = ids::from_db(&team, TeamId::parse)?;
        let joined = sqlx::query(
            "INSERT INTO team_members (team_id, org_id, user_id, is_lead, added_by, added_at) \
             SELECT id, org_id, $2, 0, $3, $4 FROM teams WHERE id = $1 AND org_id = $5 \
             ON CONFLICT (team_id, user_id) DO NOTHING",
        )
        .bind(team.to_string())
        .bind(user.to_string())
        .bind(inviter.map(|id| id.to_string()))
        .bind(now.as_millis())
        .bind(org.to_string())
        .execute(&mut *conn)
        .await?;
        if joined.rows_affected() == 1 {
            let event = Event {
                action: Audited::TeamMemberAdded,
                org: Some(org),
                actor: inviter,
                target: Some(format!("team:{team} user:{user} invitation:{invitation}")),
                client,
            };
            audit::record(conn, event, now).await?;
        }
    }
    Ok(())
}
