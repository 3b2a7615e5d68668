//! An organization's sign-in rules as stored, read for [`admission::admit`] when a session is
//! issued or moved, and the refusal a required provider makes.

use super::*;
use crate::error::Denial;

/// Whether a session established as `auth` may act in `org` (or outside any organization),
/// by that organization's rules as stored now.
pub(crate) async fn admission_in(
    conn: &mut AnyConnection,
    org: Option<OrgId>,
    auth: &SessionAuth,
    mfa_enabled: bool,
) -> Result<Admission, Error> {
    let rules = match org {
        Some(org) => stored_rules(conn, org).await?,
        None => StoredRules::default(),
    };
    Ok(admission::admit(auth, mfa_enabled, rules.as_rules()))
}

/// An organization's sign-in rules as stored.
#[derive(Debug, Clone, Default)]
pub(crate) struct StoredRules {
    sign_in_provider: Option<String>,
    provider_enforces_mfa: bool,
}

impl StoredRules {
    pub(crate) fn as_rules(&self) -> OrgRules<'_> {
        OrgRules {
            sign_in_provider: self.sign_in_provider.as_deref(),
            provider_enforces_mfa: self.provider_enforces_mfa,
        }
    }
}

pub(crate) async fn stored_rules(
    conn: &mut AnyConnection,
    org: OrgId,
) -> Result<StoredRules, Error> {
    let row: Option<(Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT sign_in_provider, provider_enforces_mfa FROM security_policies WHERE org_id = $1",
    )
    .bind(org.to_string())
    .fetch_optional(conn)
    .await?;
    let (sign_in_provider, trusts) = row.unwrap_or_default();
    Ok(StoredRules {
        sign_in_provider,
        provider_enforces_mfa: trusts == Some(1),
    })
}

/// Why a session without the required provider is refused ("Members of <org> must sign in with
/// <provider>.").
pub(crate) async fn provider_required(
    svc: &Services,
    org: Option<OrgId>,
    required: &str,
) -> Result<Denial, Error> {
    let name = match org {
        Some(org) => org_name(svc.db.pool(), org).await?,
        None => "this organization".into(),
    };
    Ok(Denial::ProviderRequired {
        organization: name,
        provider: svc.oauth.display_name(required),
    })
}

async fn org_name(pool: &sqlx::AnyPool, org: OrgId) -> Result<String, Error> {
    Ok(
        sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
            .bind(org.to_string())
            .fetch_one(pool)
            .await?,
    )
}
