//! The trip to an organization's identity provider and back: the AuthnRequest (its ID kept
//! server-side, since the answer arrives as a cross-site POST that carries no `SameSite=Lax`
//! cookie), and the ACS, which verifies the answer and decides where it leads.

use samael::metadata::HTTP_REDIRECT_BINDING;
use samael::schema::AuthnRequest;

use super::verify::{self, Expected, Verified};
use super::*;
use crate::identities::{self as store, NewIdentity, Pending};
use crate::ids::UserId;
use crate::sessions;
use crate::sign_in::{self, Completion, SignInStep};
use crate::throttle;
use crate::tokens::Secret;
use crate::users::{DisplayName, EmailAddress};
use crate::vocab::{ClientInfo, SessionAuth};

/// Where a verified answer leads.
#[derive(Debug)]
pub enum Arrival {
    /// Signed in (or the second factor comes next), then to `next`.
    SignedIn {
        step: SignInStep,
        next: String,
    },
    /// The asserted email belongs to an account not linked yet: its owner signs in to prove it
    /// (the pending identity's cookie), as after an OpenID Connect provider.
    ProveAccount {
        cookie: Secret,
        next: String,
    },
    Refused(Refusal),
}

/// Starts a sign-in through the organization's identity provider: the URL to send the browser
/// to (HTTP-Redirect binding). `Err(Refusal)` when the organization has no enabled connection
/// or the client started too many.
pub async fn start(
    svc: &Services,
    org: &str,
    next: Option<&str>,
    client: &ClientInfo,
) -> Result<Result<String, Refusal>, Error> {
    let Some(org) = OrgId::parse(org) else {
        return Err(Error::NotFound);
    };
    let Some(connection) = load(svc.db.pool(), org).await?.filter(|c| c.enabled) else {
        return Ok(Err(Refusal::Disabled));
    };
    let now = svc.clock.now();
    if let Some(ip) = client.ip.as_deref() {
        let key = format!("saml-start:{}", throttle::ip_key(ip));
        if throttle::reserve(svc.db.pool(), &key, throttle::PROVIDER_STARTS_PER_IP, now)
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
    sqlx::query(
        "INSERT INTO saml_requests (id, org_id, next_path, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(org.to_string())
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
    Ok(Ok(url.to_string()))
}

/// The identity provider posted `saml_response` (base64) to the organization's ACS. Verifies
/// it (see [`verify`]), uses up the request it answers and the assertion's ID, and signs the
/// person in, making them a member first if they are new (just in time). Every refusal is
/// audited in the organization's log.
pub async fn acs(
    svc: &Services,
    org: &str,
    saml_response: &str,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<Arrival, Error> {
    let Some(org) = OrgId::parse(org) else {
        return Err(Error::NotFound);
    };
    let outcome = answer(svc, org, saml_response, client, previous_token).await?;
    if let Arrival::Refused(why) = &outcome {
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
    }
    Ok(outcome)
}

async fn answer(
    svc: &Services,
    org: OrgId,
    saml_response: &str,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<Arrival, Error> {
    use base64::Engine;
    let refused = |why| Ok(Arrival::Refused(why));
    let now = svc.clock.now();
    let pool = svc.db.pool();
    if !org_exists(pool, org).await? {
        return Err(Error::NotFound);
    }
    if let Some(ip) = client.ip.as_deref() {
        let key = format!("saml-acs:{}", throttle::ip_key(ip));
        if throttle::reserve(pool, &key, throttle::PROVIDER_STARTS_PER_IP, now)
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
    let request: Option<(Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT next_path, used_at FROM saml_requests \
         WHERE id = $1 AND org_id = $2 AND expires_at > $3",
    )
    .bind(&request_id)
    .bind(org.to_string())
    .bind(now.as_millis())
    .fetch_optional(pool)
    .await?;
    let Some((next_path, used_at)) = request else {
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
    if used_at.is_some() || !use_once(svc, org, &request_id, &verified).await? {
        return refused(Refusal::Replayed);
    }
    let next = safe_next(next_path.as_deref());
    arrive(
        svc,
        org,
        &connection,
        &verified,
        next,
        client,
        previous_token,
    )
    .await
}

/// Records the assertion's ID and marks the request answered, in one transaction: `false` when
/// either was used before (on this instance or any other).
async fn use_once(
    svc: &Services,
    org: OrgId,
    request_id: &str,
    verified: &Verified,
) -> Result<bool, Error> {
    let now = svc.clock.now();
    let mut tx = svc.db.pool().begin().await?;
    let answered = sqlx::query(
        "UPDATE saml_requests SET used_at = $1 WHERE id = $2 AND org_id = $3 AND used_at IS NULL",
    )
    .bind(now.as_millis())
    .bind(request_id)
    .bind(org.to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if answered == 0 {
        return Ok(false);
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
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
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

/// Where a verified identity leads: a known one signs in (a member again if they had left),
/// an email with an account proves that account first, a new person becomes a member with the
/// connection's default role.
async fn arrive(
    svc: &Services,
    org: OrgId,
    connection: &Connection,
    verified: &Verified,
    next: String,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<Arrival, Error> {
    let key = provider_key(org);
    let pool = svc.db.pool();
    let now = svc.clock.now();
    if let Some(user) = store::user_of(pool, &key, &verified.name_id).await? {
        store::touch_identity(pool, &key, &verified.name_id, now).await?;
        if !admitted(svc, org).await? {
            return Ok(Arrival::Refused(Refusal::NotAllowed));
        }
        provision_membership(svc, org, user, connection.default_role, client).await?;
        return signed_in(svc, org, user, next, client, previous_token).await;
    }
    let Some(email) = verified
        .email
        .as_deref()
        .and_then(|e| EmailAddress::parse(e).ok())
    else {
        return Ok(Arrival::Refused(Refusal::NoEmail));
    };
    let email = email.as_str().to_string();
    let name = verified
        .name
        .clone()
        .filter(|n| DisplayName::parse(n).is_ok())
        .unwrap_or_else(|| email.split('@').next().unwrap_or("New member").to_string());
    if let Some(existing) = crate::users::user_id_by_email(pool, &email).await? {
        let cookie = Secret::generate();
        let pending = Pending {
            provider: key.clone(),
            issuer: key.clone(),
            subject: verified.name_id.clone(),
            email,
            name,
            existing_user: Some(existing),
            invitation: None,
            next_path: Some(next.clone()),
        };
        store::insert_pending(
            pool,
            &cookie.hash(),
            &pending,
            now,
            now.plus(crate::oauth::PENDING_TTL),
        )
        .await?;
        return Ok(Arrival::ProveAccount { cookie, next });
    }
    if !admitted(svc, org).await? {
        return Ok(Arrival::Refused(Refusal::NotAllowed));
    }
    let user = create_member(svc, org, connection, verified, &email, &name, client).await?;
    signed_in(svc, org, user, next, client, previous_token).await
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

/// A new person the organization's provider vouched for: an account without a password (its
/// email verified only when the organization proved it owns the email's domain), a membership
/// with the default role, and the identity linked.
async fn create_member(
    svc: &Services,
    org: OrgId,
    connection: &Connection,
    verified: &Verified,
    email: &str,
    name: &str,
    client: &ClientInfo,
) -> Result<UserId, Error> {
    let now = svc.clock.now();
    let user = UserId::random();
    let key = provider_key(org);
    let email_address = EmailAddress::parse(email)
        .map_err(|_| Error::internal("an email that parsed no longer does"))?;
    let name = DisplayName::parse(name).map_err(|_| Error::internal("a checked name"))?;
    let domain = email.rsplit('@').next().unwrap_or_default();
    let mut change = Change::begin(svc).await?;
    let domain_verified: Option<i64> = sqlx::query_scalar(
        "SELECT verified_at FROM sso_domains WHERE org_id = $1 AND domain = $2 \
         AND verified_at IS NOT NULL",
    )
    .bind(org.to_string())
    .bind(domain)
    .fetch_optional(change.conn())
    .await?;
    let verified_at = domain_verified.map(|_| now);
    crate::users::insert_user(
        change.conn(),
        user,
        &email_address,
        &name,
        String::new(),
        verified_at,
        now,
    )
    .await?;
    crate::orgs::store::insert_membership(change.conn(), org, user, connection.default_role, now)
        .await?;
    let identity = NewIdentity {
        issuer: &key,
        subject: &verified.name_id,
        provider: &key,
        email,
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
    // Outside the organization's proven domains the address is only the provider's word: its
    // owner confirms it as after signing up.
    if verified_at.is_none() {
        crate::email_verification::send_link_later(svc, user, email_address);
    }
    tracing::info!(user_id = %user, org_id = %org, "member provisioned by single sign-on");
    Ok(user)
}
