//! The trip to an organization's identity provider and back, in three steps:
//! - [`start`]: the AuthnRequest, its ID kept server-side with the hash of a cookie set in the
//!   browser that starts (the answer arrives as a cross-site POST, which carries no
//!   `SameSite=Lax` cookie);
//! - [`acs`]: verifies the answer, uses it up, and hands the browser a one-time token;
//! - [`finish`]: the browser, now on a top-level GET that does carry its cookies, shows it is
//!   the one that started the trip; only then does anyone sign in. An answer an attacker makes
//!   a victim's browser post (login CSRF) stops there.

use samael::metadata::HTTP_REDIRECT_BINDING;
use samael::schema::AuthnRequest;

use super::domains;
use super::verify::{self, Expected, Verified};
use super::*;
use crate::identities::{self as store, NewIdentity};
use crate::ids::UserId;
use crate::sessions;
use crate::sign_in::{self, Completion, SignInStep};
use crate::throttle;
use crate::tokens::{self, Secret};
use crate::users::{DisplayName, EmailAddress};
use crate::vocab::{ClientInfo, SessionAuth};

/// A trip under way: where to send the browser, and the cookie that binds the trip to it.
#[derive(Debug)]
pub struct Started {
    pub url: String,
    pub binding: Secret,
}

/// What the ACS made of an answer.
#[derive(Debug)]
pub enum Answered {
    /// Verified and used up: the browser carries `token` on to [`finish`].
    Verified {
        token: Secret,
    },
    Refused(Refusal),
}

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
struct Vouched {
    name_id: String,
    email: Option<String>,
    name: Option<String>,
}

/// Starts a sign-in through the organization's identity provider: the URL to send the browser
/// to (HTTP-Redirect binding) and the cookie to set there. `Err(Refusal)` when the
/// organization has no enabled connection or the client started too many.
pub async fn start(
    svc: &Services,
    org: &str,
    next: Option<&str>,
    client: &ClientInfo,
) -> Result<Result<Started, Refusal>, Error> {
    let Some(org) = OrgId::parse(org) else {
        return Err(Error::NotFound);
    };
    let Some(connection) = load(svc.db.pool(), org).await?.filter(|c| c.enabled) else {
        return Ok(Err(Refusal::Disabled));
    };
    let now = svc.clock.now();
    if let Some(ip) = client.ip.as_deref() {
        let key = format!("saml-start:{org}:{}", throttle::ip_key(ip));
        if throttle::reserve(svc.db.pool(), &key, TRIPS_PER_ORG_AND_IP, now)
            .await
            .is_err()
        {
            return Ok(Err(Refusal::RateLimited));
        }
    }
    let urls = service_provider(svc, org);
    // An ID of our own: 128 random bits (samael's default has 32), an NCName.
    let id = format!("_{}", uuid::Uuid::new_v4().simple());
    sqlx::query("DELETE FROM saml_requests WHERE expires_at <= $1")
        .bind(now.as_millis())
        .execute(svc.db.pool())
        .await?;
    let binding = Secret::generate();
    sqlx::query(
        "INSERT INTO saml_requests (id, org_id, binding_hash, next_path, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(org.to_string())
    .bind(binding.hash())
    .bind(next.map(|n| n.chars().take(512).collect::<String>()))
    .bind(now.as_millis())
    .bind(now.plus(REQUEST_TTL).as_millis())
    .execute(svc.db.pool())
    .await?;
    let request = AuthnRequest {
        id,
        issue_instant: chrono::DateTime::from_timestamp_millis(now.as_millis()).unwrap_or_default(),
        version: "2.0".into(),
        destination: Some(connection.idp_sso_url.clone()),
        assertion_consumer_service_url: Some(urls.acs_url),
        protocol_binding: Some(samael::metadata::HTTP_POST_BINDING.into()),
        issuer: Some(samael::schema::Issuer {
            value: Some(urls.entity_id),
            ..Default::default()
        }),
        ..AuthnRequest::default()
    };
    let url = request
        .redirect("")
        .map_err(|e| Error::internal(format!("AuthnRequest: {e}")))?
        .ok_or_else(|| Error::internal("AuthnRequest without a destination"))?;
    debug_assert!(HTTP_REDIRECT_BINDING.ends_with("HTTP-Redirect"));
    Ok(Ok(Started {
        url: url.to_string(),
        binding,
    }))
}

/// Answers (and finishes) per organization and client address: a whole office behind one
/// address signs in at nine o'clock; a client flooding one organization is stopped.
const TRIPS_PER_ORG_AND_IP: throttle::Limit = throttle::Limit {
    max: 600,
    window: std::time::Duration::from_secs(15 * 60),
};

/// The identity provider posted `saml_response` (base64) to the organization's ACS. Verifies
/// it (see [`verify`]) and uses up the request it answers and the assertion's ID; the browser
/// then carries the token on to [`finish`]. Every refusal is audited in the organization's log.
pub async fn acs(
    svc: &Services,
    org: &str,
    saml_response: &str,
    client: &ClientInfo,
) -> Result<Answered, Error> {
    let Some(org) = OrgId::parse(org) else {
        return Err(Error::NotFound);
    };
    let outcome = answer(svc, org, saml_response, client).await?;
    if let Answered::Refused(why) = &outcome {
        audit_refusal(svc, org, *why, client).await?;
    }
    Ok(outcome)
}

/// The browser that started the trip (its `binding` cookie) brings the ACS's token back: signs
/// the person in, making them a member first if they are new (just in time).
pub async fn finish(
    svc: &Services,
    org: &str,
    token: &str,
    binding: Option<&str>,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<Arrival, Error> {
    let Some(org) = OrgId::parse(org) else {
        return Err(Error::NotFound);
    };
    let outcome = match claim(svc, org, token, binding).await? {
        Ok((vouched, next)) => arrive(svc, org, &vouched, next, client, previous_token).await?,
        Err(why) => Arrival::Refused(why),
    };
    if let Arrival::Refused(why) = &outcome {
        audit_refusal(svc, org, *why, client).await?;
    }
    Ok(outcome)
}

async fn audit_refusal(
    svc: &Services,
    org: OrgId,
    why: Refusal,
    client: &ClientInfo,
) -> Result<(), Error> {
    let mut conn = svc.db.pool().acquire().await?;
    let event = Event {
        action: Audited::SsoSignInRefused,
        org: Some(org),
        actor: None,
        target: Some(format!("reason:{}", why.as_str())),
        client,
    };
    audit::record(&mut conn, event, svc.clock.now()).await?;
    tracing::info!(org_id = %org, reason = why.as_str(), "SAML sign-in refused");
    Ok(())
}

/// Takes the answered trip `token` names, when `binding` is the cookie of the browser that
/// started it: what the assertion vouched for, and where to go next. Works once.
async fn claim(
    svc: &Services,
    org: OrgId,
    token: &str,
    binding: Option<&str>,
) -> Result<Result<(Vouched, String), Refusal>, Error> {
    if !tokens::well_formed(token) {
        return Ok(Err(Refusal::UnknownRequest));
    }
    let pool = svc.db.pool();
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, binding_hash, next_path, name_id, email, display_name FROM saml_requests \
         WHERE arrival_hash = $1 AND org_id = $2 AND expires_at > $3",
    )
    .bind(tokens::hash(token))
    .bind(org.to_string())
    .bind(svc.clock.now().as_millis())
    .fetch_optional(pool)
    .await?;
    let Some((id, binding_hash, next_path, name_id, email, name)) = row else {
        return Ok(Err(Refusal::UnknownRequest));
    };
    let same_browser = binding
        .filter(|b| tokens::well_formed(b))
        .is_some_and(|b| tokens::hash(b) == binding_hash);
    if !same_browser {
        return Ok(Err(Refusal::OtherBrowser));
    }
    // Finished: the token is spent; the row stays until it expires, so the same answer
    // posted again is told apart as a replay.
    let taken = sqlx::query(
        "UPDATE saml_requests SET arrival_hash = NULL WHERE id = $1 AND arrival_hash = $2",
    )
    .bind(&id)
    .bind(tokens::hash(token))
    .execute(pool)
    .await?
    .rows_affected();
    let Some(name_id) = name_id.filter(|_| taken == 1) else {
        return Ok(Err(Refusal::UnknownRequest));
    };
    Ok(Ok((
        Vouched {
            name_id,
            email,
            name,
        },
        safe_next(next_path.as_deref()),
    )))
}

async fn answer(
    svc: &Services,
    org: OrgId,
    saml_response: &str,
    client: &ClientInfo,
) -> Result<Answered, Error> {
    use base64::Engine;
    let refused = |why| Ok(Answered::Refused(why));
    let now = svc.clock.now();
    let pool = svc.db.pool();
    if !org_exists(pool, org).await? {
        return Err(Error::NotFound);
    }
    if let Some(ip) = client.ip.as_deref() {
        let key = format!("saml-acs:{org}:{}", throttle::ip_key(ip));
        if throttle::reserve(pool, &key, TRIPS_PER_ORG_AND_IP, now)
            .await
            .is_err()
        {
            return refused(Refusal::RateLimited);
        }
    }
    let Some(connection) = load(pool, org).await?.filter(|c| c.enabled) else {
        return refused(Refusal::Disabled);
    };
    if saml_response.len() > MAX_RESPONSE_BYTES {
        return refused(Refusal::Malformed);
    }
    let compact: String = saml_response
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let Some(xml) = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
    else {
        return refused(Refusal::Malformed);
    };
    let scanned = match verify::scan(&xml) {
        Ok(scanned) => scanned,
        Err(why) => return refused(why),
    };
    let urls = service_provider(svc, org);
    if scanned
        .destination
        .as_deref()
        .is_some_and(|d| d != urls.acs_url)
    {
        return refused(Refusal::Destination);
    }
    // The request it claims to answer, if it is ours and still waiting; samael then checks the
    // signed InResponseTo names it.
    let Some(request_id) = scanned.in_response_to else {
        return refused(Refusal::UnknownRequest);
    };
    let request: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT used_at FROM saml_requests WHERE id = $1 AND org_id = $2 AND expires_at > $3",
    )
    .bind(&request_id)
    .bind(org.to_string())
    .bind(now.as_millis())
    .fetch_optional(pool)
    .await?;
    let Some(used_at) = request else {
        return refused(Refusal::UnknownRequest);
    };
    let expected = (
        urls.entity_id.clone(),
        urls.acs_url.clone(),
        request_id.clone(),
        connection.idp_metadata_xml.clone(),
    );
    let verified = tokio::task::spawn_blocking(move || {
        let (entity_id, acs_url, request_id, idp_metadata_xml) = expected;
        verify::verify(
            &xml,
            &Expected {
                entity_id: &entity_id,
                acs_url: &acs_url,
                request_id: &request_id,
                idp_metadata_xml: &idp_metadata_xml,
            },
        )
    })
    .await
    .map_err(Error::internal)?;
    let verified = match verified {
        Ok(verified) => verified,
        Err(why) => return refused(why),
    };
    if used_at.is_some() {
        return refused(Refusal::Replayed);
    }
    match use_once(svc, org, &request_id, &verified).await? {
        Some(token) => Ok(Answered::Verified { token }),
        None => refused(Refusal::Replayed),
    }
}

/// Records the assertion's ID and marks the request answered with what it vouched for, in one
/// transaction: the token the browser carries on, or `None` when either was used before (on
/// this instance or any other).
async fn use_once(
    svc: &Services,
    org: OrgId,
    request_id: &str,
    verified: &Verified,
) -> Result<Option<Secret>, Error> {
    let now = svc.clock.now();
    let token = Secret::generate();
    let mut tx = svc.db.pool().begin().await?;
    let answered = sqlx::query(
        "UPDATE saml_requests SET used_at = $1, arrival_hash = $2, name_id = $3, email = $4, \
         display_name = $5 WHERE id = $6 AND org_id = $7 AND used_at IS NULL",
    )
    .bind(now.as_millis())
    .bind(token.hash())
    .bind(&verified.name_id)
    .bind(verified.email.as_deref())
    .bind(verified.name.as_deref())
    .bind(request_id)
    .bind(org.to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if answered == 0 {
        return Ok(None);
    }
    let recorded = sqlx::query(
        "INSERT INTO saml_assertions (org_id, assertion_id, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(org.to_string())
    .bind(&verified.assertion_id)
    .bind(verified.expires_at_millis.max(now.as_millis()))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if recorded == 0 {
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(token))
}

fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(|c| c.is_control() || c == '\\') =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Where a verified identity leads. A known one signs in (a member again if they had left).
/// Otherwise the organization's provider vouches only for addresses in the domains the
/// organization proved it owns (any organization can bring a provider, and a provider can
/// assert any address): an account with that address is linked and signs in, a new person
/// becomes a member with the connection's default role. Other addresses are refused.
async fn arrive(
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
