//! An organization's security policy: whether members must use MFA, which roles that covers and
//! how many days of grace they get from the moment it is switched on. Owners set it; every
//! member may read it. Covered members without MFA are told their deadline; past it they can
//! reach nothing but MFA enrollment (see [`crate::vocab::Caller::admit`]).

use sqlx::AnyConnection;

use crate::audit::{self, Action as Audited, Event};
use crate::authz::{self, Action};
use crate::authz::{current_org, require};
use crate::cache::{Change, Invalidation};
use crate::clock::Timestamp;
use crate::error::{FieldErrors, Problem};
use crate::ids::OrgId;
use crate::orgs::lock_as_caller;

use crate::vocab::{Actor, Role};
use crate::{Error, Services};

pub use crate::admission::{MAX_GRACE_DAYS, SecurityPolicy, days_left};

/// The policy of the caller's current organization. Any member may read it.
pub async fn get_security_policy(svc: &Services, actor: &Actor) -> Result<SecurityPolicy, Error> {
    let (org, role) = current_org(actor)?;
    require(authz::decide(Some(role), Action::ViewMembers, None))?;
    let mut conn = svc.db.pool().acquire().await?;
    policy_of(&mut conn, &org.to_string()).await
}

/// The lifetimes an API key may be given, in days.
pub const KEY_LIFETIMES_DAYS: [i64; 4] = [7, 30, 90, 365];

/// The longest lifetime a new API key may have in the caller's organization, in days (365
/// unless an Owner lowered it). Any member may read it.
pub async fn max_key_days(svc: &Services, actor: &Actor) -> Result<i64, Error> {
    let (org, _) = current_org(actor)?;
    let mut conn = svc.db.pool().acquire().await?;
    max_key_days_of(&mut conn, org).await
}

/// The organization's longest lifetime for a new API key, in days.
pub(crate) async fn max_key_days_of(conn: &mut AnyConnection, org: OrgId) -> Result<i64, Error> {
    let days: Option<i64> =
        sqlx::query_scalar("SELECT max_key_days FROM security_policies WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_optional(conn)
            .await?;
    Ok(days.unwrap_or(365))
}

/// Sets the caller's organization's policy (Owners only). Switching MFA on starts the grace
/// period now; changing roles or days while it is on keeps the original start. `max_key_days`
/// (one of 7, 30, 90, 365), when given, caps new API keys' lifetime; keys already made keep
/// theirs.
pub async fn update_security_policy(
    svc: &Services,
    actor: &Actor,
    require_mfa: bool,
    roles: &[String],
    grace_days: i64,
    max_key_days: Option<i64>,
    proof: Option<&str>,
) -> Result<SecurityPolicy, Error> {
    let (org, role) = current_org(actor)?;
    // Refused callers learn nothing about the input; the role is checked again under the lock.
    require(authz::decide(
        Some(role),
        Action::ManageSecurityPolicy,
        None,
    ))?;
    crate::reauth::require_recent_proof(svc, actor, proof).await?;
    let mut errors = FieldErrors::default();
    let mut parsed = Vec::new();
    for text in roles.iter().take(Role::ALL.len() + 1) {
        match Role::parse(text) {
            Some(role) if !parsed.contains(&role) => parsed.push(role),
            Some(_) => {}
            None => errors.add("roles", Problem::NotARole(text.clone())),
        }
    }
    if roles.len() > Role::ALL.len() {
        errors.add("roles", Problem::TooManyRoles);
    }
    if require_mfa && parsed.is_empty() && errors.is_empty() {
        errors.add("roles", Problem::NoRolesChosen);
    }
    if max_key_days.is_some_and(|days| !KEY_LIFETIMES_DAYS.contains(&days)) {
        errors.add("max_key_days", Problem::UnknownKeyLifetime);
    }
    if !(0..=MAX_GRACE_DAYS).contains(&grace_days) {
        errors.add(
            "grace_days",
            Problem::GraceDaysOutOfRange {
                max: MAX_GRACE_DAYS,
            },
        );
    }
    errors.into_result()?;
    if parsed.is_empty() {
        parsed = Role::ALL.to_vec();
    }
    parsed.sort_by_key(|r| Role::ALL.iter().position(|a| a == r));
    let roles_text = Role::ALL
        .into_iter()
        .filter(|r| parsed.contains(r))
        .map(Role::as_str)
        .collect::<Vec<_>>()
        .join(",");

    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let role = lock_as_caller(change.conn(), org, actor.user_id).await?;
    require(authz::decide(
        Some(role),
        Action::ManageSecurityPolicy,
        None,
    ))?;
    let before = policy_of(change.conn(), &org.to_string()).await?;
    let key_days = match max_key_days {
        Some(days) => days,
        None => max_key_days_of(change.conn(), org).await?,
    };
    let enforced_since = match (require_mfa, before.enforced_since) {
        (false, _) => None,
        (true, Some(since)) => Some(since),
        (true, None) => Some(now),
    };
    sqlx::query(
        "INSERT INTO security_policies (org_id, enforced_since, roles, grace_days, updated_at, \
         updated_by, max_key_days) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (org_id) DO UPDATE SET enforced_since = $2, roles = $3, grace_days = $4, \
         updated_at = $5, updated_by = $6, max_key_days = $7",
    )
    .bind(org.to_string())
    .bind(enforced_since.map(Timestamp::as_millis))
    .bind(roles_text.as_str())
    .bind(grace_days)
    .bind(now.as_millis())
    .bind(actor.user_id.to_string())
    .bind(key_days)
    .execute(change.conn())
    .await?;
    // Every session acting here carries the policy's verdict: re-read it on each instance.
    change.invalidate(Invalidation::Org(org)).await?;
    let detail = if require_mfa {
        format!("require_mfa:on roles:{roles_text} grace_days:{grace_days} max_key_days:{key_days}")
    } else {
        format!("require_mfa:off max_key_days:{key_days}")
    };
    let event = Event {
        action: Audited::SecurityPolicyUpdated,
        org: Some(org),
        actor: Some(actor.user_id),
        target: Some(format!("org:{org} {detail}")),
        client: &actor.client,
    };
    audit::record(change.conn(), event, now).await?;
    change.commit().await?;
    Ok(SecurityPolicy {
        require_mfa,
        roles: parsed,
        grace_days,
        enforced_since,
    })
}

pub(crate) async fn policy_of(
    conn: &mut AnyConnection,
    org: &str,
) -> Result<SecurityPolicy, Error> {
    let row: Option<(Option<i64>, String, i64)> = sqlx::query_as(
        "SELECT enforced_since, roles, grace_days FROM security_policies WHERE org_id = $1",
    )
    .bind(org)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some((since, roles, days)) => SecurityPolicy::from_columns(since, Some(&roles), Some(days)),
        None => SecurityPolicy::default(),
    })
}

/// The names of the organizations whose policy requires MFA of `user` (active memberships).
pub(crate) async fn organizations_requiring_mfa(
    conn: &mut AnyConnection,
    user: crate::ids::UserId,
) -> Result<Vec<String>, Error> {
    let rows: Vec<(String, String, Option<i64>, String, i64)> = sqlx::query_as(
        "SELECT o.name, m.role, p.enforced_since, p.roles, p.grace_days \
         FROM memberships m \
         JOIN security_policies p ON p.org_id = m.org_id \
         JOIN organizations o ON o.id = m.org_id \
         WHERE m.user_id = $1 AND m.deactivated_at IS NULL AND p.enforced_since IS NOT NULL \
         ORDER BY o.name",
    )
    .bind(user.to_string())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, role, since, roles, days)| {
            let policy = SecurityPolicy::from_columns(*since, Some(roles), Some(*days));
            Role::parse(role).is_some_and(|role| policy.mfa_deadline(role).is_some())
        })
        .map(|(name, ..)| name)
        .collect())
}
