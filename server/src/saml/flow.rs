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

use super::arrival::{Arrival, Vouched, arrive};
use super::verify::{self, Expected, Verified};
use super::*;
use crate::throttle;
use crate::tokens::{self, Secret};
use crate::vocab::ClientInfo;

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
        crate::identities::safe_next_path(next_path.as_deref()),
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
    let mut tx = svc.db.begin().await?;
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
