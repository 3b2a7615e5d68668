//! Where a verified answer leads, once the browser that started the trip finished it: who the
//! person is to Gatehouse (a known identity, an account to link, a new member) and the sign-in
//! through the same gate as every other way in.

use super::*;
use crate::identities::{self as store, NewIdentity};
use crate::ids::UserId;
use crate::sessions;
use crate::sign_in::SignInStep;
use crate::sign_in::{self, Completion};
use crate::users::{DisplayName, EmailAddress};
use crate::vocab::{ClientInfo, SessionAuth};

/// Where a finished trip leads.
#[derive(Debug)]
pub enum Arrival {
    /// Signed in (or the second factor comes next), then to `next`.
    SignedIn {
        step: SignInStep,
        next: String,
    },
    Refused(Refusal),
}

/// What a verified assertion said, kept with its trip until the browser finishes it.
pub(super) struct Vouched {
    pub(super) name_id: String,
    pub(super) email: Option<String>,
    pub(super) name: Option<String>,
}

/// Where a verified identity leads. A known one signs in (a member again if they had left).
/// Otherwise the organization's provider vouches only for addresses in the domains the
/// organization proved it owns (any organization can bring a provider, and a provider can
/// assert any address): an account with that address is linked and signs in, a new person
/// becomes a member with the connection's default role. Other addresses are refused.
pub(super) async fn arrive(
    svc: &Services,
    org: OrgId,
    vouched: &Vouched,
    next: String,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<Arrival, Error> {
    let key = provider_key(org);
    let pool = svc.db.pool();
    let now = svc.clock.now();
    let Some(connection) = load(pool, org).await?.filter(|c| c.enabled) else {
        return Ok(Arrival::Refused(Refusal::Disabled));
    };
    if let Some(user) = store::user_of(pool, &key, &vouched.name_id).await? {
        store::touch_identity(pool, &key, &vouched.name_id, now).await?;
        if !admitted(svc, org).await? {
            return Ok(Arrival::Refused(Refusal::NotAllowed));
        }
        provision_membership(svc, org, user, connection.default_role, client).await?;
        return signed_in(svc, org, user, next, client, previous_token).await;
    }
    let Some(email) = vouched
        .email
        .as_deref()
        .and_then(|e| EmailAddress::parse(e).ok())
    else {
        return Ok(Arrival::Refused(Refusal::NoEmail));
    };
    if !admitted(svc, org).await? {
        return Ok(Arrival::Refused(Refusal::NotAllowed));
    }
    if !domains::verified_here(pool, org, &email).await? {
        return Ok(Arrival::Refused(Refusal::UnverifiedDomain));
    }
    let user = match crate::users::user_id_by_email(pool, email.as_str()).await? {
        Some(existing) => {
            link(svc, org, existing, vouched, &email, client).await?;
            provision_membership(svc, org, existing, connection.default_role, client).await?;
            existing
        }
        None => {
            let name = vouched
                .name
                .clone()
                .filter(|n| DisplayName::parse(n).is_ok())
                .unwrap_or_else(|| {
                    email
                        .as_str()
                        .split('@')
                        .next()
                        .unwrap_or("New member")
                        .to_string()
                });
            create_member(svc, org, &connection, vouched, &email, &name, client).await?
        }
    };
    signed_in(svc, org, user, next, client, previous_token).await
}

/// Links the organization's identity to the existing account with the address the provider
/// vouched for, in a domain the organization proved (the address counts as verified).
async fn link(
    svc: &Services,
    org: OrgId,
    user: UserId,
    vouched: &Vouched,
    email: &EmailAddress,
    client: &ClientInfo,
) -> Result<(), Error> {
    let key = provider_key(org);
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let identity = NewIdentity {
        issuer: &key,
        subject: &vouched.name_id,
        provider: &key,
        email: email.as_str(),
    };
    store::insert_identity(change.conn(), &identity, user, now).await?;
    // The address is in a domain the organization proved, and its provider vouched for it.
    crate::email_verification::mark_verified(&mut change, user, now).await?;
    let event = Event {
        action: Audited::IdentityLinked,
        org: Some(org),
        actor: Some(user),
        target: Some(format!("user:{user} provider:{key}")),
        client,
    };
    audit::record(change.conn(), event, now).await?;
    change.commit().await
}

/// Whether the organization's rules admit a session through its own connection (a fresh one,
/// before any second factor: that step comes at sign-in). Checked before anyone is created.
async fn admitted(svc: &Services, org: OrgId) -> Result<bool, Error> {
    let auth = SessionAuth {
        via_provider: Some(provider_key(org)),
        mfa_waived: false,
    };
    let mut conn = svc.db.pool().acquire().await?;
    Ok(matches!(
        sessions::admission_in(&mut conn, Some(org), &auth, false).await?,
        crate::admission::Admission::Admitted
    ))
}

async fn signed_in(
    svc: &Services,
    org: OrgId,
    user: UserId,
    next: String,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<Arrival, Error> {
    let key = provider_key(org);
    let org_text = org.to_string();
    let credential_version = crate::users::credential_version(svc.db.pool(), user).await?;
    let completion = Completion {
        user_id: user,
        credential_version,
        organization: Some(&org_text),
        second_step: None,
        via_provider: Some(&key),
    };
    let step = sign_in::complete_sign_in(svc, completion, client, previous_token).await;
    match sign_in::counted(svc, step) {
        Ok(step) => Ok(Arrival::SignedIn { step, next }),
        Err(Error::Forbidden(Denial::Deactivated)) => Ok(Arrival::Refused(Refusal::Deactivated)),
        Err(Error::Forbidden(_)) => Ok(Arrival::Refused(Refusal::NotAllowed)),
        Err(other) => Err(other),
    }
}

/// Makes a known identity's account a member again if it is not one (a deactivated membership
/// stays as it is: sign-in refuses it).
async fn provision_membership(
    svc: &Services,
    org: OrgId,
    user: UserId,
    role: Role,
    client: &ClientInfo,
) -> Result<(), Error> {
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    crate::orgs::store::lock_memberships_of(change.conn(), user).await?;
    let member: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2")
            .bind(org.to_string())
            .bind(user.to_string())
            .fetch_optional(change.conn())
            .await?;
    if member.is_some() {
        return Ok(());
    }
    match crate::orgs::store::insert_membership(change.conn(), org, user, role, now).await {
        // Another sign-in of the same person made them a member first.
        Err(Error::Internal(cause))
            if cause
                .downcast_ref::<sqlx::Error>()
                .is_some_and(crate::error::is_unique_violation) =>
        {
            return Ok(());
        }
        other => other?,
    }
    record_provisioned(&mut change, org, user, role, client, now).await?;
    change.commit().await
}

async fn record_provisioned(
    change: &mut Change<'_>,
    org: OrgId,
    user: UserId,
    role: Role,
    client: &ClientInfo,
    now: Timestamp,
) -> Result<(), Error> {
    change.invalidate(Invalidation::Access(org)).await?;
    change.invalidate(Invalidation::User(user)).await?;
    let event = Event {
        action: Audited::SsoMemberProvisioned,
        org: Some(org),
        actor: Some(user),
        target: Some(format!("user:{user} role:{role}")),
        client,
    };
    audit::record(change.conn(), event, now).await
}

/// A new person the organization's provider vouched for, in a domain the organization proved:
/// an account without a password whose address starts verified, a membership with the default
/// role, and the identity linked.
async fn create_member(
    svc: &Services,
    org: OrgId,
    connection: &Connection,
    vouched: &Vouched,
    email: &EmailAddress,
    name: &str,
    client: &ClientInfo,
) -> Result<UserId, Error> {
    let now = svc.clock.now();
    let user = UserId::random();
    let key = provider_key(org);
    let name = DisplayName::parse(name).map_err(|_| Error::internal("a checked name"))?;
    let mut change = Change::begin(svc).await?;
    crate::users::insert_user(
        change.conn(),
        user,
        email,
        &name,
        String::new(),
        Some(now),
        now,
    )
    .await?;
    crate::orgs::store::insert_membership(change.conn(), org, user, connection.default_role, now)
        .await?;
    let identity = NewIdentity {
        issuer: &key,
        subject: &vouched.name_id,
        provider: &key,
        email: email.as_str(),
    };
    store::insert_identity(change.conn(), &identity, user, now).await?;
    let event = Event {
        action: Audited::SignedUp,
        org: Some(org),
        actor: Some(user),
        target: Some(format!("user:{user}")),
        client,
    };
    audit::record(change.conn(), event, now).await?;
    record_provisioned(&mut change, org, user, connection.default_role, client, now).await?;
    change.commit().await?;
    tracing::info!(user_id = %user, org_id = %org, "member provisioned by single sign-on");
    Ok(user)
}
