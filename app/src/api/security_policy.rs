//! The organization's security policy: whether (and for which roles) MFA is required, with a
//! grace period in days. Every member may read it; Owners change it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityPolicyView {
    pub require_mfa: bool,
    /// Lowercase roles MFA is required for; all three means every member.
    pub roles: Vec<String>,
    pub grace_days: i64,
    /// When MFA became required (milliseconds since the Unix epoch); the grace period counts
    /// from here. `null` while it is not required.
    pub enforced_since: Option<i64>,
    /// "Members must sign in with …": the provider key, `null` when any way is allowed.
    #[serde(default)]
    pub sign_in_provider: Option<String>,
    /// That provider's name as users see it ("Google", "Single sign-on (SAML)").
    #[serde(default)]
    pub sign_in_provider_name: Option<String>,
    /// That provider's own MFA stands in for Gatehouse's.
    #[serde(default)]
    pub provider_enforces_mfa: bool,
    /// The longest lifetime a new API key may have, in days (7, 30, 90 or 365).
    #[serde(default = "default_max_key_days")]
    pub max_key_days: i64,
}

fn default_max_key_days() -> i64 {
    365
}

#[cfg(feature = "ssr")]
impl From<gatehouse_server::security_policy::SecurityPolicy> for SecurityPolicyView {
    fn from(policy: gatehouse_server::security_policy::SecurityPolicy) -> Self {
        Self {
            require_mfa: policy.require_mfa,
            roles: policy
                .roles
                .iter()
                .map(|r| r.as_str().to_string())
                .collect(),
            grace_days: policy.grace_days,
            enforced_since: policy
                .enforced_since
                .map(gatehouse_server::Timestamp::as_millis),
            sign_in_provider: None,
            sign_in_provider_name: None,
            provider_enforces_mfa: false,
            max_key_days: default_max_key_days(),
        }
    }
}

#[server(prefix = "/api", endpoint = "get_security_policy")]
pub async fn get_security_policy() -> Result<SecurityPolicyView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let mut view: SecurityPolicyView =
        gatehouse_server::security_policy::get_security_policy(&svc, &actor)
            .await?
            .into();
    let (provider, enforces) = gatehouse_server::oauth::sign_in_restriction(&svc, &actor).await?;
    view.sign_in_provider_name = provider.as_deref().map(|key| svc.oauth.display_name(key));
    view.sign_in_provider = provider;
    view.provider_enforces_mfa = enforces;
    view.max_key_days = gatehouse_server::security_policy::max_key_days(&svc, &actor).await?;
    Ok(view)
}

/// "Save Policy" (Owners). `roles` lists the roles MFA is required for (all three for every
/// member); switching MFA on starts the grace period of `grace_days` (0–90) now.
/// `max_key_days` (7, 30, 90 or 365; unchanged when absent) caps new API keys' lifetime.
#[server(prefix = "/api", endpoint = "update_security_policy")]
pub async fn update_security_policy(
    #[server(default)] require_mfa: bool,
    #[server(default)] roles: Vec<String>,
    grace_days: i64,
    max_key_days: Option<i64>,
    proof: Option<String>,
) -> Result<SecurityPolicyView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let policy = gatehouse_server::security_policy::update_security_policy(
        &svc,
        &actor,
        require_mfa,
        &roles,
        grace_days,
        max_key_days,
        proof.as_deref(),
    )
    .await?;
    ctx::redirect_form_post(&crate::saved::Saved::Policy.location());
    let mut view: SecurityPolicyView = policy.into();
    view.max_key_days = gatehouse_server::security_policy::max_key_days(&svc, &actor).await?;
    Ok(view)
}
