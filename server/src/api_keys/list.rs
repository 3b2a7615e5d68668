//! Listing keys: a service account's, or a person's for a project (Owners and Admins see everyone's).

use super::*;

/// Keys of the caller's organization, newest first: with `service_account_id`, that account's
/// (Owners and Admins); with `project_id`, the personal keys for that project; with neither,
/// every key for Owners and Admins and their own personal keys for Members. A Member sees only
/// their own keys.
///
/// Errors: `NotFound` for an account or project of another organization; `Forbidden` for a
/// Member asking for a service account's keys.
pub async fn list_api_keys(
    svc: &Services,
    actor: &Actor,
    project_id: Option<&str>,
    service_account_id: Option<&str>,
) -> Result<Vec<ApiKey>, Error> {
    let (org, role) = current_org(actor)?;
    let manager = role.manages();
    let account = match given(service_account_id) {
        Some(id) => {
            require(authz::decide(
                Some(role),
                Action::ManageServiceAccounts,
                None,
            ))?;
            Some(ServiceAccountId::parse(id).ok_or(Error::NotFound)?)
        }
        None => None,
    };
    let project = match given(project_id) {
        Some(id) => Some(ProjectId::parse(id).ok_or(Error::NotFound)?),
        None => None,
    };
    let rows: Vec<KeyRow> = sqlx::query_as(
        "SELECT k.id, k.service_account_id, k.user_id, k.project_id, k.name, k.last_four, \
                a.name AS account_name, u.name AS user_name, p.name AS project_name, \
                k.created_at, cb.name AS created_by, k.expires_at, k.rotated_at, k.previous_until, k.revoked_at, \
                k.last_used_at, k.last_used_ip \
         FROM api_keys k \
         LEFT JOIN service_accounts a ON a.id = k.service_account_id \
         LEFT JOIN users u ON u.id = k.user_id \
         LEFT JOIN projects p ON p.id = k.project_id \
         LEFT JOIN users cb ON cb.id = k.created_by \
         WHERE k.org_id = $1 \
           AND ($2 = '' OR k.service_account_id = $2) \
           AND ($3 = '' OR k.project_id = $3) \
           AND ($4 = 1 OR k.user_id = $5) \
         ORDER BY k.created_at DESC, k.id LIMIT 1000",
    )
    .bind(org.to_string())
    .bind(account.map(|a| a.to_string()).unwrap_or_default())
    .bind(project.map(|p| p.to_string()).unwrap_or_default())
    .bind(i64::from(manager))
    .bind(actor.user_id.to_string())
    .fetch_all(svc.db.pool())
    .await?;
    if rows.is_empty() {
        // An id of another organization answers as one that does not exist.
        existing_scope(svc, org, account, project).await?;
    }
    let now = svc.clock.now();
    rows.into_iter()
        .map(|row| key_of(row, now, actor.user_id, manager))
        .collect()
}

/// "Not found" for an account or project that is not the organization's.
async fn existing_scope(
    svc: &Services,
    org: OrgId,
    account: Option<ServiceAccountId>,
    project: Option<ProjectId>,
) -> Result<(), Error> {
    let pool = svc.db.pool();
    if let Some(account) = account {
        let found: Option<String> =
            sqlx::query_scalar("SELECT id FROM service_accounts WHERE org_id = $1 AND id = $2")
                .bind(org.to_string())
                .bind(account.to_string())
                .fetch_optional(pool)
                .await?;
        found.ok_or(Error::NotFound)?;
    }
    if let Some(project) = project {
        let found: Option<String> =
            sqlx::query_scalar("SELECT id FROM projects WHERE org_id = $1 AND id = $2")
                .bind(org.to_string())
                .bind(project.to_string())
                .fetch_optional(pool)
                .await?;
        found.ok_or(Error::NotFound)?;
    }
    Ok(())
}

fn key_of(row: KeyRow, now: Timestamp, caller: UserId, manager: bool) -> Result<ApiKey, Error> {
    let KeyRow {
        id,
        service_account_id,
        user_id,
        project_id,
        name,
        last_four,
        account_name,
        user_name,
        project_name,
        created_at,
        created_by,
        expires_at,
        rotated_at,
        previous_until,
        revoked_at,
        last_used_at,
        last_used_ip,
    } = row;
    let owner = match (service_account_id, user_id, project_id) {
        (Some(account), _, _) => KeyOwner::ServiceAccount {
            id: ids::from_db(&account, ServiceAccountId::parse)?,
            name: account_name.unwrap_or_default(),
        },
        (None, Some(user), Some(project)) => KeyOwner::Person {
            user_id: ids::from_db(&user, UserId::parse)?,
            name: user_name.unwrap_or_default(),
            project_id: ids::from_db(&project, ProjectId::parse)?,
            project_name: project_name.unwrap_or_default(),
        },
        _ => return Err(Error::internal("an API key without an owner")),
    };
    let expires_at = Timestamp::from_millis(expires_at);
    let status = if revoked_at.is_some() {
        KeyStatus::Revoked
    } else if expires_at <= now {
        KeyStatus::Expired
    } else if now.until(expires_at) <= EXPIRY_WARNING {
        KeyStatus::ExpiringSoon
    } else {
        KeyStatus::Active
    };
    let mine = matches!(owner, KeyOwner::Person { user_id, .. } if user_id == caller);
    let previous_valid_until = previous_until
        .map(Timestamp::from_millis)
        .filter(|until| *until > now && revoked_at.is_none());
    Ok(ApiKey {
        id: ids::from_db(&id, ApiKeyId::parse)?,
        name,
        hint: format!("{PREFIX}…{last_four}"),
        status,
        created_at: Timestamp::from_millis(created_at),
        created_by,
        expires_at,
        rotated_at: rotated_at.map(Timestamp::from_millis),
        previous_valid_until,
        revoked_at: revoked_at.map(Timestamp::from_millis),
        last_used_at: last_used_at.map(Timestamp::from_millis),
        last_used_ip,
        can_manage: mine || manager,
        owner,
    })
}
