//! Accounts: opening one (sign-up, with a password or through a provider), and the owner's
//! profile and password changes. The account record itself and the input types it holds are in
//! [`crate::users`].

use crate::audit::{self, Action, Event};
use crate::cache::{Change, Invalidation};
use crate::error::{FieldErrors, Lapse};
use crate::ids::UserId;
use crate::orgs::{self, OrgName};
use crate::passwords::{NewPassword, Password};
use crate::sessions::{self, SignedIn};
use crate::vocab::{Actor, ClientInfo, EndReason};
use crate::{Error, Services, throttle};

mod own;

pub use crate::users::{DisplayName, EMAIL_MAX, EmailAddress, NAME_MAX};
pub use own::{change_password, update_profile};

/// Raw sign-up form input.
#[derive(Debug, Clone)]
pub struct SignUp<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub organization: &'a str,
}

/// Creates an account and its first organization (with the new user as Owner) and signs the
/// user in there. Anyone may call it.
///
/// Errors: `Validation` naming every failing field and rule; `RateLimited` past the client
/// address's sign-ups this hour (`signup_limit_per_hour`); `Busy` when the password hasher's
/// queue is full; `Conflict` on `email` when an account with that email exists.
pub async fn sign_up(
    svc: &Services,
    input: SignUp<'_>,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<SignedIn, Error> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", DisplayName::parse(input.name));
    let email = errors.check("email", EmailAddress::parse(input.email));
    let password = errors.check("password", NewPassword::parse(input.password));
    let org_name = errors.check("organization", OrgName::parse(input.organization));
    let (Some(name), Some(email), Some(password), Some(org_name)) =
        (name, email, password, org_name)
    else {
        return Err(Error::Validation(errors));
    };

    // Counted before the expensive hash; an email that is taken counts too, so sign-up is no
    // cheap way to learn which addresses have accounts.
    let reserved = reserve_new_account(svc, client).await?;
    let password_hash = match svc.hasher.hash(password.password()).await {
        Ok(hash) => hash,
        Err(err) => {
            // Nothing was created: the attempt does not count.
            if let Some(key) = reserved {
                throttle::release(svc.db.pool(), &key).await?;
            }
            return Err(err);
        }
    };
    let signed_in = create(
        svc,
        Opened {
            name,
            email: email.clone(),
            org_name,
            password_hash,
        },
        None,
        client,
        previous_token,
    )
    .await?;
    crate::email_verification::send_link_later(svc, signed_in.user_id, email);
    Ok(signed_in)
}

/// A new account through a sign-in provider: the person's name and organization as at sign-up,
/// the email the provider verified, and no password.
pub(crate) struct NewAccount<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub organization: &'a str,
    pub password_hash: Option<String>,
}

/// Opens an account for a provider's verified identity (linked in the same transaction, and the
/// pending identity with `pending_hash` used up) and signs it in. Counts against the client
/// address's sign-ups like [`sign_up`] (`RateLimited`).
pub(crate) async fn open_account(
    svc: &Services,
    input: NewAccount<'_>,
    identity: Option<(&crate::identities::NewIdentity<'_>, &str)>,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<SignedIn, Error> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", DisplayName::parse(input.name));
    let email = errors.check("email", EmailAddress::parse(input.email));
    let org_name = errors.check("organization", OrgName::parse(input.organization));
    let (Some(name), Some(email), Some(org_name)) = (name, email, org_name) else {
        return Err(Error::Validation(errors));
    };
    reserve_new_account(svc, client).await?;
    let opened = Opened {
        name,
        email,
        org_name,
        password_hash: input.password_hash.unwrap_or_default(),
    };
    create(svc, opened, identity, client, previous_token).await
}

/// Counts a new account against its client address's hourly budget, when the limit is on and
/// the address known; the throttle key reserved. A refusal is tallied, not audited row by row.
async fn reserve_new_account(svc: &Services, client: &ClientInfo) -> Result<Option<String>, Error> {
    let per_hour = svc.config.signup_limit_per_hour;
    let Some(ip) = client.ip.as_deref().filter(|_| per_hour > 0) else {
        return Ok(None);
    };
    let now = svc.clock.now();
    let pool = svc.db.pool();
    let key = format!("signup:{}", throttle::ip_key(ip));
    match throttle::reserve(pool, &key, throttle::sign_ups_per_ip(per_hour), now).await {
        Ok(()) => Ok(Some(key)),
        Err(limited @ Error::RateLimited { .. }) => {
            let this_hour = audit::tally(pool, Action::SignUpThrottled, now).await?;
            tracing::info!(this_hour, "sign-up refused: too many from this address");
            Err(limited)
        }
        Err(other) => Err(other),
    }
}

struct Opened {
    name: DisplayName,
    email: EmailAddress,
    org_name: OrgName,
    /// Empty for an account without a password (it signs in through a provider).
    password_hash: String,
}

async fn create(
    svc: &Services,
    opened: Opened,
    identity: Option<(&crate::identities::NewIdentity<'_>, &str)>,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<SignedIn, Error> {
    let Opened {
        name,
        email,
        org_name,
        password_hash,
    } = opened;
    let now = svc.clock.now();
    let user_id = UserId::random();
    let mut change = Change::begin(svc).await?;
    if let Some((_, pending_hash)) = identity
        && crate::identities::take_pending(change.conn(), pending_hash, now)
            .await?
            .is_none()
    {
        return Err(Error::Gone(Lapse::ProviderSignInExpired));
    }
    // A provider's verified email proves the mailbox; a typed one does not.
    let verified_at = identity.map(|_| now);
    crate::users::insert_user(
        change.conn(),
        user_id,
        &email,
        &name,
        password_hash,
        verified_at,
        now,
    )
    .await?;
    let org_id = orgs::create_with_owner(change.conn(), &org_name, user_id, now).await?;
    if let Some(previous) = previous_token {
        sessions::end_replaced(&mut change, previous, client, now).await?;
    }
    let new_session = sessions::NewSession {
        user: user_id,
        org: Some(org_id),
        credential_version: 0,
        auth: crate::vocab::SessionAuth {
            via_provider: identity.map(|(identity, _)| identity.provider.to_string()),
            mfa_waived: false,
        },
    };
    let signed_in = sessions::create(change.conn(), svc, new_session, client, now).await?;
    if let Some((identity, _)) = identity {
        crate::identities::insert_identity(change.conn(), identity, user_id, now).await?;
    }
    let event = Event {
        action: Action::SignedUp,
        org: Some(org_id),
        actor: Some(user_id),
        target: Some(format!("user:{user_id}")),
        client,
    };
    audit::record(change.conn(), event, now).await?;
    change.commit().await?;
    tracing::info!(user_id = %user_id, org_id = %org_id, "account created");
    Ok(signed_in)
}
