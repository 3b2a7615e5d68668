//! Where a verified provider identity leads, and the takeover of an unverified password account
//! by the provider that verified its address.
//!
//! A password account whose address was never proven may belong to someone who typed another
//! person's address at sign-up. When that address's owner arrives through a provider that
//! verified it, the provider's proof wins: the password (whoever set it) is removed, with every
//! session, reset link, second factor and remembered device of the account, and the person is
//! signed in through the provider. A verified account is linked only after its owner proves it.

use super::*;
use crate::error::Denial;
use crate::vocab::EndReason;

/// The trip to the provider that an identity came back from.
#[derive(Debug, Clone)]
pub struct Trip<'a> {
    /// The provider's key.
    pub provider: &'a str,
    /// The token of the invitation the trip started from.
    pub invitation: Option<&'a str>,
    /// A local path to go to afterwards.
    pub next: String,
}

/// Decides where `identity` leads: sign-in, takeover, proving an existing account, or a new one.
///
/// Only for an identity whose ID token [`callback`] verified (signature, issuer, audience,
/// nonce): it signs people in on the identity's word.
pub async fn arrive(
    svc: &Services,
    trip: Trip<'_>,
    identity: &VerifiedIdentity,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<Arrival, Error> {
    let now = svc.clock.now();
    let refused = |why: Refusal| {
        tracing::info!(
            provider = trip.provider,
            reason = why.as_str(),
            "provider sign-in refused"
        );
        Ok(Arrival::Refused(why))
    };
    let provider = svc.oauth.get(trip.provider).ok_or(Error::NotFound)?;
    let next = trip.next.clone();
    let signed_in = |step: Result<SignInStep, Error>| match step {
        Ok(step) => Ok(Arrival::SignedIn {
            step,
            next: match trip.invitation {
                Some(invitation) => format!("/invite/{invitation}"),
                None => next.clone(),
            },
        }),
        Err(Error::Forbidden(denial)) if trip.invitation.is_none() => {
            refused(if denial == Denial::Deactivated {
                Refusal::Deactivated
            } else {
                Refusal::NotAllowed
            })
        }
        Err(other) => Err(other),
    };
    // A known identity signs its account in, whatever its email says today.
    if let Some(user) = store::user_of(svc.db.pool(), &identity.issuer, &identity.subject).await? {
        store::touch_identity(svc.db.pool(), &identity.issuer, &identity.subject, now).await?;
        return signed_in(sign_in_as(svc, user, provider, None, client, previous_token).await);
    }
    if !identity.email_verified || EmailAddress::parse(&identity.email).is_err() {
        return refused(Refusal::EmailUnverified);
    }
    let email = EmailAddress::normalize(&identity.email);
    let existing = crate::users::user_id_by_email(svc.db.pool(), &email).await?;
    if let Some(user) = existing
        && svc.mailer.is_configured()
        && take_over(svc, user, provider, identity, &email, client).await?
    {
        return signed_in(sign_in_as(svc, user, provider, None, client, previous_token).await);
    }
    let name = identity
        .name
        .clone()
        .filter(|n| DisplayName::parse(n).is_ok())
        .unwrap_or_else(|| email.split('@').next().unwrap_or("New member").to_string());
    let invitation = trip.invitation.map(str::to_string);
    let pending = store::Pending {
        provider: provider.key.clone(),
        issuer: identity.issuer.clone(),
        subject: identity.subject.clone(),
        email: email.clone(),
        name,
        existing_user: existing,
        invitation: invitation.clone(),
        next_path: Some(match &invitation {
            Some(invitation) => format!("/invite/{invitation}"),
            None => trip.next.clone(),
        }),
    };
    let cookie = Secret::generate();
    store::insert_pending(
        svc.db.pool(),
        &cookie.hash(),
        &pending,
        now,
        now.plus(PENDING_TTL),
    )
    .await?;
    match (existing, invitation) {
        (Some(_), _) => Ok(Arrival::ProveAccount {
            cookie,
            next: pending.next_path.unwrap_or(trip.next),
        }),
        // Nothing is created or joined on the way back from the provider (a GET any page could
        // trigger): the person sees the invitation and confirms "Join".
        (None, Some(invitation)) => Ok(Arrival::ConfirmInvitation {
            cookie,
            next: format!("/invite/{invitation}"),
        }),
        (None, None) => Ok(Arrival::NewAccount { cookie }),
    }
}

/// Gives `user`'s account to the provider's person when its address was never verified: `false`
/// (nothing changed) for a verified account. The claim is the first write, so a verification
/// committing meanwhile wins.
async fn take_over(
    svc: &Services,
    user: UserId,
    provider: &Provider,
    identity: &VerifiedIdentity,
    email: &str,
    client: &ClientInfo,
) -> Result<bool, Error> {
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let claimed = sqlx::query(
        "UPDATE users SET password_hash = '', credential_version = credential_version + 1, \
         email_verified_at = $1, updated_at = $1 WHERE id = $2 AND email_verified_at IS NULL",
    )
    .bind(now.as_millis())
    .bind(user.to_string())
    .execute(change.conn())
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(false);
    }
    let id = user.to_string();
    for statement in [
        "UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
        "UPDATE email_verifications SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
    ] {
        sqlx::query(statement)
            .bind(&id)
            .bind(now.as_millis())
            .execute(change.conn())
            .await?;
    }
    // A second factor or devices the squatter set up are not the address owner's.
    for statement in [
        "DELETE FROM mfa_backup_codes WHERE user_id = $1",
        "DELETE FROM mfa_totp WHERE user_id = $1",
        "DELETE FROM mfa_challenges WHERE user_id = $1",
        "DELETE FROM known_devices WHERE user_id = $1",
    ] {
        sqlx::query(statement)
            .bind(&id)
            .execute(change.conn())
            .await?;
    }
    change.invalidate(Invalidation::User(user)).await?;
    sessions::end_all_except(
        &mut change,
        user,
        None,
        EndReason::EmailClaimed,
        client,
        now,
    )
    .await?;
    let new = store::NewIdentity {
        issuer: &identity.issuer,
        subject: &identity.subject,
        provider: &provider.key,
        email,
    };
    store::insert_identity(change.conn(), &new, user, now).await?;
    let event = Event {
        action: Audited::EmailClaimed,
        org: None,
        actor: Some(user),
        target: Some(format!("user:{user} provider:{}", provider.key)),
        client,
    };
    audit::record(change.conn(), event, now).await?;
    change.commit().await?;
    tracing::info!(user_id = %user, provider = %provider.key, "unverified account taken over by its address's owner");
    Ok(true)
}
