//! The configured OpenID Connect providers, discovered once at start-up (a misconfigured one
//! stops the server with its name), and the checks on what they send back: the ID token's
//! signature (the provider's JWKS), issuer, audience, expiry and nonce, and a verified email.

use openidconnect::core::{CoreClient, CoreIdToken, CoreIdTokenVerifier, CoreProviderMetadata};
use openidconnect::{ClientId, ClientSecret, IssuerUrl, Nonce, RedirectUrl, reqwest};

use crate::Error;
use crate::config::ProviderSettings;

/// A client for one provider, built from its discovery document.
pub(crate) type OidcClient = openidconnect::Client<
    openidconnect::EmptyAdditionalClaims,
    openidconnect::core::CoreAuthDisplay,
    openidconnect::core::CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJsonWebKey,
    openidconnect::core::CoreAuthPrompt,
    openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    openidconnect::core::CoreTokenResponse,
    openidconnect::core::CoreTokenIntrospectionResponse,
    openidconnect::core::CoreRevocableToken,
    openidconnect::core::CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// A provider ready for use.
#[derive(Debug, Clone)]
pub struct Provider {
    pub key: String,
    pub name: String,
    pub issuer: String,
    client_id: ClientId,
    client_secret: ClientSecret,
    metadata: CoreProviderMetadata,
    redirect: RedirectUrl,
}

/// Every configured provider, in configuration order.
#[derive(Debug, Clone, Default)]
pub struct Providers {
    list: Vec<Provider>,
    http: Option<reqwest::Client>,
}

/// What a provider vouched for, after every check passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedIdentity {
    pub issuer: String,
    pub subject: String,
    pub email: String,
    pub email_verified: bool,
    pub name: Option<String>,
}

/// The HTTP client for provider calls: no redirects (a provider must not bounce our requests
/// elsewhere) and bounded time.
pub fn http_client() -> Result<reqwest::Client, Error> {
    reqwest::ClientBuilder::new()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(Error::internal)
}

impl Providers {
    /// Fetches each provider's discovery document and keys. Any failure names the provider.
    pub async fn discover(settings: &[ProviderSettings], public_url: &str) -> Result<Self, Error> {
        if settings.is_empty() {
            return Ok(Self::default());
        }
        let http = http_client()?;
        let mut list = Vec::new();
        for provider in settings {
            let fail = |what: String| {
                Error::internal(format!(
                    "sign-in provider {:?} ({}): {what}",
                    provider.key, provider.issuer
                ))
            };
            let issuer = IssuerUrl::new(provider.issuer.clone())
                .map_err(|e| fail(format!("not a URL: {e}")))?;
            let metadata = CoreProviderMetadata::discover_async(issuer, &http)
                .await
                .map_err(|e| fail(format!("discovery failed: {}", chain(&e))))?;
            list.push(Provider::new(provider, metadata, public_url).map_err(fail)?);
            tracing::info!(provider = %provider.key, issuer = %provider.issuer, "sign-in provider ready");
        }
        Ok(Self::from_list(list, http))
    }

    /// Providers whose discovery documents are already at hand.
    pub fn from_list(list: Vec<Provider>, http: reqwest::Client) -> Self {
        Self {
            list,
            http: Some(http),
        }
    }

    pub fn all(&self) -> &[Provider] {
        &self.list
    }

    pub fn get(&self, key: &str) -> Option<&Provider> {
        self.list.iter().find(|p| p.key == key)
    }

    /// What users see for a provider key: a configured provider's name ("Google"), "Single
    /// sign-on (SAML)" for an organization's own connection, else the key itself.
    pub fn display_name(&self, key: &str) -> String {
        if key.starts_with(crate::identities::SAML_KEY_PREFIX) {
            return crate::identities::SAML_DISPLAY_NAME.to_string();
        }
        self.get(key).map_or(key, |p| p.name.as_str()).to_string()
    }

    pub(crate) fn http(&self) -> Result<&reqwest::Client, Error> {
        self.http
            .as_ref()
            .ok_or_else(|| Error::internal("no HTTP client without providers"))
    }
}

impl Provider {
    fn new(
        settings: &ProviderSettings,
        metadata: CoreProviderMetadata,
        public_url: &str,
    ) -> Result<Self, String> {
        let redirect = RedirectUrl::new(format!("{public_url}/auth/{}/callback", settings.key))
            .map_err(|e| format!("redirect URL: {e}"))?;
        Ok(Provider {
            key: settings.key.clone(),
            name: settings.name.clone(),
            issuer: settings.issuer.clone(),
            client_id: ClientId::new(settings.client_id.clone()),
            client_secret: ClientSecret::new(settings.client_secret.clone()),
            metadata,
            redirect,
        })
    }

    /// A provider from its discovery document (JSON), as discovery would build it.
    pub fn from_document(
        settings: &ProviderSettings,
        document: &str,
        public_url: &str,
    ) -> Result<Self, Error> {
        let metadata: CoreProviderMetadata =
            serde_json::from_str(document).map_err(Error::internal)?;
        Self::new(settings, metadata, public_url).map_err(Error::internal)
    }

    pub(crate) fn client(&self) -> OidcClient {
        CoreClient::from_provider_metadata(
            self.metadata.clone(),
            self.client_id.clone(),
            Some(self.client_secret.clone()),
        )
        .set_redirect_uri(self.redirect.clone())
    }
}

/// Checks an ID token (signature, issuer, audience, expiry, nonce) and reads the identity from
/// it. The email counts only when the provider says it is verified.
pub(crate) fn verify_id_token(
    token: &CoreIdToken,
    verifier: &CoreIdTokenVerifier<'_>,
    nonce: &Nonce,
    issuer: &str,
) -> Result<VerifiedIdentity, String> {
    let claims = token.claims(verifier, nonce).map_err(|e| chain(&e))?;
    Ok(VerifiedIdentity {
        issuer: issuer.to_string(),
        subject: claims.subject().to_string(),
        email: claims.email().map(|e| e.to_string()).unwrap_or_default(),
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string()),
    })
}

/// An error and its causes on one line (never a token: these errors describe, not quote).
pub(crate) fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

#[cfg(test)]
#[expect(clippy::expect_used, reason = "a failing test should stop loudly")]
mod tests {
    use openidconnect::core::{
        CoreHmacKey, CoreIdTokenClaims, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
    };
    use openidconnect::{
        Audience, EmptyAdditionalClaims, EndUserEmail, IssuerUrl, StandardClaims, SubjectIdentifier,
    };

    use super::*;

    const ISSUER: &str = "https://id.example.com";
    const CLIENT: &str = "gatehouse";
    const SECRET: &str = "a client secret long enough for HMAC-SHA-256";

    struct Token {
        issuer: &'static str,
        audience: &'static str,
        expires_in: i64,
        nonce: &'static str,
        email_verified: Option<bool>,
    }

    impl Default for Token {
        fn default() -> Self {
            Self {
                issuer: ISSUER,
                audience: CLIENT,
                expires_in: 300,
                nonce: "the-nonce",
                email_verified: Some(true),
            }
        }
    }

    /// An ID token signed with the client secret (HS256), as a provider may issue it.
    fn issue(token: Token) -> CoreIdToken {
        let now = chrono::Utc::now();
        let standard = StandardClaims::new(SubjectIdentifier::new("user-123".into()))
            .set_email(Some(EndUserEmail::new("ada@example.com".into())))
            .set_email_verified(token.email_verified);
        let claims = CoreIdTokenClaims::new(
            IssuerUrl::new(token.issuer.into()).expect("issuer"),
            vec![Audience::new(token.audience.into())],
            now + chrono::Duration::seconds(token.expires_in),
            now - chrono::Duration::seconds(10),
            standard,
            EmptyAdditionalClaims {},
        )
        .set_nonce(Some(Nonce::new(token.nonce.into())));
        CoreIdToken::new(
            claims,
            &CoreHmacKey::new(SECRET.as_bytes()),
            CoreJwsSigningAlgorithm::HmacSha256,
            None,
            None,
        )
        .expect("sign")
    }

    fn check(token: Token) -> Result<VerifiedIdentity, String> {
        let verifier = CoreIdTokenVerifier::new_confidential_client(
            ClientId::new(CLIENT.into()),
            ClientSecret::new(SECRET.into()),
            IssuerUrl::new(ISSUER.into()).expect("issuer"),
            CoreJsonWebKeySet::new(vec![]),
        )
        .set_allowed_algs(vec![CoreJwsSigningAlgorithm::HmacSha256]);
        verify_id_token(
            &issue(token),
            &verifier,
            &Nonce::new("the-nonce".into()),
            ISSUER,
        )
    }

    #[test]
    fn a_good_token_yields_its_identity() {
        let identity = check(Token::default()).expect("valid");
        assert_eq!(identity.subject, "user-123");
        assert_eq!(identity.email, "ada@example.com");
        assert!(identity.email_verified);
    }

    #[test]
    fn wrong_audience_expired_and_bad_nonce_are_refused() {
        for (what, token) in [
            (
                "audience",
                Token {
                    audience: "someone-else",
                    ..Token::default()
                },
            ),
            (
                "expiry",
                Token {
                    expires_in: -60,
                    ..Token::default()
                },
            ),
            (
                "nonce",
                Token {
                    nonce: "another-nonce",
                    ..Token::default()
                },
            ),
            (
                "issuer",
                Token {
                    issuer: "https://evil.example.com",
                    ..Token::default()
                },
            ),
        ] {
            assert!(check(token).is_err(), "{what} should be refused");
        }
    }

    #[test]
    fn an_unverified_email_is_reported_as_such() {
        for verified in [Some(false), None] {
            let identity = check(Token {
                email_verified: verified,
                ..Token::default()
            })
            .expect("the token itself is valid");
            assert!(!identity.email_verified);
        }
    }
}
