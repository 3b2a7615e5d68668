//! Where a sign-in may send the browser afterwards. Only paths of this site: anything that could
//! leave it (`//host`, `/\host`, a scheme, control characters) falls back to the home page.
//! And how links here carry values in their query.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// `next` when it is a safe local path, else `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && path.len() <= 512
                && !path.chars().any(|c| c.is_control() || c == '\\') =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

/// What a query value or path segment keeps as is: RFC 3986's unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a query value (or a path segment): everything but the unreserved characters.
pub fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// `path` with a query of `params` (each value encoded), leaving out the absent ones:
/// `with_query("/login", &[("next", Some("/a"))])` is `/login?next=%2Fa`.
pub fn with_query(path: &str, params: &[(&str, Option<&str>)]) -> String {
    let query: Vec<String> = params
        .iter()
        .filter_map(|(name, value)| Some(format!("{name}={}", encode((*value)?))))
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// The second step of a sign-in that goes on to `next` afterwards.
pub fn mfa_step(next: &str) -> String {
    with_query("/login/mfa", &[("next", (next != "/").then_some(next))])
}

/// The organization chooser of a sign-in that goes on to `next` afterwards.
pub fn choose_organization_step(next: &str) -> String {
    with_query(
        "/choose-organization",
        &[("next", (next != "/").then_some(next))],
    )
}

/// Where a completed sign-in goes: to `next`, through the organization chooser first when the
/// sign-in asks which organization to enter — unless `next` is an invitation, whose acceptance
/// enters the invited organization anyway.
pub fn after_sign_in(next: &str, choose_organization: bool) -> String {
    if choose_organization && !next.starts_with("/invite/") {
        choose_organization_step(next)
    } else {
        next.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{after_sign_in, encode, mfa_step, safe_next, with_query};

    #[test]
    fn query_values_keep_only_unreserved_characters() {
        assert_eq!(encode("aZ09-_.~"), "aZ09-_.~");
        assert_eq!(
            encode("/settings/members?page=2&x=a b+c"),
            "%2Fsettings%2Fmembers%3Fpage%3D2%26x%3Da%20b%2Bc"
        );
        assert_eq!(encode("é\n*"), "%C3%A9%0A%2A");
        assert_eq!(
            with_query(
                "/login",
                &[("link", Some("corp id")), ("next", Some("/invite/t"))]
            ),
            "/login?link=corp%20id&next=%2Finvite%2Ft"
        );
        assert_eq!(
            with_query("/auth/x/start", &[("next", None)]),
            "/auth/x/start"
        );
        assert_eq!(mfa_step("/"), "/login/mfa");
        assert_eq!(mfa_step("/settings"), "/login/mfa?next=%2Fsettings");
    }

    #[test]
    fn a_sign_in_that_asks_goes_through_the_chooser_keeping_its_destination() {
        assert_eq!(after_sign_in("/", true), "/choose-organization");
        assert_eq!(
            after_sign_in("/projects?page=2", true),
            "/choose-organization?next=%2Fprojects%3Fpage%3D2"
        );
        assert_eq!(after_sign_in("/projects", false), "/projects");
        assert_eq!(after_sign_in("/invite/abc", true), "/invite/abc");
    }

    #[test]
    fn only_local_paths_pass() {
        assert_eq!(safe_next(Some("/invite/abc")), "/invite/abc");
        assert_eq!(
            safe_next(Some("/settings/members?page=2")),
            "/settings/members?page=2"
        );
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "evil",
            "/a\\b",
            "/a\nb",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
