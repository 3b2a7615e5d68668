//! The OpenID Connect providers people may sign in with, as configured.

use super::*;

/// One OpenID Connect provider as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSettings {
    /// In URLs (`/auth/<key>/start`) and stored with identities: `google`, or lowercase letters,
    /// digits and dashes.
    pub key: String,
    /// On the button: "Continue with <name>".
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

impl ProviderSettings {
    /// Google's preset and every provider listed in `GATEHOUSE_OIDC_PROVIDERS`.
    pub(super) fn from_lookup(
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<Self>, ConfigError> {
        let mut providers = Vec::new();
        match (
            get("GATEHOUSE_GOOGLE_CLIENT_ID"),
            get("GATEHOUSE_GOOGLE_CLIENT_SECRET"),
        ) {
            (Some(client_id), Some(client_secret)) => providers.push(Self {
                key: "google".into(),
                name: "Google".into(),
                issuer: "https://accounts.google.com".into(),
                client_id: client_id.trim().into(),
                client_secret: client_secret.trim().into(),
            }),
            (None, None) => {}
            (Some(_), None) => return Err(missing("GATEHOUSE_GOOGLE_CLIENT_SECRET")),
            (None, Some(_)) => return Err(missing("GATEHOUSE_GOOGLE_CLIENT_ID")),
        }
        let listed = get("GATEHOUSE_OIDC_PROVIDERS").unwrap_or_default();
        for key in listed.split(',').map(str::trim).filter(|k| !k.is_empty()) {
            let valid = key.len() <= 32
                && key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !valid || providers.iter().any(|p: &Self| p.key == key) {
                return Err(ConfigError {
                    variable: "GATEHOUSE_OIDC_PROVIDERS",
                    message: format!(
                        "{key:?} must be unique, up to 32 lowercase letters, digits or dashes"
                    ),
                });
            }
            let prefix = format!(
                "GATEHOUSE_OIDC_{}_",
                key.to_ascii_uppercase().replace('-', "_")
            );
            let var = |suffix: &str| {
                let name = format!("{prefix}{suffix}");
                get(&name).map(|v| v.trim().to_string()).ok_or(name)
            };
            let required = |suffix: &str| {
                var(suffix).map_err(|name| ConfigError {
                    variable: "GATEHOUSE_OIDC_PROVIDERS",
                    message: format!("provider {key:?} needs {name}"),
                })
            };
            let issuer = required("ISSUER")?;
            if !issuer_is_allowed(&issuer) {
                return Err(ConfigError {
                    variable: "GATEHOUSE_OIDC_PROVIDERS",
                    message: format!(
                        "provider {key:?}: the issuer must be an https:// URL (plain http only on \
                         loopback), got {issuer:?}"
                    ),
                });
            }
            let mut chars = key.chars();
            let default_name: String = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            providers.push(Self {
                key: key.to_string(),
                name: var("NAME").unwrap_or(default_name),
                issuer,
                client_id: required("CLIENT_ID")?,
                client_secret: required("CLIENT_SECRET")?,
            });
        }
        Ok(providers)
    }
}

fn missing(variable: &'static str) -> ConfigError {
    ConfigError {
        variable,
        message: "is required with the other Google sign-in variable".into(),
    }
}

/// An issuer is an https URL, or a plain http one on a loopback host (a provider for tests or
/// development on this machine).
fn issuer_is_allowed(issuer: &str) -> bool {
    use openidconnect::url::{Host, Url};
    let Ok(url) = Url::parse(issuer) else {
        return false;
    };
    match (url.scheme(), url.host()) {
        ("https", Some(_)) => true,
        ("http", Some(Host::Domain(name))) => name == "localhost",
        ("http", Some(Host::Ipv4(ip))) => ip.is_loopback(),
        ("http", Some(Host::Ipv6(ip))) => ip.is_loopback(),
        _ => false,
    }
}
