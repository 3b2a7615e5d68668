//! What happens around a provider's identity besides signing in: finishing a new account,
//! linking to an account that proved itself, listing and unlinking, and the organization's
//! "Members must sign in with …" restriction.

use super::*;
use crate::error::{Denial, Lapse, Problem};
use crate::notices::{self, Notice};
/// What the "finish signing up" page shows about a verified identity waiting for its person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingView {
    pub provider_name: String,
    pub email: String,
    pub name: String,
    /// An existing account must be proven (password) before the identity is linked to it.
    pub existing_account: bool,
}

pub async fn pending_identity(svc: &Services, cookie: &str) -> Result<Option<PendingView>, Error> {
    if !tokens::well_formed(cookie) {
        return Ok(None);
    }
    let pending = store::pending(svc.db.pool(), &tokens::hash(cookie), svc.clock.now()).await?;
    Ok(pending.map(|p| PendingView {
        provider_name: svc.oauth.display_name(&p.provider),
        email: p.email,
        name: p.name,
        existing_account: p.existing_user.is_some(),
    }))
}

/// Creates the account of a new person who came through a provider, with the organization they
/// named, links the identity and signs them in.
pub async fn complete_sign_up(
    svc: &Services,
    cookie: &str,
    name: &str,
    organization: &str,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<SignedIn, Error> {
    let expired = || Error::Gone(Lapse::ProviderSignInExpired);
    if !tokens::well_formed(cookie) {
        return Err(expired());
    }
    let now = svc.clock.now();
    let pending = store::pending(svc.db.pool(), &tokens::hash(cookie), now)
        .await?
        .filter(|p| p.existing_user.is_none())
        .ok_or_else(expired)?;
    let input = accounts::NewAccount {
        name,
        email: &pending.email,
        organization,
        password_hash: None,
    };
    let identity = store::NewIdentity {
        issuer: &pending.issuer,
        subject: &pending.subject,
        provider: &pending.provider,
        email: &pending.email,
    };
    accounts::open_account(
        svc,
        input,
        Some((&identity, &tokens::hash(cookie))),
        client,
        previous_token,
    )
    .await
}

/// After its owner proved an existing account (password, MFA), links the identity that was
/// waiting for it. Anything else (another account, expired) links nothing.
pub async fn link_pending(
    svc: &Services,
    cookie: &str,
    user: UserId,
    client: &ClientInfo,
) -> Result<bool, Error> {
    if !tokens::well_formed(cookie) {
        return Ok(false);
    }
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let Some(pending) = store::take_pending(change.conn(), &tokens::hash(cookie), now).await?
    else {
        return Ok(false);
    };
    if pending.existing_user != Some(user) {
        return Ok(false);
    }
    let identity = store::NewIdentity {
        issuer: &pending.issuer,
        subject: &pending.subject,
        provider: &pending.provider,
        email: &pending.email,
    };
    store::insert_identity(change.conn(), &identity, user, now).await?;
    // The provider verified this address, the account's own (it was found by it).
    crate::email_verification::mark_verified(&mut change, user, now).await?;
    let event = Event {
        action: Audited::IdentityLinked,
        org: None,
        actor: Some(user),
        target: Some(format!("user:{user} provider:{}", pending.provider)),
        client,
    };
    audit::record(change.conn(), event, now).await?;
    change.commit().await?;
    let provider = svc.oauth.display_name(&pending.provider);
    notices::send(svc, user, Notice::ProviderLinked { provider }, client);
    tracing::info!(user_id = %user, provider = %pending.provider, "identity linked");
    Ok(true)
}

/// One provider linked to the caller's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedIdentity {
    pub provider: String,
    pub provider_name: String,
    pub email: String,
    pub linked_at: Timestamp,
}

pub async fn linked_identities(
    svc: &Services,
    actor: &crate::vocab::Caller,
) -> Result<Vec<LinkedIdentity>, Error> {
    let rows = store::identities_of(svc.db.pool(), actor.user_id).await?;
    Ok(rows
        .into_iter()
        .map(|row| LinkedIdentity {
            provider_name: svc.oauth.display_name(&row.provider),
            provider: row.provider,
            email: row.email,
            linked_at: Timestamp::from_millis(row.created_at),
        })
        .collect())
}

/// Unlinks the caller's identities at `provider`. Refused when it would leave the account no way
/// to sign in (no password and no other provider), or while an organization of theirs requires
/// this provider.
pub async fn unlink_identity(
    svc: &Services,
    actor: &Actor,
    provider: &str,
    proof: Option<&str>,
) -> Result<(), Error> {
    crate::reauth::require_recent_proof(svc, actor, proof).await?;
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    crate::orgs::store::lock_memberships_of(change.conn(), actor.user_id).await?;
    let (linked_here, linked_elsewhere, has_password): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM identities WHERE user_id = $1 AND provider = $2), \
                (SELECT COUNT(*) FROM identities WHERE user_id = $1 AND provider <> $2), \
                (SELECT COUNT(*) FROM users WHERE id = $1 AND password_hash <> '')",
    )
    .bind(actor.user_id.to_string())
    .bind(provider)
    .fetch_one(change.conn())
    .await?;
    if linked_here == 0 {
        return Err(Error::NotFound);
    }
    if has_password == 0 && linked_elsewhere == 0 {
        return Err(Error::Forbidden(Denial::OnlyWayToSignIn));
    }
    let requiring: Option<String> = sqlx::query_scalar(
        "SELECT o.name FROM memberships m JOIN security_policies p ON p.org_id = m.org_id \
         JOIN organizations o ON o.id = m.org_id \
         WHERE m.user_id = $1 AND m.deactivated_at IS NULL AND p.sign_in_provider = $2 LIMIT 1",
    )
    .bind(actor.user_id.to_string())
    .bind(provider)
    .fetch_optional(change.conn())
    .await?;
    if let Some(org) = requiring {
        return Err(Error::Forbidden(Denial::ProviderRequiredToStay {
            organization: org,
        }));
    }
    sqlx::query("DELETE FROM identities WHERE user_id = $1 AND provider = $2")
        .bind(actor.user_id.to_string())
        .bind(provider)
        .execute(change.conn())
        .await?;
    let event = Event {
        action: Audited::IdentityUnlinked,
        org: None,
        actor: Some(actor.user_id),
        target: Some(format!("user:{} provider:{provider}", actor.user_id)),
        client: &actor.client,
    };
    audit::record(change.conn(), event, now).await?;
    change.commit().await?;
    let provider = svc.oauth.display_name(provider);
    notices::send(
        svc,
        actor.user_id,
        Notice::ProviderUnlinked { provider },
        &actor.client,
    );
    Ok(())
}

/// "Members must sign in with …" (Owners): `provider` `None` lifts the restriction.
/// `provider_enforces_mfa` lets that provider's own MFA stand in for Gatehouse's. The caller
/// must have that provider linked, so they are not locked out themselves.
pub async fn update_sign_in_restriction(
    svc: &Services,
    actor: &Actor,
    provider: Option<&str>,
    provider_enforces_mfa: bool,
    proof: Option<&str>,
) -> Result<(), Error> {
    let (org, role) = current_org(actor)?;
    require(authz::decide(
        Some(role),
        Action::ManageSecurityPolicy,
        None,
    ))?;
    crate::reauth::require_recent_proof(svc, actor, proof).await?;
    let provider = provider.map(str::trim).filter(|p| !p.is_empty());
    if let Some(key) = provider {
        let known = svc.oauth.get(key).is_some() || own_saml_connection(svc, org, key).await?;
        if !known {
            return Err(crate::error::FieldErrors::single(
                "provider",
                Problem::UnknownProvider(key.to_string()),
            ));
        }
        let linked = store::identities_of(svc.db.pool(), actor.user_id)
            .await?
            .iter()
            .any(|i| i.provider == key);
        if !linked {
            return Err(Error::Forbidden(Denial::SignInWithProviderFirst {
                provider: svc.oauth.display_name(key),
            }));
        }
    }
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let role = lock_as_caller(change.conn(), org, actor.user_id).await?;
    require(authz::decide(
        Some(role),
        Action::ManageSecurityPolicy,
        None,
    ))?;
    sqlx::query(
        "INSERT INTO security_policies (org_id, enforced_since, roles, grace_days, updated_at, \
         updated_by, sign_in_provider, provider_enforces_mfa) \
         VALUES ($1, NULL, 'owner,admin,member', 7, $2, $3, $4, $5) \
         ON CONFLICT (org_id) DO UPDATE SET sign_in_provider = $4, provider_enforces_mfa = $5, \
         updated_at = $2, updated_by = $3",
    )
    .bind(org.to_string())
    .bind(now.as_millis())
    .bind(actor.user_id.to_string())
    .bind(provider)
    .bind(i64::from(provider.is_some() && provider_enforces_mfa))
    .execute(change.conn())
    .await?;
    change.invalidate(Invalidation::Org(org)).await?;
    let event = Event {
        action: Audited::SecurityPolicyUpdated,
        org: Some(org),
        actor: Some(actor.user_id),
        target: Some(format!(
            "org:{org} sign_in_provider:{} provider_enforces_mfa:{provider_enforces_mfa}",
            provider.unwrap_or("any")
        )),
        client: &actor.client,
    };
    audit::record(change.conn(), event, now).await?;
    change.commit().await
}

/// Whether `key` names the organization's own SAML connection, enabled. (The connection's rows
/// are `crate::saml`'s; that module builds on this one, so the check reads the table here.)
async fn own_saml_connection(
    svc: &Services,
    org: crate::ids::OrgId,
    key: &str,
) -> Result<bool, Error> {
    if key != format!("{}{org}", crate::identities::SAML_KEY_PREFIX) {
        return Ok(false);
    }
    let enabled: Option<i64> =
        sqlx::query_scalar("SELECT enabled FROM saml_connections WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_optional(svc.db.pool())
            .await?;
    Ok(enabled == Some(1))
}

/// The organization's sign-in restriction: the provider key, and whether its MFA stands in.
pub async fn sign_in_restriction(
    svc: &Services,
    actor: &Actor,
) -> Result<(Option<String>, bool), Error> {
    let (org, _) = current_org(actor)?;
    let row: Option<(Option<String>, i64)> = sqlx::query_as(
        "SELECT sign_in_provider, provider_enforces_mfa FROM security_policies WHERE org_id = $1",
    )
    .bind(org.to_string())
    .fetch_optional(svc.db.pool())
    .await?;
    Ok(row.map_or((None, false), |(p, m)| (p, m == 1)))
}
