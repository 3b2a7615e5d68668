//! Sign-in with Google and any OpenID Connect provider (authorization code flow with PKCE S256,
//! `state` and `nonce`, exact redirect URI). Identities are keyed on (issuer, subject), never on
//! the email alone, and an email counts only when the provider verified it.
//!
//! Where a provider's answer leads:
//! - a known identity signs its account in (its MFA still applies, unless the organization
//!   signed into lets this provider's own MFA stand in);
//! - a verified email of an existing, unlinked account is linked only after the person proves
//!   that account (password, and MFA when on) — see [`link_pending`];
//! - a new email creates the account: in the organization of the invitation it came through,
//!   or in a new organization the person names (as at sign-up).

use openidconnect::core::CoreResponseType;
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, Scope, TokenResponse,
};

use crate::accounts;
use crate::audit::{self, Action as Audited, Event};
use crate::authz::{self, Action};
use crate::authz::{current_org, require};
use crate::cache::{Change, Invalidation};
use crate::clock::Timestamp;
use crate::error::{Denial, Lapse};
use crate::identities as store;
use crate::ids::UserId;
use crate::orgs::lock_as_caller;
use crate::sessions::{self, SignedIn};
use crate::sign_in::{self, Completion, SignInStep};
use crate::tokens::{self, Secret};
use crate::users::{DisplayName, EmailAddress};
use crate::vocab::{Actor, ClientInfo};
use crate::{Error, Services};

mod arrival;
mod identities;
mod providers;

pub use arrival::{Trip, arrive};
pub use identities::{
    LinkedIdentity, PendingView, complete_sign_up, link_pending, linked_identities,
    pending_identity, sign_in_restriction, unlink_identity, update_sign_in_restriction,
};
pub use providers::{Provider, Providers, VerifiedIdentity, http_client};

/// How long a trip to the provider and back may take.
pub const FLOW_TTL: std::time::Duration = std::time::Duration::from_secs(10 * 60);
/// How long a verified identity waits for its person to finish.
pub const PENDING_TTL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// A trip to the provider: where to send the browser, and the cookie that binds the answer to it.
pub struct Started {
    pub url: String,
    pub cookie: Secret,
}

/// The query a provider sends the browser back with.
#[derive(Debug, Default)]
pub struct CallbackParams<'a> {
    pub code: Option<&'a str>,
    pub state: Option<&'a str>,
    pub error: Option<&'a str>,
}

/// Why a provider sign-in did not go through, as the sign-in page explains it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The person declined at the provider.
    Denied,
    /// The provider answered with another error.
    ProviderError,
    /// The answer's `state` is not this browser's request (tampered, or another browser's).
    StateMismatch,
    /// No trip under way in this browser (expired, used, or never started).
    Expired,
    /// The code exchange or the ID token failed a check.
    Unverifiable,
    /// The provider did not verify the email.
    EmailUnverified,
    Deactivated,
    /// Not a member of the organization, an invitation for someone else, or the organization
    /// requires another way of signing in.
    NotAllowed,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Denied => "denied",
            Refusal::ProviderError => "provider_error",
            Refusal::StateMismatch => "state",
            Refusal::Expired => "expired",
            Refusal::Unverifiable => "unverifiable",
            Refusal::EmailUnverified => "email_unverified",
            Refusal::Deactivated => "deactivated",
            Refusal::NotAllowed => "not_allowed",
        }
    }
}

/// Where the provider's answer leads.
#[derive(Debug)]
pub enum Arrival {
    /// A known identity (or a new account from an invitation): signed in, or MFA comes next.
    SignedIn {
        step: SignInStep,
        next: String,
    },
    /// The email belongs to an account not linked yet: its owner signs in to prove it.
    ProveAccount {
        cookie: Secret,
        next: String,
    },
    /// A new person: they name their organization next.
    NewAccount {
        cookie: Secret,
    },
    /// A new person who came through an invitation: they see it and confirm "Join" next
    /// ([`join_invitation`]).
    ConfirmInvitation {
        cookie: Secret,
        next: String,
    },
    Refused(Refusal),
}

/// Starts a sign-in with `provider`: `next` is where to go afterwards, `invitation` the token of
/// the invitation it came through. `NotFound` for a provider that is not configured;
/// `RateLimited` past 60 starts per client IP in 15 minutes.
pub async fn start(
    svc: &Services,
    provider: &str,
    next: Option<&str>,
    invitation: Option<&str>,
    client: &ClientInfo,
) -> Result<Started, Error> {
    let provider = svc.oauth.get(provider).ok_or(Error::NotFound)?;
    if let Some(ip) = client.ip.as_deref() {
        let key = format!("oauth-start:{}", crate::throttle::ip_key(ip));
        crate::throttle::reserve(
            svc.db.pool(),
            &key,
            crate::throttle::PROVIDER_STARTS_PER_IP,
            svc.clock.now(),
        )
        .await?;
    }
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = provider
        .client()
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let cookie = Secret::generate();
    let now = svc.clock.now();
    let flow = store::Flow {
        provider: provider.key.clone(),
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier_sealed: svc
            .config
            .secret_key
            .seal(verifier.secret().as_bytes(), &cookie.hash())?,
        next_path: next.map(|n| n.chars().take(512).collect()),
        invitation: invitation
            .filter(|t| tokens::well_formed(t))
            .map(str::to_string),
    };
    let new = store::NewFlow {
        id: &uuid::Uuid::new_v4().to_string(),
        token_hash: &cookie.hash(),
        flow: &flow,
        now,
        expires_at: now.plus(FLOW_TTL),
    };
    store::insert_flow(svc.db.pool(), new).await?;
    Ok(Started {
        url: url.to_string(),
        cookie,
    })
}

/// The provider sent the browser back. Checks it is this browser's trip (cookie and `state`,
/// once), exchanges the code (PKCE), verifies the ID token, and decides where it leads. No code
/// or token is logged.
pub async fn callback(
    svc: &Services,
    provider_key: &str,
    cookie: Option<&str>,
    params: CallbackParams<'_>,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<Arrival, Error> {
    let now = svc.clock.now();
    let refused = |why: Refusal| {
        tracing::info!(
            provider = provider_key,
            reason = why.as_str(),
            "provider sign-in refused"
        );
        Ok(Arrival::Refused(why))
    };
    let Some(provider) = svc.oauth.get(provider_key) else {
        return Err(Error::NotFound);
    };
    let Some(cookie) = cookie.filter(|c| tokens::well_formed(c)) else {
        return refused(Refusal::Expired);
    };
    let Some((_, flow)) = store::take_flow(svc.db.pool(), &tokens::hash(cookie), now).await? else {
        return refused(Refusal::Expired);
    };
    let state_matches = params.state.is_some_and(|state| {
        flow.provider == provider.key && constant_time_eq(state.as_bytes(), flow.state.as_bytes())
    });
    if !state_matches {
        return refused(Refusal::StateMismatch);
    }
    if let Some(error) = params.error {
        return refused(if error == "access_denied" {
            Refusal::Denied
        } else {
            Refusal::ProviderError
        });
    }
    let Some(code) = params.code else {
        return refused(Refusal::ProviderError);
    };
    let verifier = svc
        .config
        .secret_key
        .open(&flow.verifier_sealed, &tokens::hash(cookie))?;
    let verifier = PkceCodeVerifier::new(String::from_utf8_lossy(&verifier).into_owned());
    let identity = match exchange(svc, provider, code, verifier, &flow.nonce).await {
        Ok(identity) => identity,
        Err(why) => {
            tracing::warn!(provider = provider_key, error = %why, "provider answer failed verification");
            return refused(Refusal::Unverifiable);
        }
    };
    let next = store::safe_next_path(flow.next_path.as_deref());
    let trip = Trip {
        provider: provider_key,
        invitation: flow.invitation.as_deref(),
        next,
    };
    arrive(svc, trip, &identity, client, previous_token).await
}

/// Exchanges the code (with the PKCE verifier) and verifies the ID token. The email comes from
/// the ID token, or from userinfo when the token has none.
async fn exchange(
    svc: &Services,
    provider: &Provider,
    code: &str,
    verifier: PkceCodeVerifier,
    nonce: &str,
) -> Result<VerifiedIdentity, String> {
    let http = svc.oauth.http().map_err(|e| e.to_string())?;
    let client = provider.client();
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|e| providers::chain(&e))?
        .set_pkce_verifier(verifier)
        .request_async(http)
        .await
        .map_err(|e| providers::chain(&e))?;
    let id_token = response
        .id_token()
        .ok_or_else(|| "the token response has no ID token".to_string())?;
    let verifier = client.id_token_verifier();
    let mut identity = providers::verify_id_token(
        id_token,
        &verifier,
        &Nonce::new(nonce.to_string()),
        &provider.issuer,
    )?;
    if identity.email.is_empty() {
        let info: openidconnect::core::CoreUserInfoClaims = client
            .user_info(response.access_token().clone(), None)
            .map_err(|e| providers::chain(&e))?
            .request_async(http)
            .await
            .map_err(|e| providers::chain(&e))?;
        if info.subject().as_str() != identity.subject {
            return Err("userinfo is about another subject".into());
        }
        identity.email = info.email().map(|e| e.to_string()).unwrap_or_default();
        identity.email_verified = info.email_verified().unwrap_or(false);
    }
    Ok(identity)
}

/// Signs `user` in through `provider`: their MFA step comes next unless the organization they
/// land in is restricted to this provider and lets its MFA stand in (decided where the session
/// is issued, [`sign_in::complete_sign_in`]).
async fn sign_in_as(
    svc: &Services,
    user: UserId,
    provider: &Provider,
    organization: Option<&str>,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<SignInStep, Error> {
    let credential_version = crate::users::credential_version(svc.db.pool(), user).await?;
    let completion = Completion {
        user_id: user,
        credential_version,
        organization,
        second_step: None,
        via_provider: Some(&provider.key),
    };
    let step = sign_in::complete_sign_in(svc, completion, client, previous_token).await;
    sign_in::counted(svc, step)
}

/// "Join": a new person a provider vouched for accepts the invitation they came through, after
/// seeing it. The account is created in the invited organization (the invitation must be for
/// the verified email, and be the one this pending identity came through) and signed in.
///
/// Errors: `Gone` when the pending identity expired or was used; `Forbidden` when it came
/// through another invitation or the invitation is for another email; as
/// [`crate::invitations::accept_invitation`] otherwise.
pub async fn join_invitation(
    svc: &Services,
    pending_cookie: &str,
    invitation: &str,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<SignedIn, Error> {
    let now = svc.clock.now();
    let expired = || Error::Gone(Lapse::ProviderSignInExpired);
    if !tokens::well_formed(pending_cookie) {
        return Err(expired());
    }
    let mut conn = svc.db.pool().acquire().await?;
    let pending = store::take_pending(&mut conn, &tokens::hash(pending_cookie), now)
        .await?
        .ok_or_else(expired)?;
    drop(conn);
    if pending.existing_user.is_some() || pending.invitation.as_deref() != Some(invitation) {
        return Err(Error::Forbidden(Denial::SignInNotThroughInvitation));
    }
    let acceptor = crate::invitations::Acceptor::Identity {
        name: &pending.name,
        email: &pending.email,
        identity: &store::NewIdentity {
            issuer: &pending.issuer,
            subject: &pending.subject,
            provider: &pending.provider,
            email: &pending.email,
        },
    };
    crate::invitations::accept_invitation(svc, invitation, acceptor, client, previous_token)
        .await?
        .ok_or_else(|| Error::internal("a new account without a session"))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
