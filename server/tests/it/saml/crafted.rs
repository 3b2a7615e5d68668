//! Crafted SAML for the tests and the ACS benchmark: the organization's identity provider's
//! metadata and responses signed by Debian's `xmlsec1` (an independent XML-DSig implementation)
//! with the committed test keys beside this file (`idp-*` the provider's, `other-*` an
//! attacker's). Included by `tests/it/saml.rs` and `benches/saml_acs.rs`.

use std::path::PathBuf;
use std::process::Command;

use gatehouse_server::saml::ServiceProviderUrls;

pub const IDP: &str = "https://idp.example.test/metadata";
pub const IDP_SSO: &str = "https://idp.example.test/sso";

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/saml")
        .join(name)
}

pub fn certificate(name: &str) -> String {
    let pem = std::fs::read_to_string(fixture(name)).expect("certificate");
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// The identity provider's metadata, with `cert` (a fixture) as its signing certificate.
pub fn idp_metadata(cert: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{IDP}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{IDP_SSO}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#,
        certificate(cert)
    )
}

/// What one crafted answer says. Times are the real clock's: the signature library checks them
/// against it.
pub struct Answer {
    pub assertion_id: String,
    pub in_response_to: String,
    pub audience: String,
    pub destination: String,
    pub name_id: String,
    pub email: Option<String>,
    /// Seconds from now the assertion stops being valid (negative: already expired).
    pub valid_for: i64,
    pub key: &'static str,
}

impl Answer {
    /// A good answer from the provider to `request`, for the service provider `sp`.
    pub fn for_sp(sp: &ServiceProviderUrls, request: &str, name_id: &str) -> Self {
        Self {
            assertion_id: format!("_a{}", uuid::Uuid::new_v4().simple()),
            in_response_to: request.to_string(),
            audience: sp.entity_id.clone(),
            destination: sp.acs_url.clone(),
            name_id: name_id.to_string(),
            email: Some(name_id.to_string()),
            valid_for: 300,
            key: "idp",
        }
    }

    /// The response, unsigned, with the assertion's signature template.
    pub fn xml(&self, signed: bool) -> String {
        let now = chrono::Utc::now();
        let at = |seconds: i64| {
            (now + chrono::Duration::seconds(seconds))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        };
        let issued = if self.valid_for < 0 {
            at(self.valid_for - 300)
        } else {
            at(0)
        };
        let signature = if signed {
            format!(
                r##"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#{}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>"##,
                self.assertion_id
            )
        } else {
            String::new()
        };
        let email = self.email.as_deref().map_or(String::new(), |email| {
            format!(
                r#"<saml:AttributeStatement><saml:Attribute Name="email"><saml:AttributeValue>{email}</saml:AttributeValue></saml:Attribute><saml:Attribute Name="displayName"><saml:AttributeValue>Sam Lee</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>"#
            )
        });
        format!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r{rid}" Version="2.0" IssueInstant="{issued}" Destination="{destination}" InResponseTo="{irt}"><saml:Issuer>{IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="{aid}" Version="2.0" IssueInstant="{issued}"><saml:Issuer>{IDP}</saml:Issuer>{signature}<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">{name_id}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{until}" Recipient="{destination}" InResponseTo="{irt}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{since}" NotOnOrAfter="{until}"><saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{issued}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>{email}</saml:Assertion></samlp:Response>"#,
            rid = uuid::Uuid::new_v4().simple(),
            destination = self.destination,
            irt = self.in_response_to,
            aid = self.assertion_id,
            name_id = self.name_id,
            since = at(self.valid_for.min(0) - 600),
            until = at(self.valid_for),
            audience = self.audience,
        )
    }

    /// Signed by `xmlsec1` with the answer's key.
    pub fn signed(&self) -> String {
        sign(&self.xml(true), self.key)
    }
}

pub fn sign(xml: &str, key: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let (input, output) = (dir.path().join("in.xml"), dir.path().join("out.xml"));
    std::fs::write(&input, xml).expect("write");
    let key = format!(
        "{},{}",
        fixture(&format!("{key}-key.pem")).display(),
        fixture(&format!("{key}-cert.pem")).display()
    );
    let status = Command::new("xmlsec1")
        .args(["--sign", "--privkey-pem", &key, "--id-attr:ID"])
        .arg("urn:oasis:names:tc:SAML:2.0:assertion:Assertion")
        .arg("--output")
        .arg(&output)
        .arg(&input)
        .status()
        .expect("xmlsec1 (apt install xmlsec1)");
    assert!(status.success(), "xmlsec1 --sign failed");
    std::fs::read_to_string(output).expect("signed")
}
