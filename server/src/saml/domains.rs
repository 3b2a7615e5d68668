//! The email domains an organization proves it owns, with a DNS TXT record its Owner publishes:
//! people whose address is in a verified domain are sent to the organization's identity
//! provider from the sign-in page ("Sign in with SSO"), and accounts it brings in with such an
//! address start verified. A domain is verified by one organization at most.

use std::net::SocketAddr;

use super::*;
use crate::throttle;
use crate::vocab::ClientInfo;

/// Domains one organization may list.
pub const MAX_DOMAINS: usize = 20;
/// The label under a domain where its TXT record goes.
pub const RECORD_LABEL: &str = "_gatehouse-verification";
/// What the record's value starts with.
const RECORD_PREFIX: &str = "gatehouse-verification=";
/// DNS checks per organization and hour (each asks a DNS server on the Owner's behalf).
const CHECKS_PER_ORG: throttle::Limit = throttle::Limit {
    max: 30,
    window: std::time::Duration::from_secs(3600),
};
/// "Sign in with SSO" lookups per client address.
const LOOKUPS_PER_IP: throttle::Limit = throttle::Limit {
    max: 60,
    window: std::time::Duration::from_secs(15 * 60),
};

/// One domain as its settings page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub domain: String,
    /// Where the TXT record goes (`_gatehouse-verification.<domain>`).
    pub record_name: String,
    /// What it must say.
    pub record_value: String,
    pub created_at: Timestamp,
    pub verified_at: Option<Timestamp>,
}

type DomainRow = (String, String, i64, Option<i64>);

fn domain_of((domain, token, created_at, verified_at): DomainRow) -> Domain {
    Domain {
        record_name: format!("{RECORD_LABEL}.{domain}"),
        record_value: format!("{RECORD_PREFIX}{token}"),
        domain,
        created_at: Timestamp::from_millis(created_at),
        verified_at: verified_at.map(Timestamp::from_millis),
    }
}

/// A domain name as typed: lower-cased, without a trailing dot; ASCII labels of letters,
/// digits and inner hyphens (internationalized names in their `xn--` form), at least two.
pub fn parse_domain(text: &str) -> Result<String, Problem> {
    let domain = text.trim().trim_end_matches('.').to_ascii_lowercase();
    if domain.len() > 253 {
        return Err(Problem::TooLong { max: 253 });
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let top_is_name = labels
        .last()
        .is_some_and(|top| top.bytes().any(|b| b.is_ascii_lowercase()));
    if labels.len() < 2 || !labels.iter().all(label_ok) || !top_is_name {
        return Err(Problem::InvalidDomain);
    }
    Ok(domain)
}

fn require_owner(actor: &Actor) -> Result<OrgId, Error> {
    let (org, role) = current_org(actor)?;
    require(authz::decide(
        Some(role),
        Action::ManageSecurityPolicy,
        None,
    ))?;
    Ok(org)
}

/// The caller's organization's domains (Owners), in the order they were added.
pub async fn list_domains(svc: &Services, actor: &Actor) -> Result<Vec<Domain>, Error> {
    let org = require_owner(actor)?;
    let rows: Vec<DomainRow> = sqlx::query_as(
        "SELECT domain, token, created_at, verified_at FROM sso_domains WHERE org_id = $1 \
         ORDER BY created_at, domain",
    )
    .bind(org.to_string())
    .fetch_all(svc.db.pool())
    .await?;
    Ok(rows.into_iter().map(domain_of).collect())
}

async fn find(pool: &sqlx::AnyPool, org: OrgId, domain: &str) -> Result<Option<Domain>, Error> {
    let row: Option<DomainRow> = sqlx::query_as(
        "SELECT domain, token, created_at, verified_at FROM sso_domains \
         WHERE org_id = $1 AND domain = $2",
    )
    .bind(org.to_string())
    .bind(domain)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(domain_of))
}

/// Claims `domain` for the caller's organization (Owners): answers the TXT record to publish.
/// Refused when the organization lists it already, when another organization verified it, or
/// past [`MAX_DOMAINS`].
pub async fn add_domain(svc: &Services, actor: &Actor, domain: &str) -> Result<Domain, Error> {
    let org = require_owner(actor)?;
    let domain = parse_domain(domain).map_err(|p| FieldErrors::single("domain", p))?;
    let pool = svc.db.pool();
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let listed: Vec<(String, String, Option<i64>)> = sqlx::query_as(
        "SELECT org_id, domain, verified_at FROM sso_domains WHERE org_id = $1 OR domain = $2",
    )
    .bind(org.to_string())
    .bind(&domain)
    .fetch_all(change.conn())
    .await?;
    let ours = |o: &str| o == org.to_string();
    if listed.iter().any(|(o, d, _)| ours(o) && *d == domain) {
        return Err(FieldErrors::single("domain", Problem::DomainAlreadyListed));
    }
    if listed
        .iter()
        .any(|(o, d, verified)| !ours(o) && *d == domain && verified.is_some())
    {
        return Err(FieldErrors::single("domain", Problem::DomainClaimed));
    }
    if listed.iter().filter(|(o, _, _)| ours(o)).count() >= MAX_DOMAINS {
        return Err(FieldErrors::single(
            "domain",
            Problem::TooManyDomains { max: MAX_DOMAINS },
        ));
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    sqlx::query(
        "INSERT INTO sso_domains (org_id, domain, token, created_at, verified_at) \
         VALUES ($1, $2, $3, $4, NULL)",
    )
    .bind(org.to_string())
    .bind(&domain)
    .bind(&token)
    .bind(now.as_millis())
    .execute(change.conn())
    .await?;
    record(
        &mut change,
        actor,
        org,
        Audited::SsoDomainAdded,
        &domain,
        now,
    )
    .await?;
    change.commit().await?;
    find(pool, org, &domain).await?.ok_or(Error::NotFound)
}

/// Looks the domain's TXT record up and, when it says what [`add_domain`] answered, marks the
/// domain verified. Refused when the record is not (yet) there, or another organization
/// verified the domain first.
pub async fn verify_domain(svc: &Services, actor: &Actor, domain: &str) -> Result<Domain, Error> {
    let org = require_owner(actor)?;
    let domain = parse_domain(domain).map_err(|p| FieldErrors::single("domain", p))?;
    let pool = svc.db.pool();
    let now = svc.clock.now();
    let listed = find(pool, org, &domain).await?.ok_or(Error::NotFound)?;
    if listed.verified_at.is_some() {
        return Ok(listed);
    }
    throttle::reserve(pool, &format!("dns-check:{org}"), CHECKS_PER_ORG, now).await?;
    let found = dns::txt_records(svc.config.dns_resolver, &listed.record_name).await;
    if !found.contains(&listed.record_value) {
        return Err(FieldErrors::single(
            "domain",
            Problem::DomainRecordNotFound {
                record_name: listed.record_name,
            },
        ));
    }
    let mut change = Change::begin(svc).await?;
    let marked = sqlx::query(
        "UPDATE sso_domains SET verified_at = $1 WHERE org_id = $2 AND domain = $3 \
         AND verified_at IS NULL",
    )
    .bind(now.as_millis())
    .bind(org.to_string())
    .bind(&domain)
    .execute(change.conn())
    .await;
    match marked {
        Err(cause) if crate::error::is_unique_violation(&cause) => {
            return Err(FieldErrors::single("domain", Problem::DomainClaimed));
        }
        other => other?,
    };
    record(
        &mut change,
        actor,
        org,
        Audited::SsoDomainVerified,
        &domain,
        now,
    )
    .await?;
    change.commit().await?;
    find(pool, org, &domain).await?.ok_or(Error::NotFound)
}

/// Takes a domain off the caller's organization's list (Owners).
pub async fn remove_domain(svc: &Services, actor: &Actor, domain: &str) -> Result<(), Error> {
    let org = require_owner(actor)?;
    let domain = parse_domain(domain).map_err(|_| Error::NotFound)?;
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let removed = sqlx::query("DELETE FROM sso_domains WHERE org_id = $1 AND domain = $2")
        .bind(org.to_string())
        .bind(&domain)
        .execute(change.conn())
        .await?
        .rows_affected();
    if removed == 0 {
        return Err(Error::NotFound);
    }
    record(
        &mut change,
        actor,
        org,
        Audited::SsoDomainRemoved,
        &domain,
        now,
    )
    .await?;
    change.commit().await
}

async fn record(
    change: &mut Change<'_>,
    actor: &Actor,
    org: OrgId,
    action: Audited,
    domain: &str,
    now: Timestamp,
) -> Result<(), Error> {
    let event = Event::by(action, actor, org, format!("domain:{domain}"));
    audit::record(change.conn(), event, now).await
}

/// Whether `email`'s domain is one the organization verified.
pub(crate) async fn verified_here(
    pool: &sqlx::AnyPool,
    org: OrgId,
    email: &crate::users::EmailAddress,
) -> Result<bool, Error> {
    let domain = email.as_str().rsplit('@').next().unwrap_or_default();
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT verified_at FROM sso_domains WHERE org_id = $1 AND domain = $2 \
         AND verified_at IS NOT NULL",
    )
    .bind(org.to_string())
    .bind(domain)
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

/// "Sign in with SSO": where a person with `email` starts, when its domain is verified by an
/// organization whose connection is on (`/saml/<organization id>/start`), else `None`. One
/// query either way, so a known domain answers no slower than an unknown one.
pub async fn lookup(
    svc: &Services,
    email: &str,
    client: &ClientInfo,
) -> Result<Option<String>, Error> {
    let email = crate::users::EmailAddress::parse(email)
        .map_err(|_| FieldErrors::single("email", Problem::InvalidEmail))?;
    let now = svc.clock.now();
    if let Some(ip) = client.ip.as_deref() {
        let key = format!("sso-lookup:{}", throttle::ip_key(ip));
        throttle::reserve(svc.db.pool(), &key, LOOKUPS_PER_IP, now).await?;
    }
    let domain = email
        .as_str()
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .to_string();
    let org: Option<String> = sqlx::query_scalar(
        "SELECT d.org_id FROM sso_domains d JOIN saml_connections c ON c.org_id = d.org_id \
         WHERE d.domain = $1 AND d.verified_at IS NOT NULL AND c.enabled = 1",
    )
    .bind(domain)
    .fetch_optional(svc.db.pool())
    .await?;
    Ok(org.map(|org| format!("/saml/{org}/start")))
}

/// TXT lookups through the configured resolver (or the system's).
mod dns {
    use super::SocketAddr;
    use hickory_resolver::Resolver;
    use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};
    use hickory_resolver::name_server::TokioConnectionProvider;

    /// The TXT strings at `name`; none when the name has none or the lookup failed (both mean
    /// "not verified yet" to the Owner). A resolver is built per check: a cached "no such
    /// record" must not outlive the Owner publishing it.
    pub(super) async fn txt_records(server: Option<SocketAddr>, name: &str) -> Vec<String> {
        let mut options = ResolverOpts::default();
        options.timeout = std::time::Duration::from_secs(3);
        options.attempts = 1;
        options.cache_size = 0;
        let builder = match server {
            Some(addr) => Resolver::builder_with_config(
                ResolverConfig::from_parts(
                    None,
                    Vec::new(),
                    NameServerConfigGroup::from_ips_clear(&[addr.ip()], addr.port(), true),
                ),
                TokioConnectionProvider::default(),
            ),
            None => match Resolver::builder_tokio() {
                Ok(builder) => builder,
                Err(error) => {
                    tracing::warn!(%error, "no system DNS configuration");
                    return Vec::new();
                }
            },
        };
        let resolver = builder.with_options(options).build();
        // Fully qualified: no search domains appended.
        let fqdn = format!("{name}.");
        match resolver.txt_lookup(fqdn).await {
            Ok(found) => found
                .iter()
                .map(|txt| {
                    txt.txt_data()
                        .iter()
                        .map(|part| String::from_utf8_lossy(part).into_owned())
                        .collect::<String>()
                })
                .collect(),
            Err(error) => {
                tracing::info!(record = name, %error, "TXT lookup found nothing");
                Vec::new()
            }
        }
    }
}
