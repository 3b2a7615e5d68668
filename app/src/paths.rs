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
