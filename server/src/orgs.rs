//! Organizations (tenants) and the roles people hold in them. Every query here is keyed by an
//! organization id that came from an authorized request, never from client input alone.

use std::fmt;

use sqlx::AnyConnection;

use crate::Error;
use crate::clock::Timestamp;
use crate::ids::{OrgId, UserId};

pub const NAME_MAX: usize = 100;

/// What a member may do in an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Admin, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == text.trim().to_ascii_lowercase())
    }

    /// The label users see: "Owner", "Admin", "Member".
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Member => "Member",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An organization's display name: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgName(String);

impl OrgName {
    pub fn parse(text: &str) -> Result<Self, Vec<String>> {
        crate::accounts::parse_label(text, NAME_MAX, "organization name").map(Self)
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

/// The organization a user lands in at sign-in: the one they used last.
pub(crate) async fn landing_org(
    conn: &mut AnyConnection,
    user: UserId,
) -> Result<Option<OrgId>, Error> {
    store::last_used_org(conn, user).await
}

mod store {
    use super::*;

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

    pub async fn insert_membership(
        conn: &mut AnyConnection,
        org: OrgId,
        user: UserId,
        role: Role,
        now: Timestamp,
    ) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO memberships (org_id, user_id, role, created_at, last_used_at) \
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(org.to_string())
        .bind(user.to_string())
        .bind(role.as_str())
        .bind(now.as_millis())
        .execute(conn)
        .await?;
        Ok(())
    }

    pub async fn last_used_org(
        conn: &mut AnyConnection,
        user: UserId,
    ) -> Result<Option<OrgId>, Error> {
        let id: Option<String> = sqlx::query_scalar(
            "SELECT org_id FROM memberships WHERE user_id = $1 \
             ORDER BY last_used_at DESC, created_at ASC LIMIT 1",
        )
        .bind(user.to_string())
        .fetch_optional(conn)
        .await?;
        id.map(|id| crate::ids::from_db(&id, OrgId::parse))
            .transpose()
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
