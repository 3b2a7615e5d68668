//! Organizations (tenants) and the roles people hold in them. Every query here is keyed by an
//! organization id that came from an authorized request, never from client input alone.

use sqlx::AnyConnection;

use crate::admission::Admission;
use crate::cache::{Change, Invalidation};
use crate::clock::Timestamp;
use crate::ids::{self, OrgId, UserId};
use crate::sessions;
use crate::vocab::{Caller, Role, SessionAuth};
use crate::{Error, Services};

pub const NAME_MAX: usize = 100;

/// An organization's display name: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgName(String);

impl OrgName {
    pub fn parse(text: &str) -> Result<Self, Vec<crate::error::Problem>> {
        crate::users::parse_label(text, NAME_MAX, crate::error::Subject::OrganizationName).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Creates an organization with `owner` as its first Owner, inside the caller's transaction.
pub(crate) async fn create_with_owner(
    conn: &mut AnyConnection,
    name: &OrgName,
    owner: UserId,
    now: Timestamp,
) -> Result<OrgId, Error> {
    let org_id = OrgId::random();
    store::insert_org(conn, org_id, name, now).await?;
    store::insert_membership(conn, org_id, owner, Role::Owner, now).await?;
    Ok(org_id)
}

/// One organization the caller belongs to, for the organization switcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub id: OrgId,
    pub name: String,
    pub role: Role,
    /// The organization the caller's session acts in.
    pub current: bool,
}

/// The organizations the caller can act in (deactivated memberships excluded), by name.
pub async fn list_organizations(svc: &Services, actor: &Caller) -> Result<Vec<Membership>, Error> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT o.id, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id \
         WHERE m.user_id = $1 AND m.deactivated_at IS NULL ORDER BY LOWER(o.name), o.id",
    )
    .bind(actor.user_id.to_string())
    .fetch_all(svc.db.pool())
    .await?;
    let current = actor.org.as_ref().map(|org| org.id);
    rows.into_iter()
        .map(|(id, name, role)| {
            let id = ids::from_db(&id, OrgId::parse)?;
            Ok(Membership {
                id,
                name,
                role: parse_role(&role)?,
                current: Some(id) == current,
            })
        })
        .collect()
}

/// Where a switch of organization led.
#[derive(Debug)]
pub enum Switched {
    /// The session acts in the organization from its next request on.
    Done,
    /// The session skipped its second step where the provider's MFA was trusted, and the
    /// organization asked for does not trust it: the code comes first, then a new session in
    /// that organization replaces this one.
    SecondFactor(crate::second_factor::PendingSignIn),
}

/// Makes the caller's session act in another of their organizations, if that organization
/// admits it ([`crate::admission::admit`]). Callers held back by an MFA policy may switch.
///
/// Errors: `NotFound` for an id the caller is not an active member of; `Forbidden` when the
/// organization requires signing in through a provider this session did not come through.
pub async fn switch_organization(
    svc: &Services,
    caller: &Caller,
    organization_id: &str,
) -> Result<Switched, Error> {
    let org = OrgId::parse(organization_id).ok_or(Error::NotFound)?;
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    // The membership is locked (PostgreSQL) by this first write, so a concurrent removal
    // waits for the switch or the switch sees it gone.
    let member = sqlx::query(
        "UPDATE memberships SET last_used_at = last_used_at \
         WHERE org_id = $1 AND user_id = $2 AND deactivated_at IS NULL",
    )
    .bind(org.to_string())
    .bind(caller.user_id.to_string())
    .execute(change.conn())
    .await?
    .rows_affected();
    if member == 0 {
        return Err(Error::NotFound);
    }
    let mfa_enabled = crate::second_factor::is_enabled_in(change.conn(), caller.user_id).await?;
    match sessions::admission_in(change.conn(), Some(org), &caller.auth, mfa_enabled).await? {
        Admission::Admitted => {}
        Admission::ProviderRequired(required) => {
            drop(change);
            return Err(Error::Forbidden(
                sessions::provider_required(svc, Some(org), &required).await?,
            ));
        }
        Admission::SecondFactorRequired => {
            drop(change);
            let version = crate::users::credential_version(svc.db.pool(), caller.user_id).await?;
            let pending = crate::second_factor::begin_second_step(
                svc,
                caller.user_id,
                version,
                Some(&org.to_string()),
                caller.auth.via_provider.as_deref(),
            )
            .await?;
            tracing::info!(user_id = %caller.user_id, org_id = %org, "switch waits for the second factor");
            return Ok(Switched::SecondFactor(pending));
        }
    }
    let moved = sqlx::query(
        "UPDATE sessions SET org_id = $1 WHERE id = $2 AND user_id = $3 AND ended_at IS NULL",
    )
    .bind(org.to_string())
    .bind(caller.session_id.to_string())
    .bind(caller.user_id.to_string())
    .execute(change.conn())
    .await?
    .rows_affected();
    if moved == 0 {
        return Err(Error::NotFound);
    }
    store::mark_used(change.conn(), org, caller.user_id, now).await?;
    change
        .invalidate(Invalidation::Session(caller.session_id))
        .await?;
    change.commit().await?;
    Ok(Switched::Done)
}

pub(crate) fn parse_role(text: &str) -> Result<Role, Error> {
    Role::parse(text).ok_or_else(|| Error::internal(format!("unknown role in database: {text:?}")))
}

/// Where a sign-in lands.
pub(crate) enum Landing {
    /// In this organization (none when the account belongs to no organization). `choice` when
    /// none was asked for and the account may act in several: the one used last is where the
    /// session starts, and the person is asked which one to enter.
    In { org: Option<OrgId>, choice: bool },
    /// Every membership of the account (or the one asked for) is deactivated.
    Deactivated,
    /// The organization asked for is not one of the account's.
    NotAMember,
}

/// The organization a user lands in at sign-in: the one asked for (`/login?org=`) when they are
/// an active member of it, otherwise the active one they used last (a default the person may
/// change when they have others: [`Landing::In`]'s `choice`).
pub(crate) async fn landing_org(
    conn: &mut AnyConnection,
    user: UserId,
    requested: Option<OrgId>,
    now: Timestamp,
) -> Result<Landing, Error> {
    let memberships = store::memberships_of(conn, user).await?;
    let landing = match requested {
        Some(org) => match memberships.iter().find(|m| m.0 == org) {
            Some((_, false)) => Landing::In {
                org: Some(org),
                choice: false,
            },
            Some((_, true)) => Landing::Deactivated,
            None => Landing::NotAMember,
        },
        None if memberships.is_empty() => Landing::In {
            org: None,
            choice: false,
        },
        // Ordered by last use: the first active one, and whether another one follows.
        None => {
            let mut active = memberships.iter().filter(|m| !m.1);
            match active.next() {
                Some((org, _)) => Landing::In {
                    org: Some(*org),
                    choice: active.next().is_some(),
                },
                None => Landing::Deactivated,
            }
        }
    };
    if let Landing::In { org: Some(org), .. } = landing {
        store::mark_used(conn, org, user, now).await?;
    }
    Ok(landing)
}

/// Moves the user's active sessions acting in `from` elsewhere after their membership there
/// ended: each to the organization used last that admits it ([`crate::admission::admit`]),
/// else to the one used last (where it ends on its next request, saying why), or to none.
pub(crate) async fn relocate_sessions(
    conn: &mut AnyConnection,
    user: UserId,
    from: OrgId,
) -> Result<(), Error> {
    let sessions: Vec<(String, Option<String>, i64)> = sqlx::query_as(
        "SELECT id, via_provider, mfa_waived FROM sessions \
         WHERE user_id = $1 AND org_id = $2 AND ended_at IS NULL",
    )
    .bind(user.to_string())
    .bind(from.to_string())
    .fetch_all(&mut *conn)
    .await?;
    if sessions.is_empty() {
        return Ok(());
    }
    let mut candidates = Vec::new();
    for (org, deactivated) in store::memberships_of(conn, user).await? {
        if org != from && !deactivated {
            candidates.push((org, sessions::stored_rules(conn, org).await?));
        }
    }
    let mfa_enabled = crate::second_factor::is_enabled_in(conn, user).await?;
    for (id, via_provider, mfa_waived) in sessions {
        let auth = SessionAuth {
            via_provider,
            mfa_waived: mfa_waived != 0,
        };
        let admitting = candidates.iter().find(|(_, rules)| {
            crate::admission::admit(&auth, mfa_enabled, rules.as_rules()) == Admission::Admitted
        });
        let to = admitting
            .or(candidates.first())
            .map(|(org, _)| org.to_string());
        sqlx::query("UPDATE sessions SET org_id = $1 WHERE id = $2")
            .bind(to)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Serializes changes per organization (a write on its row comes first, which also takes
/// SQLite's write lock) and re-reads the caller's role there: a demotion, removal or deactivation
/// that committed while this request waited holds. `NotFound` when the caller is no longer an
/// active member.
pub(crate) async fn lock_as_caller(
    conn: &mut AnyConnection,
    org: OrgId,
    caller: UserId,
) -> Result<Role, Error> {
    sqlx::query("UPDATE organizations SET name = name WHERE id = $1")
        .bind(org.to_string())
        .execute(&mut *conn)
        .await?;
    let role: Option<String> = sqlx::query_scalar(
        "SELECT role FROM memberships \
         WHERE org_id = $1 AND user_id = $2 AND deactivated_at IS NULL",
    )
    .bind(org.to_string())
    .bind(caller.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    parse_role(&role.ok_or(Error::NotFound)?)
}

pub(crate) mod store {
    use super::*;

    /// A member's place in the Members screen's name order, also what its search matches:
    /// the name lower-cased here (Unicode-aware, unlike SQLite's `LOWER`), then the email.
    pub fn sort_key(name: &str, email: &str) -> String {
        format!("{} {email}", name.to_lowercase())
    }

    /// Row-locks (PostgreSQL) the user's memberships with a no-op write.
    pub async fn lock_memberships_of(conn: &mut AnyConnection, user: UserId) -> Result<(), Error> {
        sqlx::query("UPDATE memberships SET last_used_at = last_used_at WHERE user_id = $1")
            .bind(user.to_string())
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Keeps the user's memberships in name order after a rename.
    pub async fn resort(
        conn: &mut AnyConnection,
        user: UserId,
        name: &str,
        email: &str,
    ) -> Result<(), Error> {
        sqlx::query("UPDATE memberships SET sort_key = $1 WHERE user_id = $2")
            .bind(sort_key(name, email))
            .bind(user.to_string())
            .execute(conn)
            .await?;
        Ok(())
    }

    pub async fn insert_org(
        conn: &mut AnyConnection,
        id: OrgId,
        name: &OrgName,
        now: Timestamp,
    ) -> Result<(), Error> {
        sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id.to_string())
            .bind(name.as_str())
            .bind(now.as_millis())
            .execute(conn)
            .await?;
        Ok(())
    }

    pub(crate) async fn insert_membership(
        conn: &mut AnyConnection,
        org: OrgId,
        user: UserId,
        role: Role,
        now: Timestamp,
    ) -> Result<(), Error> {
        let (name, email): (String, String) =
            sqlx::query_as("SELECT name, email FROM users WHERE id = $1")
                .bind(user.to_string())
                .fetch_one(&mut *conn)
                .await?;
        sqlx::query(
            "INSERT INTO memberships (org_id, user_id, role, created_at, last_used_at, sort_key) \
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(org.to_string())
        .bind(user.to_string())
        .bind(role.as_str())
        .bind(now.as_millis())
        .bind(sort_key(&name, &email))
        .execute(conn)
        .await?;
        Ok(())
    }

    /// The user's memberships, most recently used first, each with whether it is deactivated.
    pub async fn memberships_of(
        conn: &mut AnyConnection,
        user: UserId,
    ) -> Result<Vec<(OrgId, bool)>, Error> {
        let rows: Vec<(String, Option<i64>)> = sqlx::query_as(
            "SELECT org_id, deactivated_at FROM memberships WHERE user_id = $1 \
             ORDER BY last_used_at DESC, created_at ASC",
        )
        .bind(user.to_string())
        .fetch_all(conn)
        .await?;
        rows.into_iter()
            .map(|(id, deactivated)| Ok((ids::from_db(&id, OrgId::parse)?, deactivated.is_some())))
            .collect()
    }

    pub async fn mark_used(
        conn: &mut AnyConnection,
        org: OrgId,
        user: UserId,
        now: Timestamp,
    ) -> Result<(), Error> {
        sqlx::query("UPDATE memberships SET last_used_at = $1 WHERE org_id = $2 AND user_id = $3")
            .bind(now.as_millis())
            .bind(org.to_string())
            .bind(user.to_string())
            .execute(conn)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse(" Admin "), Some(Role::Admin));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn organization_names_are_trimmed_and_bounded() {
        assert_eq!(
            OrgName::parse("  Acme  ").map(|n| n.0),
            Ok("Acme".to_string())
        );
        assert!(OrgName::parse("   ").is_err());
        assert!(OrgName::parse(&"x".repeat(101)).is_err());
    }
}
