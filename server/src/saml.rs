//! Organization-managed single sign-on: each organization may bring its own SAML 2.0 identity
//! provider. An Owner pastes the provider's metadata; people then sign in through it
//! (SP-initiated, HTTP-Redirect out, HTTP-POST back), and a first sign-in makes them members
//! with the connection's default role (just in time).
//!
//! Identities are keyed on (connection, NameID): the `identities` row's issuer and provider are
//! both [`provider_key`], so sessions through one organization's connection never satisfy
//! another organization's "members must sign in with single sign-on". Any organization can bring
//! a provider, and a provider can assert any address: so a connection vouches for addresses
//! only in the email domains its organization proved with DNS (see [`domains`]); a person it
//! does not know yet with another address is refused, never linked nor created.

use samael::metadata::{EntityDescriptor, HTTP_REDIRECT_BINDING};

use crate::audit::{self, Action as Audited, Event};
use crate::authz::{self, Action, current_org, require};
use crate::cache::{Change, Invalidation};
use crate::clock::Timestamp;
use crate::error::{Denial, FieldErrors, MetadataProblem, Problem};
use crate::identities::SAML_KEY_PREFIX;
use crate::ids::OrgId;
use crate::vocab::{Actor, Role};
use crate::{Error, Services};

mod arrival;
pub mod domains;
mod flow;
pub mod verify;

pub use arrival::Arrival;
pub use flow::{Answered, Started, acs, finish, start};

/// How long an AuthnRequest may wait for its answer.
pub const REQUEST_TTL: std::time::Duration = std::time::Duration::from_secs(10 * 60);
/// The largest metadata document an Owner may paste.
pub const MAX_METADATA_BYTES: usize = 100_000;
/// The largest response (base64) the ACS reads.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// The provider key of an organization's connection, as sessions and identities record it.
pub fn provider_key(org: OrgId) -> String {
    format!("{SAML_KEY_PREFIX}{org}")
}

/// The organization whose connection a provider key names, if it names one.
pub fn org_of_provider_key(key: &str) -> Option<OrgId> {
    key.strip_prefix(SAML_KEY_PREFIX).and_then(OrgId::parse)
}

/// Why a SAML sign-in did not go through, as the sign-in page explains it. The text form is
/// the `saml_error` query value and the audit event's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No enabled connection for this organization.
    Disabled,
    /// The connection's metadata cannot verify anything (no certificate).
    Misconfigured,
    /// Not a SAML Response, or not one this service provider can read.
    Malformed,
    /// No signature at all.
    Unsigned,
    /// A signature that the configured certificates do not verify, or another issuer.
    Signature,
    /// More than one assertion: XML signature wrapping.
    Wrapping,
    /// A comment in the document (the NameID truncation attack).
    Comment,
    /// Encrypted assertions are not supported.
    Encrypted,
    /// The Audience is not this organization's service provider.
    Audience,
    /// The Destination or Recipient is not this organization's ACS URL.
    Destination,
    /// Outside its validity window (with 2 minutes of skew).
    Expired,
    /// An assertion (or a request) answered before.
    Replayed,
    /// No request of ours that is still waiting: unsolicited, expired, or for another
    /// organization.
    UnknownRequest,
    /// The answer was brought back by another browser than the one that started the trip.
    OtherBrowser,
    /// A person the organization does not know yet, with an address outside the domains it
    /// proved: its provider cannot vouch for it.
    UnverifiedDomain,
    /// No usable NameID.
    NoSubject,
    /// No email attribute for a new person.
    NoEmail,
    /// The identity provider reported a failure.
    ProviderError,
    Deactivated,
    /// The organization's rules refuse the session (another way of signing in required).
    NotAllowed,
    /// Too many responses from this client.
    RateLimited,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Disabled => "disabled",
            Refusal::Misconfigured => "misconfigured",
            Refusal::Malformed => "malformed",
            Refusal::Unsigned => "unsigned",
            Refusal::Signature => "signature",
            Refusal::Wrapping => "wrapping",
            Refusal::Comment => "comment",
            Refusal::Encrypted => "encrypted",
            Refusal::Audience => "audience",
            Refusal::Destination => "destination",
            Refusal::Expired => "expired",
            Refusal::Replayed => "replayed",
            Refusal::UnknownRequest => "unknown_request",
            Refusal::OtherBrowser => "other_browser",
            Refusal::UnverifiedDomain => "unverified_domain",
            Refusal::NoSubject => "no_subject",
            Refusal::NoEmail => "no_email",
            Refusal::ProviderError => "provider_error",
            Refusal::Deactivated => "deactivated",
            Refusal::NotAllowed => "not_allowed",
            Refusal::RateLimited => "rate_limited",
        }
    }
}

/// This organization's service provider, as its identity provider is told about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProviderUrls {
    pub entity_id: String,
    pub acs_url: String,
    pub metadata_url: String,
}

pub fn service_provider(svc: &Services, org: OrgId) -> ServiceProviderUrls {
    let base = format!("{}/saml/{org}", svc.config.public_url);
    ServiceProviderUrls {
        // The metadata URL doubles as the entity id: one value to paste, and it resolves.
        entity_id: format!("{base}/metadata"),
        acs_url: format!("{base}/acs"),
        metadata_url: format!("{base}/metadata"),
    }
}

/// The organization's connection as its settings page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionView {
    pub sp: ServiceProviderUrls,
    /// `None` until an Owner saves one.
    pub connection: Option<Connection>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub idp_metadata_xml: String,
    pub idp_entity_id: String,
    pub idp_sso_url: String,
    pub default_role: Role,
    pub enabled: bool,
    pub updated_at: Timestamp,
}

/// The caller's organization's connection (Owners).
pub async fn get_connection(svc: &Services, actor: &Actor) -> Result<ConnectionView, Error> {
    let (org, role) = current_org(actor)?;
    require(authz::decide(
        Some(role),
        Action::ManageSecurityPolicy,
        None,
    ))?;
    Ok(ConnectionView {
        sp: service_provider(svc, org),
        connection: load(svc.db.pool(), org).await?,
    })
}

type ConnectionRow = (String, String, String, String, i64, i64);

pub(crate) async fn load(pool: &sqlx::AnyPool, org: OrgId) -> Result<Option<Connection>, Error> {
    let row: Option<ConnectionRow> = sqlx::query_as(
        "SELECT idp_metadata_xml, idp_entity_id, idp_sso_url, default_role, enabled, updated_at \
         FROM saml_connections WHERE org_id = $1",
    )
    .bind(org.to_string())
    .fetch_optional(pool)
    .await?;
    Ok(
        row.map(|(xml, entity, sso, role, enabled, updated)| Connection {
            idp_metadata_xml: xml,
            idp_entity_id: entity,
            idp_sso_url: sso,
            default_role: Role::parse(&role).unwrap_or(Role::Member),
            enabled: enabled == 1,
            updated_at: Timestamp::from_millis(updated),
        }),
    )
}

/// What an Owner saves.
pub struct ConnectionInput<'a> {
    pub idp_metadata_xml: &'a str,
    pub default_role: &'a str,
    pub enabled: bool,
}

/// Saves the caller's organization's connection (Owners, with a recent proof). The metadata
/// must name the provider's entity id, an HTTP-Redirect single sign-on URL and at least one
/// signing certificate. The default role for people it brings in is Admin, Member or Auditor
/// (never Owner). Refused while the organization requires single sign-on and this would
/// disable it.
pub async fn update_connection(
    svc: &Services,
    actor: &Actor,
    input: ConnectionInput<'_>,
    proof: Option<&str>,
) -> Result<ConnectionView, Error> {
    let (org, role) = current_org(actor)?;
    require(authz::decide(
        Some(role),
        Action::ManageSecurityPolicy,
        None,
    ))?;
    crate::reauth::require_recent_proof(svc, actor, proof).await?;
    let mut errors = FieldErrors::default();
    let metadata = errors.check("idp_metadata_xml", read_metadata(input.idp_metadata_xml));
    let default_role = errors.check(
        "default_role",
        Role::parse(input.default_role)
            .filter(|r| *r != Role::Owner)
            .ok_or_else(|| vec![Problem::UnknownDefaultRole]),
    );
    let (Some((entity_id, sso_url)), Some(default_role)) = (metadata, default_role) else {
        return Err(Error::Validation(errors));
    };
    let now = svc.clock.now();
    let key = provider_key(org);
    let mut change = Change::begin(svc).await?;
    sqlx::query(
        "INSERT INTO saml_connections (org_id, idp_metadata_xml, idp_entity_id, idp_sso_url, \
         default_role, enabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         ON CONFLICT (org_id) DO UPDATE SET idp_metadata_xml = $2, idp_entity_id = $3, \
         idp_sso_url = $4, default_role = $5, enabled = $6, updated_at = $7",
    )
    .bind(org.to_string())
    .bind(input.idp_metadata_xml.trim())
    .bind(&entity_id)
    .bind(&sso_url)
    .bind(default_role.as_str())
    .bind(i64::from(input.enabled))
    .bind(now.as_millis())
    .execute(change.conn())
    .await?;
    if !input.enabled {
        let required: Option<String> = sqlx::query_scalar(
            "SELECT o.name FROM security_policies p JOIN organizations o ON o.id = p.org_id \
             WHERE p.org_id = $1 AND p.sign_in_provider = $2",
        )
        .bind(org.to_string())
        .bind(&key)
        .fetch_optional(change.conn())
        .await?;
        if let Some(organization) = required {
            return Err(Error::Forbidden(Denial::SsoRequiredToStayEnabled {
                organization,
            }));
        }
    }
    let target = format!(
        "idp:{entity_id} role:{default_role} enabled:{}",
        input.enabled
    );
    let event = Event::by(Audited::SsoConnectionUpdated, actor, org, target);
    audit::record(change.conn(), event, now).await?;
    change.invalidate(Invalidation::Access(org)).await?;
    change.commit().await?;
    Ok(ConnectionView {
        sp: service_provider(svc, org),
        connection: load(svc.db.pool(), org).await?,
    })
}

/// The entity id and HTTP-Redirect SSO URL of pasted metadata, once it has what verifying
/// needs: an `EntityDescriptor` with an IdP descriptor, that URL, and a signing certificate.
pub fn read_metadata(xml: &str) -> Result<(String, String), Vec<Problem>> {
    let xml = xml.trim();
    let problem = |p: MetadataProblem| vec![Problem::SamlMetadata(p)];
    if xml.is_empty() {
        return Err(problem(MetadataProblem::Missing));
    }
    if xml.len() > MAX_METADATA_BYTES {
        return Err(vec![Problem::TooLong {
            max: MAX_METADATA_BYTES,
        }]);
    }
    // The same scan as responses: no DTD, no processing instructions.
    if xml.contains("<!DOCTYPE") || xml.contains("<!ENTITY") {
        return Err(problem(MetadataProblem::NotMetadata));
    }
    if !is_entity_descriptor(xml) {
        return Err(problem(MetadataProblem::NotMetadata));
    }
    let descriptor: EntityDescriptor = xml
        .parse()
        .map_err(|_| problem(MetadataProblem::NotMetadata))?;
    let entity_id = descriptor
        .entity_id
        .clone()
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .ok_or_else(|| problem(MetadataProblem::NoEntityId))?;
    let idp = descriptor
        .idp_sso_descriptors
        .as_deref()
        .and_then(<[_]>::first)
        .ok_or_else(|| problem(MetadataProblem::NotIdentityProvider))?;
    let sso_url = idp
        .single_sign_on_services
        .iter()
        .find(|s| s.binding == HTTP_REDIRECT_BINDING)
        .map(|s| s.location.trim().to_string())
        .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
        .ok_or_else(|| problem(MetadataProblem::NoRedirectSignOn))?;
    let sp = samael::service_provider::ServiceProviderBuilder::default()
        .idp_metadata(descriptor)
        .build()
        .map_err(|_| problem(MetadataProblem::NotMetadata))?;
    // samael only base64-decodes certificates: parse each as X.509 here, so a paste with an
    // empty or broken one is refused now rather than failing every sign-in later.
    let certs = sp
        .idp_signing_certs()
        .map_err(|_| problem(MetadataProblem::BadCertificate))?
        .unwrap_or_default();
    if certs.iter().all(|c| c.der_data().is_empty()) {
        return Err(problem(MetadataProblem::NoSigningCertificate));
    }
    // An empty one beside a good one is refused too: verifying would stop at it.
    if !certs
        .iter()
        .all(|c| openssl::x509::X509::from_der(c.der_data()).is_ok())
    {
        return Err(problem(MetadataProblem::BadCertificate));
    }
    Ok((entity_id, sso_url))
}

/// The provider key of the organization `org` names, if it names one.
pub fn provider_key_of(org: &str) -> Option<String> {
    OrgId::parse(org).map(provider_key)
}

/// The service provider metadata of the organization `org` names (`NotFound` when none does):
/// public, since the IT administrator imports it before any connection is saved.
pub async fn metadata(svc: &Services, org: &str) -> Result<String, Error> {
    let org = OrgId::parse(org).ok_or(Error::NotFound)?;
    if !org_exists(svc.db.pool(), org).await? {
        return Err(Error::NotFound);
    }
    sp_metadata(svc, org)
}

pub(crate) async fn org_exists(pool: &sqlx::AnyPool, org: OrgId) -> Result<bool, Error> {
    let found: Option<String> = sqlx::query_scalar("SELECT id FROM organizations WHERE id = $1")
        .bind(org.to_string())
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}

/// Whether the document's root is a metadata `EntityDescriptor` (samael's reader is lenient
/// about the root's name).
fn is_entity_descriptor(xml: &str) -> bool {
    use quick_xml::events::Event;
    use quick_xml::name::ResolveResult;
    let mut reader = quick_xml::reader::NsReader::from_str(xml);
    loop {
        match reader.read_resolved_event() {
            Ok((ns, Event::Start(root) | Event::Empty(root))) => {
                return matches!(ns, ResolveResult::Bound(ns) if ns.as_ref() == b"urn:oasis:names:tc:SAML:2.0:metadata")
                    && root.local_name().as_ref() == b"EntityDescriptor";
            }
            Ok((_, Event::Eof)) | Err(_) => return false,
            Ok(_) => {}
        }
    }
}

/// Service-provider metadata for the organization's identity provider to import: its entity
/// id, its ACS URL (POST binding), and that assertions must be signed. Serialized by samael.
pub fn sp_metadata(svc: &Services, org: OrgId) -> Result<String, Error> {
    use samael::metadata::{HTTP_POST_BINDING, IndexedEndpoint, SpSsoDescriptor};
    use samael::traits::ToXml;
    let urls = service_provider(svc, org);
    let descriptor = EntityDescriptor {
        entity_id: Some(urls.entity_id),
        sp_sso_descriptors: Some(vec![SpSsoDescriptor {
            protocol_support_enumeration: Some("urn:oasis:names:tc:SAML:2.0:protocol".into()),
            authn_requests_signed: Some(false),
            want_assertions_signed: Some(true),
            assertion_consumer_services: vec![IndexedEndpoint {
                binding: HTTP_POST_BINDING.into(),
                location: urls.acs_url,
                index: 0,
                is_default: Some(true),
                ..IndexedEndpoint::default()
            }],
            ..SpSsoDescriptor::default()
        }]),
        ..EntityDescriptor::default()
    };
    descriptor
        .to_string()
        .map_err(|e| Error::internal(format!("SP metadata: {e:?}")))
}
