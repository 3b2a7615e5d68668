//! The SQL behind invitations. Every query that takes an invitation id is also scoped by the
//! caller's organization.

use sqlx::AnyPool;

use super::*;

pub struct NewRow<'a> {
    pub id: InvitationId,
    pub org: OrgId,
    pub email: &'a str,
    pub role: Role,
    pub token_hash: &'a str,
    pub invited_by: UserId,
    pub now: Timestamp,
    pub expires_at: Timestamp,
    /// The project role granted on acceptance, if any.
    pub project: Option<(ProjectId, ProjectRole)>,
    /// The name the invitee's account starts with, if the inviter gave one.
    pub invitee_name: Option<&'a str>,
}

pub async fn insert(conn: &mut AnyConnection, row: &NewRow<'_>) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO invitations (id, org_id, email, role, token_hash, invited_by, created_at, \
         expires_at, project_id, project_role, invitee_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(row.id.to_string())
    .bind(row.org.to_string())
    .bind(row.email)
    .bind(row.role.as_str())
    .bind(row.token_hash)
    .bind(row.invited_by.to_string())
    .bind(row.now.as_millis())
    .bind(row.expires_at.as_millis())
    .bind(row.project.map(|(project, _)| project.to_string()))
    .bind(row.project.map(|(_, role)| role.as_str()))
    .bind(row.invitee_name)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the teams accepting joins; "not found" when one is not the organization's.
pub async fn insert_teams(
    conn: &mut AnyConnection,
    org: OrgId,
    invitation: InvitationId,
    teams: &[TeamId],
) -> Result<(), Error> {
    for team in teams {
        let stored = sqlx::query(
            "INSERT INTO invitation_teams (invitation_id, team_id) \
             SELECT $1, id FROM teams WHERE id = $2 AND org_id = $3",
        )
        .bind(invitation.to_string())
        .bind(team.to_string())
        .bind(org.to_string())
        .execute(&mut *conn)
        .await?;
        if stored.rows_affected() == 0 {
            return Err(Error::NotFound);
        }
    }
    Ok(())
}

pub async fn is_member(conn: &mut AnyConnection, org: OrgId, email: &str) -> Result<bool, Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.org_id = $1 AND u.email = $2",
    )
    .bind(org.to_string())
    .bind(email)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

const PENDING: &str = "accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2";

pub async fn has_pending(
    conn: &mut AnyConnection,
    org: OrgId,
    email: &str,
    now: Timestamp,
) -> Result<bool, Error> {
    let found: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT 1 FROM invitations WHERE org_id = $1 AND {PENDING} AND email = $3"
    ))
    .bind(org.to_string())
    .bind(now.as_millis())
    .bind(email)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

pub async fn count_pending(
    conn: &mut AnyConnection,
    org: OrgId,
    now: Timestamp,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM invitations WHERE org_id = $1 AND {PENDING}"
    ))
    .bind(org.to_string())
    .bind(now.as_millis())
    .fetch_one(conn)
    .await?)
}

/// Drops invitations that expired, were revoked or accepted more than 30 days ago, so the list
/// and the table stay bounded.
pub async fn purge_stale(
    conn: &mut AnyConnection,
    org: OrgId,
    now: Timestamp,
) -> Result<(), Error> {
    let cutoff = now.minus(Duration::from_secs(30 * 24 * 3600)).as_millis();
    sqlx::query(
        "DELETE FROM invitations WHERE org_id = $1 AND \
         (expires_at < $2 OR accepted_at < $2 OR revoked_at < $2)",
    )
    .bind(org.to_string())
    .bind(cutoff)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn drop_expired_for(
    conn: &mut AnyConnection,
    org: OrgId,
    email: &str,
    now: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "DELETE FROM invitations WHERE org_id = $1 AND email = $2 AND expires_at <= $3 \
         AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(org.to_string())
    .bind(email)
    .bind(now.as_millis())
    .execute(conn)
    .await?;
    Ok(())
}

type OpenRow = (String, String, String, Option<String>, i64);

pub async fn list_open(
    pool: &AnyPool,
    org: OrgId,
    now: Timestamp,
) -> Result<Vec<Invitation>, Error> {
    let rows: Vec<OpenRow> = sqlx::query_as(
        "SELECT i.id, i.email, i.role, u.name, i.expires_at \
         FROM invitations i LEFT JOIN users u ON u.id = i.invited_by \
         WHERE i.org_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL \
         ORDER BY i.expires_at DESC, i.email LIMIT $2",
    )
    .bind(org.to_string())
    .bind(2 * MAX_PENDING)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, email, role, invited_by, expires_at)| {
            Ok(Invitation {
                id: parse_id(&id)?,
                email,
                role: orgs::parse_role(&role)?,
                invited_by: invited_by.unwrap_or_default(),
                expires_at: Timestamp::from_millis(expires_at),
                status: status_of(expires_at, None, None, now),
            })
        })
        .collect()
}

type FoundRow = (String, String, i64, Option<i64>, Option<i64>);

/// An invitation of `org`: its email, role and status.
pub async fn find(
    conn: &mut AnyConnection,
    org: OrgId,
    id: InvitationId,
    now: Timestamp,
) -> Result<Option<(String, Role, Status)>, Error> {
    let row: Option<FoundRow> = sqlx::query_as(
        "SELECT email, role, expires_at, accepted_at, revoked_at FROM invitations \
         WHERE id = $1 AND org_id = $2",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(|(email, role, expires_at, accepted_at, revoked_at)| {
        Ok((
            email,
            orgs::parse_role(&role)?,
            status_of(expires_at, accepted_at, revoked_at, now),
        ))
    })
    .transpose()
}

/// The names of the teams an invitation joins, by name.
pub async fn team_names(pool: &AnyPool, invitation: &str) -> Result<Vec<String>, Error> {
    let names = sqlx::query_scalar(
        "SELECT t.name FROM invitation_teams i JOIN teams t ON t.id = i.team_id \
         WHERE i.invitation_id = $1 ORDER BY t.name_key",
    )
    .bind(invitation)
    .fetch_all(pool)
    .await?;
    Ok(names)
}

/// New token and expiry for an invitation that is still open; whether it was.
pub async fn renew(
    conn: &mut AnyConnection,
    id: InvitationId,
    token_hash: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<bool, Error> {
    let renewed = sqlx::query(
        "UPDATE invitations SET token_hash = $1, created_at = $2, expires_at = $3 \
         WHERE id = $4 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .bind(now.as_millis())
    .bind(expires_at.as_millis())
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(renewed.rows_affected() == 1)
}

/// Revokes an invitation that is still open; whether it was.
pub async fn revoke(
    conn: &mut AnyConnection,
    id: InvitationId,
    now: Timestamp,
) -> Result<bool, Error> {
    let revoked = sqlx::query(
        "UPDATE invitations SET revoked_at = $1 \
         WHERE id = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now.as_millis())
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(revoked.rows_affected() == 1)
}

type DetailsRow = (
    String,
    String,
    Option<String>,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

pub async fn details(
    pool: &AnyPool,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<Details>, Error> {
    let row: Option<DetailsRow> = sqlx::query_as(
        "SELECT o.name, i.email, u.name, i.role, i.expires_at, i.accepted_at, i.revoked_at, \
                (SELECT 1 FROM users a WHERE a.email = i.email), p.name, i.project_role, \
                i.invitee_name, i.id \
         FROM invitations i JOIN organizations o ON o.id = i.org_id \
         LEFT JOIN users u ON u.id = i.invited_by \
         LEFT JOIN projects p ON p.id = i.project_id \
         WHERE i.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    let teams = match &row {
        Some(row) => team_names(pool, &row.11).await?,
        None => Vec::new(),
    };
    row.map(
        |(
            organization,
            email,
            inviter,
            role,
            expires_at,
            accepted_at,
            revoked_at,
            account,
            project,
            project_role,
            invitee_name,
            _id,
        )| {
            let project = match (project, project_role) {
                (Some(name), Some(role)) => {
                    Some((name, crate::projects::parse_project_role(&role)?))
                }
                _ => None,
            };
            Ok(Details {
                project,
                invitee_name,
                teams,
                organization,
                invited_by: inviter.unwrap_or_default(),
                email,
                role: orgs::parse_role(&role)?,
                status: status_of(expires_at, accepted_at, revoked_at, now),
                expires_at: Timestamp::from_millis(expires_at),
                account_exists: account.is_some(),
            })
        },
    )
    .transpose()
}

/// Marks the pending invitation behind `token_hash` accepted; `None` when it is not pending.
pub async fn claim(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<(InvitationId, OrgId, Role)>, Error> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "UPDATE invitations SET accepted_at = $1 \
         WHERE token_hash = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1 \
         RETURNING id, org_id, role",
    )
    .bind(now.as_millis())
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    row.map(|(id, org, role)| {
        Ok((
            parse_id(&id)?,
            ids::from_db(&org, OrgId::parse)?,
            orgs::parse_role(&role)?,
        ))
    })
    .transpose()
}

pub async fn mark_accepted_by(
    conn: &mut AnyConnection,
    id: InvitationId,
    user: UserId,
) -> Result<(), Error> {
    sqlx::query("UPDATE invitations SET accepted_by = $1 WHERE id = $2")
        .bind(user.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// The sender's current role in the invitation's organization (`None` once they left it or
/// were deactivated there).
pub async fn inviter_role(
    conn: &mut AnyConnection,
    id: InvitationId,
) -> Result<Option<Role>, Error> {
    let role: Option<String> = sqlx::query_scalar(
        "SELECT m.role FROM invitations i JOIN memberships m \
           ON m.org_id = i.org_id AND m.user_id = i.invited_by AND m.deactivated_at IS NULL \
         WHERE i.id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    role.map(|role| orgs::parse_role(&role)).transpose()
}
