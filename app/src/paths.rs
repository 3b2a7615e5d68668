//! Where a sign-in may send the browser afterwards. Only paths of this site: anything that could
//! leave it (`//host`, `/\host`, a scheme, control characters) falls back to the home page.

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

/// Percent-encodes a query value.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The second step of a sign-in that goes on to `next` afterwards.
pub fn mfa_step(next: &str) -> String {
    if next == "/" {
        "/login/mfa".to_string()
    } else {
        format!("/login/mfa?next={}", encode(next))
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

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
