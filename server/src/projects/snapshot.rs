//! Loading an organization's access snapshot ([`OrgAccess`]): read in eight queries when the
//! cache has none, and cached unless an invalidation happened while it was read.

use super::*;

/// The organization's access snapshot: from the cache, or read (eight queries) and cached unless
/// something changed meanwhile.
pub(crate) async fn access_of(svc: &Services, org: OrgId) -> Result<Arc<OrgAccess>, Error> {
    if let Some(snapshot) = svc.cache.access(org) {
        return Ok(snapshot);
    }
    let generation = svc.cache.generation();
    let pool = svc.db.pool();
    let key = org.to_string();
    let members: Vec<(String, String, Option<i64>)> =
        sqlx::query_as("SELECT user_id, role, deactivated_at FROM memberships WHERE org_id = $1")
            .bind(&key)
            .fetch_all(pool)
            .await?;
    let projects: Vec<ProjectRow> = sqlx::query_as(
        "SELECT id, name, description, archived_at, created_at FROM projects WHERE org_id = $1",
    )
    .bind(&key)
    .fetch_all(pool)
    .await?;
    let grants: Vec<(String, String, String)> =
        sqlx::query_as("SELECT project_id, user_id, role FROM project_grants WHERE org_id = $1")
            .bind(&key)
            .fetch_all(pool)
            .await?;
    let members = members
        .into_iter()
        .map(|(user, role, deactivated)| {
            Ok((
                ids::from_db(&user, UserId::parse)?,
                MemberFacts {
                    role: crate::orgs::parse_role(&role)?,
                    deactivated: deactivated.is_some(),
                },
            ))
        })
        .collect::<Result<HashMap<_, _>, Error>>()?;
    let projects = projects
        .into_iter()
        .map(|(id, name, description, archived, created_at)| {
            Ok((
                ids::from_db(&id, ProjectId::parse)?,
                ProjectFacts {
                    name,
                    description,
                    created_at: Timestamp::from_millis(created_at),
                    archived: archived.is_some(),
                },
            ))
        })
        .collect::<Result<HashMap<_, _>, Error>>()?;
    let grants = grants
        .into_iter()
        .map(|(project, user, role)| {
            Ok((
                ids::from_db(&project, ProjectId::parse)?,
                ids::from_db(&user, UserId::parse)?,
                parse_project_role(&role)?,
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let teams: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT t.id, t.name, l.user_id FROM teams t \
         LEFT JOIN team_members l ON l.team_id = t.id AND l.is_lead = 1 WHERE t.org_id = $1",
    )
    .bind(&key)
    .fetch_all(pool)
    .await?;
    let team_members: Vec<(String, String)> =
        sqlx::query_as("SELECT team_id, user_id FROM team_members WHERE org_id = $1")
            .bind(&key)
            .fetch_all(pool)
            .await?;
    let team_grants: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT project_id, team_id, role FROM team_project_grants WHERE org_id = $1",
    )
    .bind(&key)
    .fetch_all(pool)
    .await?;
    let teams = teams
        .into_iter()
        .map(|(id, name, lead)| {
            Ok((
                ids::from_db(&id, TeamId::parse)?,
                TeamFacts {
                    name,
                    lead: lead.map(|l| ids::from_db(&l, UserId::parse)).transpose()?,
                    size: 0,
                },
            ))
        })
        .collect::<Result<HashMap<_, _>, Error>>()?;
    let team_members = team_members
        .into_iter()
        .map(|(team, user)| {
            Ok((
                ids::from_db(&team, TeamId::parse)?,
                ids::from_db(&user, UserId::parse)?,
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let team_grants = team_grants
        .into_iter()
        .map(|(project, team, role)| {
            Ok((
                ids::from_db(&project, ProjectId::parse)?,
                ids::from_db(&team, TeamId::parse)?,
                parse_project_role(&role)?,
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let (service_accounts, service_account_grants) = service_accounts_of(pool, &key).await?;
    let snapshot = Arc::new(OrgAccess::new(Facts {
        members,
        projects,
        grants,
        teams,
        team_members,
        team_grants,
        service_accounts,
        service_account_grants,
    }));
    svc.cache.insert_access(org, snapshot.clone(), generation);
    Ok(snapshot)
}

type ServiceAccountGrants = Vec<(ProjectId, ServiceAccountId, ProjectRole)>;

/// The organization's service accounts and their project roles (two queries).
async fn service_accounts_of(
    pool: &sqlx::AnyPool,
    org: &str,
) -> Result<
    (
        HashMap<ServiceAccountId, ServiceAccountFacts>,
        ServiceAccountGrants,
    ),
    Error,
> {
    let accounts: Vec<(String, String, Option<i64>)> =
        sqlx::query_as("SELECT id, name, deactivated_at FROM service_accounts WHERE org_id = $1")
            .bind(org)
            .fetch_all(pool)
            .await?;
    let grants: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT project_id, service_account_id, role FROM service_account_grants \
         WHERE org_id = $1",
    )
    .bind(org)
    .fetch_all(pool)
    .await?;
    let accounts = accounts
        .into_iter()
        .map(|(id, name, deactivated)| {
            Ok((
                ids::from_db(&id, ServiceAccountId::parse)?,
                ServiceAccountFacts {
                    name,
                    deactivated: deactivated.is_some(),
                },
            ))
        })
        .collect::<Result<HashMap<_, _>, Error>>()?;
    let grants = grants
        .into_iter()
        .map(|(project, account, role)| {
            Ok((
                ids::from_db(&project, ProjectId::parse)?,
                ids::from_db(&account, ServiceAccountId::parse)?,
                parse_project_role(&role)?,
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok((accounts, grants))
}
