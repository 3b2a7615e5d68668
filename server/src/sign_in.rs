//! Signing in: a password (behind the guess limits), the second step of an account with MFA,
//! and the completion every way of signing in shares (a provider's callback too): landing in an
//! organization that admits the session, replacing the browser's previous session, and issuing
//! the new one.
//!
//! Sessions themselves (issuing, resolving, ending) belong to [`crate::sessions`]; this module
//! decides when one is issued.

use crate::admission::Admission;
use crate::audit::{self, Action, Event};
use crate::cache::{Change, Invalidation};
use crate::clock::Timestamp;
use crate::devices;
use crate::error::{Denial, Lapse};
use crate::ids::{ChallengeId, OrgId, UserId};
use crate::metrics::SignInOutcome;
use crate::notices::{self, Notice};
use crate::orgs;
use crate::passwords::Password;
use crate::second_factor::{self, PendingSignIn, Proof};
use crate::sessions::{self, NewSession, SignedIn};
use crate::throttle;
use crate::users::EmailAddress;
use crate::vocab::{ClientInfo, SessionAuth};
use crate::{Error, Services};

/// Where a correct password leads.
#[derive(Debug)]
pub enum SignInStep {
    /// Signed in: a new session.
    Done(SignedIn),
    /// The account uses MFA: no session yet. [`verify_sign_in`] with this pending sign-in's
    /// token and a code completes it.
    SecondFactor(PendingSignIn),
}

/// Signs in with email and password, into `organization` when given (a `/login?org=` link) or
/// else the organization used last (an account in several is then asked which one to enter:
/// [`SignedIn::choose_organization`]). Anyone may call it. An account with MFA gets a pending
/// sign-in instead of a session.
///
/// Errors: `InvalidCredentials` for a wrong email or password alike (same work either way),
/// `RateLimited` after too many failures for the account or the client's IP (then even the right
/// password is refused until the window ends). After a correct password only: `Forbidden` when
/// the account is deactivated there, or is not a member of the organization asked for.
/// `Busy` when the password hasher's queue is full (then nothing is counted).
pub async fn sign_in(
    svc: &Services,
    email: &str,
    password: &str,
    organization: Option<&str>,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<SignInStep, Error> {
    let step = check_password(svc, email, password, organization, client, previous_token).await;
    counted(svc, step)
}

/// Counts how a sign-in step ended, for `/metrics`.
pub(crate) fn counted(
    svc: &Services,
    step: Result<SignInStep, Error>,
) -> Result<SignInStep, Error> {
    svc.metrics.count_sign_in(&step, |step| match step {
        SignInStep::Done(_) => SignInOutcome::Succeeded,
        SignInStep::SecondFactor(_) => SignInOutcome::MfaRequired,
    });
    step
}

async fn check_password(
    svc: &Services,
    email: &str,
    password: &str,
    organization: Option<&str>,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<SignInStep, Error> {
    let now = svc.clock.now();
    let pool = svc.db.pool();
    let normalized = EmailAddress::normalize(email);
    // The client's budget first: a client that is already limited creates no per-account rows.
    let ip_key = client.ip.as_deref().map(throttle::ip_key);
    if let Some(ip_key) = &ip_key
        && let Err(limited) = throttle::reserve(pool, ip_key, throttle::SIGN_IN_PER_IP, now).await
    {
        record_unowned(svc, Action::SignInThrottled, client, now).await?;
        return Err(limited);
    }
    let account_key = throttle::account_key(&normalized);
    if let Err(limited) =
        throttle::reserve(pool, &account_key, throttle::SIGN_IN_PER_ACCOUNT, now).await
    {
        if let Some(ip_key) = &ip_key {
            throttle::release(pool, ip_key).await?;
        }
        record_unowned(svc, Action::SignInThrottled, client, now).await?;
        return Err(limited);
    }

    let user = crate::users::credentials_for(pool, &normalized).await?;
    let password = Password::new(password);
    // An account without a password (it signs in through a provider) matches nothing, after
    // the same work as any other.
    let stored = user
        .as_ref()
        .map(|u| u.password_hash.as_str())
        .filter(|hash| !hash.is_empty());
    let matched = match svc.hasher.verify(&password, stored).await {
        Ok(matched) => matched && stored.is_some(),
        Err(err) => {
            // Not checked (e.g. `Busy`): no guess was made, so none is counted.
            throttle::release(pool, &account_key).await?;
            if let Some(ip_key) = &ip_key {
                throttle::release(pool, ip_key).await?;
            }
            return Err(err);
        }
    };
    let user = match (matched, user) {
        (true, Some(user)) => user,
        (_, user) => {
            let mut conn = pool.acquire().await?;
            let event = Event {
                action: Action::SignInFailed,
                org: None,
                actor: user.map(|u| u.id),
                target: None,
                client,
            };
            audit::record(&mut conn, event, now).await?;
            tracing::info!("sign-in refused: invalid credentials");
            return Err(Error::InvalidCredentials);
        }
    };

    throttle::clear(pool, &account_key).await?;
    if let Some(ip_key) = &ip_key {
        throttle::release(pool, ip_key).await?;
    }
    throttle::purge_finished_windows(pool, now).await?;
    let completion = Completion {
        user_id: user.id,
        credential_version: user.credential_version,
        organization,
        second_step: None,
        via_provider: None,
    };
    complete_sign_in(svc, completion, client, previous_token).await
}

/// A completed second step.
#[derive(Debug)]
pub struct MfaSignedIn {
    pub signed_in: SignedIn,
    /// Set when a backup code was used: how many remain.
    pub backup_codes_left: Option<i64>,
}

/// The second step of sign-in: an authenticator or backup code for the pending sign-in behind
/// `token` issues the session (and ends the one it replaces, as sign-in does).
///
/// Errors: `Gone` when the pending sign-in expired or was used; `Validation` (field `code`) for
/// a wrong, replayed or malformed code; `RateLimited` past the account's guess budget or while
/// failures in a row impose a wait; `Forbidden` ([`Denial::SecondFactorLocked`]) once they locked the second
/// factor, or as for sign-in (deactivated meanwhile).
pub async fn verify_sign_in(
    svc: &Services,
    token: &str,
    code: &str,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<MfaSignedIn, Error> {
    let verified = prove_and_complete(svc, token, code, client, previous_token).await;
    svc.metrics
        .count_sign_in(&verified, |_| SignInOutcome::Succeeded);
    verified
}

async fn prove_and_complete(
    svc: &Services,
    token: &str,
    code: &str,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<MfaSignedIn, Error> {
    let (challenge, proof) = second_factor::prove_pending(svc, token, code, client).await?;
    // The pending sign-in is used up in the transaction that issues the session: of two
    // requests racing with good codes one proceeds, and an MFA reset either deletes it first
    // (then this is refused) or comes after and ends the session issued here.
    let completion = Completion {
        user_id: challenge.user,
        credential_version: challenge.credential_version,
        organization: challenge.org.as_deref(),
        second_step: Some(challenge.id),
        via_provider: challenge.via_provider.as_deref(),
    };
    let SignInStep::Done(signed_in) =
        complete_sign_in(svc, completion, client, previous_token).await?
    else {
        return Err(Error::internal("a proven second factor asked for again"));
    };
    let backup_codes_left = match proof {
        Proof::BackupCode => Some(second_factor::backup_codes_left(svc, challenge.user).await?),
        Proof::Authenticator => None,
    };
    Ok(MfaSignedIn {
        signed_in,
        backup_codes_left,
    })
}

/// A sign-in whose credentials all passed.
pub(crate) struct Completion<'a> {
    pub user_id: UserId,
    /// The account's credential version when the password (or provider) was checked.
    pub credential_version: i64,
    /// As asked by a `/login?org=` link.
    pub organization: Option<&'a str>,
    /// The pending sign-in a second step used up (in the same transaction).
    pub second_step: Option<ChallengeId>,
    /// The provider it came through; `None` for a password.
    pub via_provider: Option<&'a str>,
}

/// Issues the session of a sign-in whose credentials all passed: lands in `organization` (or
/// the one used last, and then, for an account in several, [`SignedIn::choose_organization`]
/// asks the person which one to enter), replacing the browser's previous session; a second
/// step's pending sign-in is used up in the same transaction. The organization landed in must
/// admit the session ([`admission::admit`]): an account with MFA that did not give its second
/// step gets a pending sign-in instead, unless that organization trusts the provider's MFA.
///
/// Errors: `Forbidden` when the account is deactivated there, is not a member of the
/// organization asked for, or the organization requires another way of signing in; `Gone` when
/// the pending sign-in already went.
pub(crate) async fn complete_sign_in(
    svc: &Services,
    completion: Completion<'_>,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<SignInStep, Error> {
    let Completion {
        user_id,
        credential_version,
        organization,
        second_step,
        via_provider,
    } = completion;
    let now = svc.clock.now();
    let pool = svc.db.pool();
    let mut change = Change::begin(svc).await?;
    // The account's memberships are locked before any session, the order a deactivation takes
    // them in, so the two cannot deadlock on PostgreSQL.
    orgs::store::lock_memberships_of(change.conn(), user_id).await?;
    if let Some(challenge) = second_step
        && !second_factor::consume_pending(change.conn(), challenge).await?
    {
        return Err(Error::Gone(Lapse::SignInExpired));
    }
    if let Some(previous) = previous_token {
        sessions::end_replaced(&mut change, previous, client, now).await?;
    }
    sessions::end_expired(&mut change, user_id, client, now).await?;
    let requested = organization.map(|text| OrgId::parse(text).ok_or(text));
    let landing = match requested {
        None => orgs::landing_org(change.conn(), user_id, None, now).await?,
        Some(Ok(org)) => orgs::landing_org(change.conn(), user_id, Some(org), now).await?,
        Some(Err(_)) => orgs::Landing::NotAMember,
    };
    let (org, choice) = match landing {
        orgs::Landing::In { org, choice } => (org, choice),
        refused => {
            drop(change);
            let (reason, denial) = match refused {
                orgs::Landing::Deactivated => ("deactivated", Denial::Deactivated),
                _ => ("not_a_member", Denial::NotAMemberOfLinkedOrganization),
            };
            let mut conn = pool.acquire().await?;
            let event = Event {
                action: Action::SignInFailed,
                org: None,
                actor: Some(user_id),
                target: Some(format!("reason:{reason}")),
                client,
            };
            audit::record(&mut conn, event, now).await?;
            return Err(Error::Forbidden(denial));
        }
    };
    let mfa_enabled = second_factor::is_enabled_in(change.conn(), user_id).await?;
    let auth = SessionAuth {
        via_provider: via_provider.map(str::to_string),
        mfa_waived: mfa_enabled && second_step.is_none(),
    };
    match sessions::admission_in(change.conn(), org, &auth, mfa_enabled).await? {
        Admission::Admitted => {}
        Admission::ProviderRequired(required) => {
            drop(change);
            return Err(Error::Forbidden(
                sessions::provider_required(svc, org, &required).await?,
            ));
        }
        Admission::SecondFactorRequired => {
            drop(change);
            let pending = second_factor::begin_second_step(
                svc,
                user_id,
                credential_version,
                organization,
                via_provider,
            )
            .await?;
            tracing::info!(user_id = %user_id, "credentials accepted; second factor pending");
            return Ok(SignInStep::SecondFactor(pending));
        }
    }
    let new_device =
        notices::remember_device(change.conn(), user_id, &devices::of(client), now).await?;
    let new_session = NewSession {
        user: user_id,
        org,
        credential_version,
        auth,
    };
    let signed_in = SignedIn {
        choose_organization: choice,
        ..sessions::create(change.conn(), svc, new_session, client, now).await?
    };
    // A new device appears in the user's session list on every instance.
    change.invalidate(Invalidation::User(user_id)).await?;
    sessions::end_surplus(&mut change, user_id, client, now).await?;
    let event = Event {
        action: Action::SignedIn,
        org,
        actor: Some(user_id),
        target: Some(format!("session:{}", signed_in.session_id)),
        client,
    };
    audit::record(change.conn(), event, now).await?;
    change.commit().await?;
    if new_device {
        notices::send(svc, user_id, Notice::NewDevice, client);
    }
    tracing::info!(user_id = %user_id, session_id = %signed_in.session_id, "signed in");
    Ok(SignInStep::Done(signed_in))
}

async fn record_unowned(
    svc: &Services,
    action: Action,
    client: &ClientInfo,
    now: Timestamp,
) -> Result<(), Error> {
    // Counted per hour, not audited one row each: a flood of refusals must not grow the log.
    let this_hour = audit::tally(svc.db.pool(), action, now).await?;
    tracing::info!(
        action = action.as_str(),
        ip = client.ip.as_deref().unwrap_or("-"),
        this_hour,
        "sign-in refused: too many attempts"
    );
    Ok(())
}
