//! The organization's own single sign-on (SAML 2.0): what its identity provider needs to know
//! about Gatehouse, and the connection an Owner saves. The browser's trips to the provider are
//! the routes `/saml/<organization id>/start` and `/saml/<organization id>/acs`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Where the organization's settings page for single sign-on is.
pub const SINGLE_SIGN_ON_PATH: &str = "/settings/single-sign-on";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamlConnectionView {
    /// The service provider's entity id, for the identity provider.
    pub sp_entity_id: String,
    /// Where the identity provider posts its answers (HTTP-POST binding).
    pub acs_url: String,
    /// The service provider's metadata, to import instead of typing the two above.
    pub metadata_url: String,
    /// Where people start signing in through the organization's identity provider.
    pub start_url: String,
    /// The provider key the sign-in restriction names for this connection.
    pub provider: String,
    /// Its name as users see it ("Single sign-on (SAML)").
    pub provider_name: String,
    /// Whether a connection was saved.
    pub configured: bool,
    /// The saved metadata (empty until saved).
    pub idp_metadata_xml: String,
    /// Read from the saved metadata.
    pub idp_entity_id: Option<String>,
    pub idp_sso_url: Option<String>,
    /// The role of people it makes members: `admin`, `member` (the default) or `auditor`.
    pub default_role: String,
    pub enabled: bool,
    /// ISO 8601, UTC; `null` until saved.
    pub updated_at: Option<String>,
}

#[cfg(feature = "ssr")]
impl SamlConnectionView {
    fn new(
        svc: &gatehouse_server::Services,
        org: &str,
        view: gatehouse_server::saml::ConnectionView,
    ) -> Self {
        let connection = view.connection;
        let provider = gatehouse_server::saml::provider_key_of(org).unwrap_or_default();
        Self {
            provider_name: svc.oauth.display_name(&provider),
            provider,
            start_url: format!("{}/saml/{org}/start", svc.config.public_url),
            sp_entity_id: view.sp.entity_id,
            acs_url: view.sp.acs_url,
            metadata_url: view.sp.metadata_url,
            configured: connection.is_some(),
            idp_metadata_xml: connection
                .as_ref()
                .map(|c| c.idp_metadata_xml.clone())
                .unwrap_or_default(),
            idp_entity_id: connection.as_ref().map(|c| c.idp_entity_id.clone()),
            idp_sso_url: connection.as_ref().map(|c| c.idp_sso_url.clone()),
            default_role: connection
                .as_ref()
                .map_or("member", |c| c.default_role.as_str())
                .to_string(),
            enabled: connection.as_ref().is_some_and(|c| c.enabled),
            updated_at: connection.map(|c| c.updated_at.to_rfc3339()),
        }
    }
}

/// The caller's organization's connection (Owners).
#[server(prefix = "/api", endpoint = "get_saml_connection")]
pub async fn get_saml_connection() -> Result<SamlConnectionView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let view = gatehouse_server::saml::get_connection(&svc, &actor).await?;
    let org = actor
        .org
        .as_ref()
        .map(|o| o.id.to_string())
        .unwrap_or_default();
    Ok(SamlConnectionView::new(&svc, &org, view))
}

/// Saves the connection (Owners, with a recent proof): the identity provider's metadata XML,
/// the role for people it brings in (`admin`, `member` or `auditor`), and whether it is on.
#[server(prefix = "/api", endpoint = "update_saml_connection")]
pub async fn update_saml_connection(
    idp_metadata_xml: String,
    default_role: String,
    #[server(default)] enabled: bool,
    proof: Option<String>,
) -> Result<SamlConnectionView, AppError> {
    use crate::ctx;
    use gatehouse_server::saml::ConnectionInput;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let input = ConnectionInput {
        idp_metadata_xml: &idp_metadata_xml,
        default_role: &default_role,
        enabled,
    };
    let view =
        gatehouse_server::saml::update_connection(&svc, &actor, input, proof.as_deref()).await?;
    ctx::redirect_form_post(&crate::saved::Saved::SsoConnection.location());
    let org = actor
        .org
        .as_ref()
        .map(|o| o.id.to_string())
        .unwrap_or_default();
    Ok(SamlConnectionView::new(&svc, &org, view))
}

/// One email domain of the organization's, with the DNS record that proves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoDomainView {
    pub domain: String,
    /// Where the TXT record goes: `_gatehouse-verification.<domain>`.
    pub record_name: String,
    /// What it must say: `gatehouse-verification=<token>`.
    pub record_value: String,
    /// ISO 8601, UTC.
    pub created_at: String,
    /// ISO 8601, UTC; `null` until the record was found.
    pub verified_at: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<gatehouse_server::saml::domains::Domain> for SsoDomainView {
    fn from(domain: gatehouse_server::saml::domains::Domain) -> Self {
        Self {
            domain: domain.domain,
            record_name: domain.record_name,
            record_value: domain.record_value,
            created_at: domain.created_at.to_rfc3339(),
            verified_at: domain
                .verified_at
                .map(gatehouse_server::Timestamp::to_rfc3339),
        }
    }
}

/// The organization's email domains (Owners), in the order they were added.
#[server(prefix = "/api", endpoint = "list_sso_domains")]
pub async fn list_sso_domains() -> Result<Vec<SsoDomainView>, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let domains = gatehouse_server::saml::domains::list_domains(&svc, &actor).await?;
    Ok(domains.into_iter().map(Into::into).collect())
}

/// Claims `domain` (Owners): answers the TXT record to publish before `verify_sso_domain`.
#[server(prefix = "/api", endpoint = "add_sso_domain")]
pub async fn add_sso_domain(domain: String) -> Result<SsoDomainView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let added = gatehouse_server::saml::domains::add_domain(&svc, &actor, &domain).await?;
    ctx::redirect_form_post(&crate::saved::Saved::SsoDomainAdded.location());
    Ok(added.into())
}

/// Looks the domain's TXT record up now and marks the domain verified when it is there.
#[server(prefix = "/api", endpoint = "verify_sso_domain")]
pub async fn verify_sso_domain(domain: String) -> Result<SsoDomainView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let verified = gatehouse_server::saml::domains::verify_domain(&svc, &actor, &domain).await?;
    ctx::redirect_form_post(&crate::saved::Saved::SsoDomainVerified.location());
    Ok(verified.into())
}

#[server(prefix = "/api", endpoint = "remove_sso_domain")]
pub async fn remove_sso_domain(domain: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::saml::domains::remove_domain(&svc, &actor, &domain).await?;
    ctx::redirect_form_post(&crate::saved::Saved::SsoDomainRemoved.location());
    Ok(())
}

/// Where "Sign in with SSO" starts for `email`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoLookupView {
    /// `/saml/<organization id>/start` when the email's domain is verified by an organization
    /// whose single sign-on is on; `null` otherwise.
    pub start_url: Option<String>,
}

/// No session needed. `next` (optional) is where to go after signing in. A plain form post
/// (no JavaScript) is sent to the provider, or back to `/login?sso=none`.
#[server(prefix = "/api", endpoint = "sso_lookup")]
pub async fn sso_lookup(email: String, next: Option<String>) -> Result<SsoLookupView, AppError> {
    use crate::ctx;
    use crate::paths::{safe_next, with_query};
    let svc = ctx::services()?;
    let client = ctx::client()?.client;
    let start = gatehouse_server::saml::domains::lookup(&svc, &email, &client).await?;
    let next = next.map(|n| safe_next(Some(&n))).filter(|n| n != "/");
    let start_url = start.map(|url| with_query(&url, &[("next", next.as_deref())]));
    ctx::redirect_form_post(start_url.as_deref().unwrap_or("/login?sso=none"));
    Ok(SsoLookupView { start_url })
}
