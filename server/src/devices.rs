//! Human names for the device behind a session — "Chrome on Windows", "Mobile Safari on iOS" —
//! from the User-Agent (parsed by the `woothee` crate) and, where the browser sends them, the
//! User-Agent Client Hints, which are preferred.

use crate::vocab::{ClientHints, ClientInfo};

pub const UNKNOWN_DEVICE: &str = "Unknown device";

/// "Chrome on Windows" and the like, for the client behind a request.
pub fn of(client: &ClientInfo) -> String {
    describe(&client.user_agent, &client.hints)
}

/// "<browser> on <operating system>", either alone when only one is known, or "Unknown device".
pub fn describe(user_agent: &str, hints: &ClientHints) -> String {
    let parsed = woothee::parser::Parser::new().parse(user_agent);
    let ua_os = parsed.as_ref().and_then(|p| os_name(p.os));
    let os = hints.platform.as_deref().and_then(platform_name).or(ua_os);
    let ua_browser = parsed
        .as_ref()
        .and_then(|p| browser_name(p.name, os.as_deref()));
    // A specific brand ("Microsoft Edge", "Google Chrome") beats the User-Agent; the generic
    // "Chromium" only fills in when the User-Agent says nothing.
    let brand = hints.brands.as_deref().and_then(brand_name);
    let browser = match brand {
        Some(brand) if brand != "Chromium" => Some(brand),
        brand => ua_browser.or(brand),
    };
    match (browser, os) {
        (Some(browser), Some(os)) => format!("{browser} on {os}"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => UNKNOWN_DEVICE.to_string(),
    }
}

fn os_name(os: &str) -> Option<String> {
    let name = match os {
        "Mac OSX" => "macOS",
        "iPhone" | "iPod" => "iOS",
        "iPad" => "iPadOS",
        "ChromeOS" => "ChromeOS",
        "UNKNOWN" | "" => return None,
        windows if windows.starts_with("Windows") => "Windows",
        other => other,
    };
    Some(name.to_string())
}

fn browser_name(name: &str, os: Option<&str>) -> Option<String> {
    let mobile_apple = matches!(os, Some("iOS" | "iPadOS"));
    let name = match name {
        "UNKNOWN" | "" => return None,
        "Safari" if mobile_apple => "Mobile Safari",
        other => other,
    };
    Some(name.to_string())
}

fn unquote(text: &str) -> &str {
    text.trim().trim_matches('"').trim()
}

fn platform_name(platform: &str) -> Option<String> {
    match unquote(platform) {
        "" | "Unknown" => None,
        "Chrome OS" | "Chromium OS" => Some("ChromeOS".to_string()),
        other if other.len() <= 32 => Some(other.to_string()),
        _ => None,
    }
}

/// The most specific real brand in a `Sec-CH-UA` list (GREASE entries such as "Not?A_Brand" are
/// ignored; "Chromium" only when nothing more specific is listed).
fn brand_name(brands: &str) -> Option<String> {
    let listed: Vec<&str> = brands
        .split(',')
        .filter_map(|entry| entry.split(';').next().map(unquote))
        .filter(|brand| !(brand.contains("Not") && brand.contains("Brand")))
        .collect();
    let known = [
        ("Microsoft Edge", "Edge"),
        ("Opera", "Opera"),
        ("Brave", "Brave"),
        ("Vivaldi", "Vivaldi"),
        ("Google Chrome", "Chrome"),
        ("Chromium", "Chromium"),
    ];
    known
        .iter()
        .find(|(brand, _)| listed.contains(brand))
        .map(|(_, name)| (*name).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAFARI_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
    const CHROME_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
    const FIREFOX_LINUX: &str =
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

    fn plain(ua: &str) -> String {
        describe(ua, &ClientHints::default())
    }

    #[test]
    fn common_browsers_get_readable_names() {
        assert_eq!(plain(SAFARI_MAC), "Safari on macOS");
        assert_eq!(plain(CHROME_WINDOWS), "Chrome on Windows");
        assert_eq!(plain(FIREFOX_LINUX), "Firefox on Linux");
        assert_eq!(plain(SAFARI_IPHONE), "Mobile Safari on iOS");
    }

    #[test]
    fn unparseable_agents_are_unknown_devices() {
        assert_eq!(plain(""), UNKNOWN_DEVICE);
        assert_eq!(plain("???"), UNKNOWN_DEVICE);
    }

    #[test]
    fn client_hints_are_preferred() {
        let hints = ClientHints {
            platform: Some("\"macOS\"".into()),
            brands: Some(
                "\"Not)A;Brand\";v=\"8\", \"Chromium\";v=\"138\", \"Microsoft Edge\";v=\"138\""
                    .into(),
            ),
        };
        assert_eq!(describe(CHROME_WINDOWS, &hints), "Edge on macOS");
        let chromium_only = ClientHints {
            platform: Some("\"Linux\"".into()),
            brands: Some("\"Chromium\";v=\"156\", \"Not?A_Brand\";v=\"99\"".into()),
        };
        assert_eq!(describe("", &chromium_only), "Chromium on Linux");
        assert_eq!(describe(CHROME_WINDOWS, &chromium_only), "Chrome on Linux");
        let empty = ClientHints {
            platform: Some("\"\"".into()),
            brands: Some(String::new()),
        };
        assert_eq!(describe(FIREFOX_LINUX, &empty), "Firefox on Linux");
    }
}
