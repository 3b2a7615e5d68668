//! Every cookie this server writes or reads, built and parsed with the `cookie` crate in this one
//! module: the names, the attributes every cookie shares, and how long each one lasts. Nothing
//! else formats a `Set-Cookie` value or splits a `Cookie` header.

use std::time::Duration;

use cookie::{Cookie, SameSite};
use gatehouse_server::Timestamp;
use http::HeaderMap;
use http::header::COOKIE;

/// Our cookies' names and attributes, decided in one place from whether the public URL is
/// https. There every name takes the `__Host-` prefix: browsers keep such a cookie only when it
/// is `Secure`, has `Path=/` and no `Domain`, so neither a sibling subdomain nor a plain-http
/// page can plant or overwrite it. Plain http (development, tests) keeps the bare names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cookies {
    secure: bool,
}

impl Cookies {
    pub fn new(secure: bool) -> Self {
        Self { secure }
    }

    fn name(self, bare: &'static str, prefixed: &'static str) -> &'static str {
        if self.secure { prefixed } else { bare }
    }

    /// The session token.
    pub fn session(self) -> &'static str {
        self.name("gatehouse_session", "__Host-gatehouse_session")
    }

    /// A sign-in waiting for its second step (MFA), for five minutes.
    pub fn mfa(self) -> &'static str {
        self.name("gatehouse_mfa", "__Host-gatehouse_mfa")
    }

    /// Binds a trip to a sign-in provider to the browser that started it (ten minutes).
    pub fn oauth(self) -> &'static str {
        self.name("gatehouse_oauth", "__Host-gatehouse_oauth")
    }

    /// Binds a trip to an organization's SAML identity provider to the browser that started it
    /// (ten minutes): the answer is finished only there.
    pub fn saml(self) -> &'static str {
        self.name("gatehouse_saml", "__Host-gatehouse_saml")
    }

    /// A provider's verified identity waiting for its person (create the account, or prove
    /// the existing one), fifteen minutes.
    pub fn identity(self) -> &'static str {
        self.name("gatehouse_identity", "__Host-gatehouse_identity")
    }

    /// A `Set-Cookie` value for cookie `name` holding `value` for `lifetime` (see [`max_age`]),
    /// with the attributes every cookie here has: `Path=/`, `HttpOnly`, `SameSite=Lax`, and
    /// `Secure` over https.
    pub fn set(self, name: &str, value: &str, lifetime: Duration) -> String {
        Cookie::build((name, value))
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .path("/")
            .max_age(max_age(lifetime))
            .to_string()
    }

    /// A `Set-Cookie` value for cookie `name` holding `value` until `expires_at`, as seen `now`.
    pub fn set_until(
        self,
        name: &str,
        value: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> String {
        self.set(name, value, now.until(expires_at))
    }

    /// A `Set-Cookie` value that removes cookie `name` (empty, `Max-Age=0`).
    pub fn clear(self, name: &str) -> String {
        self.set(name, "", Duration::ZERO)
    }
}

/// `Max-Age` for a cookie that must live `lifetime`: whole seconds, rounded up, so a cookie
/// never ends before what it carries (a session created a moment before `now` still gets its
/// full last second).
pub fn max_age(lifetime: Duration) -> cookie::time::Duration {
    let seconds = lifetime.as_millis().div_ceil(1000);
    cookie::time::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX))
}

/// The value of cookie `name` in a request's `Cookie` headers (every line), if present and not
/// empty. The first cookie of that name wins.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|line| line.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_string())
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn https_names_every_cookie_with_the_host_prefix_and_its_required_attributes() {
        let https = Cookies::new(true);
        let names = [
            https.session(),
            https.mfa(),
            https.oauth(),
            https.identity(),
        ];
        assert_eq!(
            names,
            [
                "__Host-gatehouse_session",
                "__Host-gatehouse_mfa",
                "__Host-gatehouse_oauth",
                "__Host-gatehouse_identity"
            ]
        );
        assert_eq!(
            https.set(https.mfa(), "t", Duration::from_secs(300)),
            "__Host-gatehouse_mfa=t; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=300"
        );
        assert_eq!(
            https.clear(https.session()),
            "__Host-gatehouse_session=; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=0"
        );
    }

    #[test]
    fn plain_http_keeps_the_bare_names_without_secure() {
        let http = Cookies::new(false);
        let names = [
            http.session(),
            http.mfa(),
            http.oauth(),
            http.identity(),
            http.saml(),
        ];
        assert_eq!(
            names,
            [
                "gatehouse_session",
                "gatehouse_mfa",
                "gatehouse_oauth",
                "gatehouse_identity",
                "gatehouse_saml"
            ]
        );
        assert_eq!(
            http.clear(http.session()),
            "gatehouse_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"
        );
        assert_eq!(
            http.set(http.oauth(), "trip", Duration::from_secs(600)),
            "gatehouse_oauth=trip; HttpOnly; SameSite=Lax; Path=/; Max-Age=600"
        );
    }

    #[test]
    fn max_age_rounds_a_partial_second_up() {
        let now = Timestamp::from_millis(1_000_000);
        let cookies = Cookies::new(false);
        assert_eq!(
            cookies.set_until("s", "v", now, now.plus(Duration::from_millis(604_799_001))),
            "s=v; HttpOnly; SameSite=Lax; Path=/; Max-Age=604800"
        );
        assert_eq!(
            cookies.set_until("s", "v", now, now.plus(Duration::from_secs(300))),
            "s=v; HttpOnly; SameSite=Lax; Path=/; Max-Age=300"
        );
        assert_eq!(
            cookies.set_until("s", "v", now, now.minus(Duration::from_secs(1))),
            "s=v; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"
        );
    }

    #[test]
    fn reads_a_cookie_from_any_cookie_line() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; gatehouse_mfa="));
        headers.append(
            COOKIE,
            HeaderValue::from_static("other=x;  gatehouse_session=tok-en_1"),
        );
        assert_eq!(
            read(&headers, "gatehouse_session").as_deref(),
            Some("tok-en_1")
        );
        assert_eq!(read(&headers, "a").as_deref(), Some("1"));
        assert_eq!(
            read(&headers, "gatehouse_mfa"),
            None,
            "empty counts as absent"
        );
        assert_eq!(read(&headers, "missing"), None);
    }
}
