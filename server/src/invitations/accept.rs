//! Accepting an invitation: by a new account created from it, or by the signed-in owner of the
//! invited email. The claim on the invitation is the transaction's first write, so of two
//! simultaneous accepts exactly one wins.

use super::*;
use crate::admission::Admission;
use crate::vocab::SessionAuth;

/// Who accepts an invitation.
#[derive(Clone, Copy)]
pub enum Acceptor<'a> {
    /// The signed-in owner of the invited email.
    SignedIn(&'a Actor),
    /// A person without an account: it is created with the invited email.
    NewAccount { name: &'a str, password: &'a str },
    /// A person a sign-in provider vouched for (`email` verified): the account is created
    /// without a password and the identity linked.
    Identity {
        name: &'a str,
        email: &'a str,
        identity: &'a crate::identities::NewIdentity<'a>,
    },
}

/// Accepts an invitation: the acceptor becomes a member with the invited role and their session
/// acts in the organization. A new account is signed in (the returned session). Of two
/// simultaneous accepts exactly one succeeds. The organization must admit the session as it
/// would at sign-in ([`crate::admission::admit`]).
///
/// Errors: `NotFound` for an unknown link; `Gone` for an expired, revoked or used one;
/// `Forbidden` when the signed-in account's email is not the invited one, or when the
/// organization requires signing in another way (through its provider, or — for a session that
/// skipped its second step elsewhere — with the second factor); `Validation` on `name` or
/// `password`; `Conflict` when already a member or (new account) when the email has an account.
pub async fn accept_invitation(
    svc: &Services,
    token: &str,
    acceptor: Acceptor<'_>,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<Option<SignedIn>, Error> {
    let details = invitation_details(svc, token).await?;
    if details.status != Status::Pending {
        return Err(details.status.refusal());
    }
    let new_account = match acceptor {
        Acceptor::SignedIn(actor) => {
            if actor.email != details.email {
                return Err(Error::Forbidden(Denial::InvitationForSomeoneElse {
                    invited: Private(details.email.clone()),
                    signed_in_as: Private(actor.email.clone()),
                }));
            }
            None
        }
        Acceptor::NewAccount { name, password } => {
            let mut errors = FieldErrors::default();
            let name = errors.check("name", DisplayName::parse(name));
            let password = errors.check("password", NewPassword::parse(password));
            let (Some(name), Some(password)) = (name, password) else {
                return Err(Error::Validation(errors));
            };
            let hash = svc.hasher.hash(password.password()).await?;
            Some((name, hash))
        }
        Acceptor::Identity { name, email, .. } => {
            if email != details.email {
                return Err(Error::Forbidden(
                    Denial::InvitationForAnotherProviderAccount {
                        invited: Private(details.email.clone()),
                        signed_in_as: Private(email.to_string()),
                    },
                ));
            }
            let name = DisplayName::parse(name).map_err(|problems| {
                let mut errors = FieldErrors::default();
                errors.check::<()>("name", Err(problems));
                Error::Validation(errors)
            })?;
            Some((name, String::new()))
        }
    };

    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    // The claim is the transaction's first write: of two accepts, one updates the row and the
    // other finds it taken.
    let Some((id, org, role)) = store::claim(change.conn(), &tokens::hash(token), now).await?
    else {
        drop(change);
        let details = invitation_details(svc, token).await?;
        return Err(details.status.refusal());
    };
    // The invitation speaks for its sender: it holds only while they may still invite so.
    let inviter_role = store::inviter_role(change.conn(), id).await?;
    if !authz::decide(inviter_role, Action::Invite { role }, None).is_allowed() {
        return Err(Error::Gone(Lapse::InviterMayNoLongerInvite));
    }
    // The session that will act there, as sign-in would issue it.
    let (auth, mfa_enabled) = match acceptor {
        Acceptor::SignedIn(actor) => (
            actor.auth.clone(),
            crate::second_factor::is_enabled_in(change.conn(), actor.user_id).await?,
        ),
        Acceptor::NewAccount { .. } => (SessionAuth::default(), false),
        Acceptor::Identity { identity, .. } => (
            SessionAuth {
                via_provider: Some(identity.provider.to_string()),
                mfa_waived: false,
            },
            false,
        ),
    };
    match sessions::admission_in(change.conn(), Some(org), &auth, mfa_enabled).await? {
        Admission::Admitted => {}
        Admission::ProviderRequired(required) => {
            drop(change);
            let Denial::ProviderRequired {
                organization,
                provider,
            } = sessions::provider_required(svc, Some(org), &required).await?
            else {
                return Err(Error::internal("provider_required names the provider"));
            };
            return Err(Error::Forbidden(Denial::InvitationNeedsProvider {
                organization,
                provider,
            }));
        }
        Admission::SecondFactorRequired => {
            drop(change);
            return Err(Error::Forbidden(Denial::InvitationNeedsSecondFactor));
        }
    }
    let (user, signed_in) = match (acceptor, new_account) {
        (Acceptor::SignedIn(actor), _) => {
            join(change.conn(), org, actor.user_id, role, now).await?;
            sqlx::query("UPDATE sessions SET org_id = $1 WHERE id = $2")
                .bind(org.to_string())
                .bind(actor.session_id.to_string())
                .execute(change.conn())
                .await?;
            change
                .invalidate(Invalidation::Session(actor.session_id))
                .await?;
            (actor.user_id, None)
        }
        (Acceptor::NewAccount { .. } | Acceptor::Identity { .. }, Some((name, hash))) => {
            let user = UserId::random();
            let email = EmailAddress::parse(&details.email)
                .map_err(|_| Error::internal("an invitation holds an email that does not parse"))?;
            // Accepting does not prove the mailbox: the inviter saw the link too.
            let verified_at = matches!(acceptor, Acceptor::Identity { .. }).then_some(now);
            crate::users::insert_user(change.conn(), user, &email, &name, hash, verified_at, now)
                .await?;
            join(change.conn(), org, user, role, now).await?;
            if let Some(previous) = previous_token {
                sessions::end_replaced(&mut change, previous, client, now).await?;
            }
            let new_session = sessions::NewSession {
                user,
                org: Some(org),
                credential_version: 0,
                auth,
            };
            let signed_in = sessions::create(change.conn(), svc, new_session, client, now).await?;
            if let Acceptor::Identity { identity, .. } = acceptor {
                crate::identities::insert_identity(change.conn(), identity, user, now).await?;
            }
            let event = Event {
                action: Audited::SignedUp,
                org: Some(org),
                actor: Some(user),
                target: Some(format!("user:{user}")),
                client,
            };
            audit::record(change.conn(), event, now).await?;
            (user, Some(signed_in))
        }
        (Acceptor::NewAccount { .. } | Acceptor::Identity { .. }, None) => {
            return Err(Error::internal("new account without its checked input"));
        }
    };
    store::mark_accepted_by(change.conn(), id, user).await?;
    crate::projects::grant_invited_role(change.conn(), id, org, user, client, now).await?;
    crate::teams::join_invited_teams(change.conn(), id, org, user, client, now).await?;
    change.invalidate(Invalidation::Access(org)).await?;
    let event = Event {
        action: Audited::InvitationAccepted,
        org: Some(org),
        actor: Some(user),
        target: Some(format!("invitation:{id} role:{role}")),
        client,
    };
    audit::record(change.conn(), event, now).await?;
    change.commit().await?;
    if let (Acceptor::NewAccount { .. }, Ok(email)) =
        (acceptor, EmailAddress::parse(&details.email))
    {
        crate::email_verification::send_link_later(svc, user, email);
    }
    tracing::info!(user_id = %user, org_id = %org, "invitation accepted");
    Ok(signed_in)
}

/// Adds the membership; an existing one (even deactivated) is a conflict.
async fn join(
    conn: &mut AnyConnection,
    org: OrgId,
    user: UserId,
    role: Role,
    now: Timestamp,
) -> Result<(), Error> {
    match orgs::store::insert_membership(conn, org, user, role, now).await {
        Err(Error::Internal(cause))
            if cause
                .downcast_ref::<sqlx::Error>()
                .is_some_and(is_unique_violation) =>
        {
            Err(Error::Conflict(Clash::AlreadyAMember))
        }
        other => other,
    }
}
