//! Checking a SAML Response from an organization's identity provider. The XML signature itself
//! (canonicalization, digests, the key from the metadata, signature wrapping) is samael's, on
//! Debian's xmlsec1; around it, the checks samael leaves to its caller or makes optional:
//! - before any parsing for meaning, a scan that refuses comments (the NameID truncation
//!   attack), processing instructions, a DTD (entity expansion), and more than one assertion
//!   (signature wrapping);
//! - a signature required: metadata without a signing certificate never reaches this module,
//!   and an unsigned document is refused before samael (which verifies only when it has a
//!   certificate) sees it;
//! - an Audience that is exactly this organization's entity id in every restriction, and a
//!   Destination, when the Response names one, that is exactly its ACS URL.
//!
//! CPU-bound and blocking (libxml2, xmlsec): callers run it with `spawn_blocking`.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use samael::crypto::AllowedSignatureAlgorithm;
use samael::metadata::EntityDescriptor;
use samael::schema::Assertion;
use samael::service_provider::{Error as SamlError, ServiceProviderBuilder};

use super::Refusal;

const PROTOCOL_NS: &[u8] = b"urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION_NS: &[u8] = b"urn:oasis:names:tc:SAML:2.0:assertion";
const DSIG_NS: &[u8] = b"http://www.w3.org/2000/09/xmldsig#";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

/// Allowed clock difference with the identity provider.
pub const MAX_SKEW_SECONDS: i64 = 120;
/// The longest NameID kept.
const MAX_NAME_ID: usize = 256;

/// What the raw document says before anything is trusted: only used to find the request it
/// answers, whose ID samael then checks against the signed content.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Scanned {
    pub in_response_to: Option<String>,
    pub destination: Option<String>,
}

/// Refuses what no honest identity provider sends and what the signature cannot vouch for.
pub fn scan(xml: &str) -> Result<Scanned, Refusal> {
    let mut reader = NsReader::from_str(xml);
    let mut scanned = Scanned::default();
    let mut root = true;
    let (mut assertions, mut signatures) = (0usize, 0usize);
    // The first StatusCode is the top-level one; anything but Success is the provider's "no".
    let mut status: Option<bool> = None;
    loop {
        let event = reader
            .read_resolved_event()
            .map_err(|_| Refusal::Malformed)?;
        match event {
            (_, Event::Comment(_)) => return Err(Refusal::Comment),
            (_, Event::PI(_) | Event::DocType(_)) => return Err(Refusal::Malformed),
            (namespace, Event::Start(element) | Event::Empty(element)) => {
                let ns: &[u8] = match &namespace {
                    ResolveResult::Bound(ns) => ns.as_ref(),
                    _ => b"",
                };
                let local = element.local_name();
                let local = local.as_ref();
                if root {
                    root = false;
                    if ns != PROTOCOL_NS || local != b"Response" {
                        return Err(Refusal::Malformed);
                    }
                    for attribute in element.attributes() {
                        let attribute = attribute.map_err(|_| Refusal::Malformed)?;
                        let value = attribute
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|_| Refusal::Malformed)?
                            .into_owned();
                        match attribute.key.as_ref() {
                            b"InResponseTo" => scanned.in_response_to = Some(value),
                            b"Destination" => scanned.destination = Some(value),
                            _ => {}
                        }
                    }
                }
                match (ns, local) {
                    (ASSERTION_NS, b"Assertion") => assertions += 1,
                    (ASSERTION_NS, b"EncryptedAssertion") => return Err(Refusal::Encrypted),
                    (DSIG_NS, b"Signature") => signatures += 1,
                    (PROTOCOL_NS, b"StatusCode") if status.is_none() => {
                        status = Some(element.attributes().flatten().any(|a| {
                            a.key.as_ref() == b"Value" && a.value.as_ref() == SUCCESS.as_bytes()
                        }));
                    }
                    _ => {}
                }
            }
            (_, Event::Eof) => break,
            _ => {}
        }
    }
    if status == Some(false) {
        return Err(Refusal::ProviderError);
    }
    match assertions {
        0 => Err(Refusal::Malformed),
        1 if signatures == 0 => Err(Refusal::Unsigned),
        1 => Ok(scanned),
        _ => Err(Refusal::Wrapping),
    }
}

/// What this organization's service provider expects of a response.
pub struct Expected<'a> {
    pub entity_id: &'a str,
    pub acs_url: &'a str,
    pub request_id: &'a str,
    pub idp_metadata_xml: &'a str,
}

/// What a verified assertion says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub assertion_id: String,
    pub name_id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    /// When the assertion stops being usable (milliseconds), the longest its ID is remembered.
    pub expires_at_millis: i64,
}

/// Verifies a response (already [`scan`]ned) against the organization's metadata.
pub fn verify(xml: &str, expected: &Expected<'_>) -> Result<Verified, Refusal> {
    let idp_metadata: EntityDescriptor = expected
        .idp_metadata_xml
        .parse()
        .map_err(|_| Refusal::Misconfigured)?;
    let sp = ServiceProviderBuilder::default()
        .entity_id(Some(expected.entity_id.to_string()))
        .metadata_url(Some(expected.entity_id.to_string()))
        .acs_url(Some(expected.acs_url.to_string()))
        .idp_metadata(idp_metadata)
        .max_clock_skew(chrono::Duration::seconds(MAX_SKEW_SECONDS))
        .allowed_signature_algorithms(Some(vec![
            AllowedSignatureAlgorithm::RsaSha256,
            AllowedSignatureAlgorithm::RsaSha384,
            AllowedSignatureAlgorithm::RsaSha512,
            AllowedSignatureAlgorithm::EcdsaSha256,
            AllowedSignatureAlgorithm::EcdsaSha384,
            AllowedSignatureAlgorithm::EcdsaSha512,
        ]))
        .build()
        .map_err(|_| Refusal::Misconfigured)?;
    // Without a certificate samael would skip the signature: never verify that way.
    if !matches!(sp.idp_signing_certs(), Ok(Some(certs)) if !certs.is_empty()) {
        return Err(Refusal::Misconfigured);
    }
    let assertion = sp
        .parse_xml_response(xml, Some(&[expected.request_id]))
        .map_err(|error| {
            // The library's reason (never the document): what an operator needs to fix a
            // connection.
            tracing::info!(reason = %error, "SAML response refused");
            refusal_of(&error)
        })?;
    check_audience(&assertion, expected.entity_id)?;
    read(assertion)
}

/// Every AudienceRestriction must name this service provider: a restriction is a condition
/// that holds only for its audiences, and an assertion without one could be meant for anyone.
fn check_audience(assertion: &Assertion, entity_id: &str) -> Result<(), Refusal> {
    let restrictions = assertion
        .conditions
        .as_ref()
        .and_then(|c| c.audience_restrictions.as_ref())
        .filter(|r| !r.is_empty())
        .ok_or(Refusal::Audience)?;
    if restrictions
        .iter()
        .all(|r| r.audience.iter().any(|a| a == entity_id))
    {
        Ok(())
    } else {
        Err(Refusal::Audience)
    }
}

fn read(assertion: Assertion) -> Result<Verified, Refusal> {
    let subject = assertion.subject.as_ref().ok_or(Refusal::NoSubject)?;
    let name_id = subject
        .name_id
        .as_ref()
        .map(|n| n.value.trim().to_string())
        .filter(|n| !n.is_empty() && n.len() <= MAX_NAME_ID && !n.chars().any(char::is_control))
        .ok_or(Refusal::NoSubject)?;
    let name_id_is_email = subject
        .name_id
        .as_ref()
        .and_then(|n| n.format.as_deref())
        .is_some_and(|f| f.ends_with(":nameid-format:emailAddress"));
    // The earliest end among the conditions and the bearer confirmations.
    let ends = assertion
        .conditions
        .iter()
        .filter_map(|c| c.not_on_or_after)
        .chain(
            subject
                .subject_confirmations
                .iter()
                .flatten()
                .filter_map(|c| c.subject_confirmation_data.as_ref())
                .filter_map(|d| d.not_on_or_after),
        )
        .map(|t| t.timestamp_millis())
        .min()
        .ok_or(Refusal::Expired)?;
    let attribute = |names: &[&str]| {
        assertion
            .attribute_statements
            .iter()
            .flatten()
            .flat_map(|statement| statement.attributes.iter())
            .filter(|a| {
                let matches = |n: &Option<String>| {
                    n.as_deref()
                        .is_some_and(|n| names.iter().any(|w| n.eq_ignore_ascii_case(w)))
                };
                matches(&a.name) || matches(&a.friendly_name)
            })
            .flat_map(|a| a.values.iter())
            .filter_map(|v| v.value.as_deref())
            .map(str::trim)
            .find(|v| !v.is_empty())
            .map(str::to_string)
    };
    let email = attribute(&[
        "email",
        "mail",
        "emailAddress",
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    ])
    .or_else(|| name_id_is_email.then(|| name_id.clone()));
    let name = attribute(&[
        "displayName",
        "name",
        "cn",
        "urn:oid:2.16.840.1.113730.3.1.241",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
    ]);
    Ok(Verified {
        assertion_id: assertion.id,
        name_id,
        email,
        name,
        expires_at_millis: ends + MAX_SKEW_SECONDS * 1000,
    })
}

fn refusal_of(error: &SamlError) -> Refusal {
    match error {
        SamlError::FailedToValidateSignature => Refusal::Signature,
        SamlError::ResponseInResponseToInvalid { .. }
        | SamlError::AssertionInResponseToInvalid { .. } => Refusal::UnknownRequest,
        SamlError::ResponseExpired { .. }
        | SamlError::AssertionExpired { .. }
        | SamlError::AssertionConditionExpired { .. }
        | SamlError::AssertionConditionExpiredBefore { .. }
        | SamlError::AssertionSubjectConfirmationExpired { .. }
        | SamlError::AssertionSubjectConfirmationExpiredBefore { .. } => Refusal::Expired,
        SamlError::ResponseIssuerMismatch { .. } | SamlError::AssertionIssuerMismatch { .. } => {
            Refusal::Signature
        }
        SamlError::ResponseBadStatusCode { .. } => Refusal::ProviderError,
        SamlError::AssertionConditionAudienceRestrictionFailed { .. } => Refusal::Audience,
        SamlError::DestinationValidationError { .. }
        | SamlError::AssertionRecipientMismatch { .. } => Refusal::Destination,
        _ => Refusal::Malformed,
    }
}
