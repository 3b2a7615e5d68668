//! Sign-in providers (Google, any OpenID Connect provider): which are configured, which the
//! caller has linked, unlinking, finishing an account that came through a provider, and the
//! organization's "Members must sign in with …" restriction. The browser's trips to a provider
//! are the routes `/auth/<provider>/start` and `/auth/<provider>/callback`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::auth::SignedInUser;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderView {
    /// In URLs: `/auth/<key>/start`.
    pub key: String,
    /// "Continue with <name>".
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedIdentityView {
    pub provider: String,
    pub name: String,
    pub email: String,
    /// ISO 8601, UTC.
    pub linked_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityProviders {
    pub providers: Vec<ProviderView>,
    /// The caller's linked providers (empty when signed out).
    pub linked: Vec<LinkedIdentityView>,
}

/// A provider's verified identity waiting for its person (see `/signup/provider`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingIdentityView {
    pub provider_name: String,
    pub email: String,
    pub name: String,
    /// An account with this email exists: its owner signs in to link the provider.
    pub existing_account: bool,
}

/// No session needed: the configured providers, and the caller's linked ones when signed in.
#[server(prefix = "/api", endpoint = "list_identity_providers")]
pub async fn list_identity_providers() -> Result<IdentityProviders, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let providers = svc
        .oauth
        .all()
        .iter()
        .map(|p| ProviderView {
            key: p.key.clone(),
            name: p.name.clone(),
        })
        .collect();
    let linked = match ctx::caller() {
        Some(actor) => gatehouse_server::oauth::linked_identities(&svc, &actor)
            .await?
            .into_iter()
            .map(|l| LinkedIdentityView {
                provider: l.provider,
                name: l.provider_name,
                email: l.email,
                linked_at: l.linked_at.to_rfc3339(),
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(IdentityProviders { providers, linked })
}

#[server(prefix = "/api", endpoint = "unlink_identity")]
pub async fn unlink_identity(provider: String, proof: Option<String>) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::oauth::unlink_identity(&svc, &actor, &provider, proof.as_deref()).await?;
    ctx::redirect_form_post(&crate::saved::Saved::Unlinked.location());
    Ok(())
}

/// "Members must sign in with …" (Owners). An empty `provider` allows every way of signing in.
#[server(prefix = "/api", endpoint = "update_sign_in_restriction")]
pub async fn update_sign_in_restriction(
    provider: Option<String>,
    #[server(default)] provider_enforces_mfa: bool,
    proof: Option<String>,
) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::oauth::update_sign_in_restriction(
        &svc,
        &actor,
        provider.as_deref(),
        provider_enforces_mfa,
        proof.as_deref(),
    )
    .await?;
    ctx::redirect_form_post(&crate::saved::Saved::Restriction.location());
    Ok(())
}

/// The identity waiting in this browser, if any.
#[server(prefix = "/api", endpoint = "pending_identity")]
pub async fn pending_identity() -> Result<Option<PendingIdentityView>, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let Some(cookie) = ctx::identity_cookie() else {
        return Ok(None);
    };
    Ok(gatehouse_server::oauth::pending_identity(&svc, &cookie)
        .await?
        .map(|p| PendingIdentityView {
            provider_name: p.provider_name,
            email: p.email,
            name: p.name,
            existing_account: p.existing_account,
        }))
}

/// A new person who came through a provider names themselves and their organization; the
/// account is created (without a password), the provider linked, and they are signed in.
#[server(prefix = "/api", endpoint = "complete_provider_sign_up")]
pub async fn complete_provider_sign_up(
    name: String,
    organization: String,
) -> Result<SignedInUser, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let request = ctx::client()?;
    let cookie = ctx::identity_cookie().unwrap_or_default();
    let signed_in = gatehouse_server::oauth::complete_sign_up(
        &svc,
        &cookie,
        &name,
        &organization,
        &request.client,
        request.session_cookie.as_deref(),
    )
    .await?;
    ctx::clear_identity_cookie();
    crate::api::auth::start_session(&svc, signed_in, request.client, "/").await
}
