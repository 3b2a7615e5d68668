//! The project role an invitation from a project's Members tab grants when it is accepted.

use super::*;

/// Accepting an invitation that carries a project role grants it (inside the acceptance's
/// transaction), audited as added by the inviter. A project deleted meanwhile grants nothing.
pub(crate) async fn grant_invited_role(
    conn: &mut AnyConnection,
    invitation: InvitationId,
    org: OrgId,
    user: UserId,
    client: &crate::vocab::ClientInfo,
    now: Timestamp,
) -> Result<(), Error> {
    let row: Option<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT project_id, project_role, invited_by FROM invitations WHERE id = $1",
    )
    .bind(invitation.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let Some((Some(project), Some(role), invited_by)) = row else {
        return Ok(());
    };
    let role = parse_project_role(&role)?;
    let granted = sqlx::query(
        "INSERT INTO project_grants (project_id, org_id, user_id, role, granted_by, granted_at) \
         SELECT id, org_id, $2, $3, $4, $5 FROM projects WHERE id = $1 AND org_id = $6 \
         ON CONFLICT (project_id, user_id) DO NOTHING",
    )
    .bind(&project)
    .bind(user.to_string())
    .bind(role.as_str())
    .bind(invited_by.as_deref())
    .bind(now.as_millis())
    .bind(org.to_string())
    .execute(&mut *conn)
    .await?;
    if granted.rows_affected() == 1 {
        let inviter = invited_by
            .as_deref()
            .map(|id| ids::from_db(id, UserId::parse))
            .transpose()?;
        let event = Event {
            action: Audited::ProjectMemberAdded,
            org: Some(org),
            actor: inviter,
            target: Some(format!(
                "project:{project} user:{user} role:{role} invitation:{invitation}"
            )),
            client,
        };
        audit::record(conn, event, now).await?;
    }
    Ok(())
}
