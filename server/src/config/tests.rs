//! Settings parsing: defaults, and a bad value naming its variable.

use super::*;

fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    Settings::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
}

#[test]
fn defaults_need_no_setup() {
    let s = settings(&[]).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(s.addr.to_string(), "127.0.0.1:3000");
    assert_eq!(s.database_url, "sqlite://data/gatehouse.db?mode=rwc");
    assert_eq!(s.public_url, "http://127.0.0.1:3000");
    assert!(!s.secure_cookies());
    assert_eq!(s.services.session_ttl, Duration::from_secs(7 * 86_400));
    assert_eq!(s.services.session_idle, Duration::from_secs(72 * 3600));
}

#[test]
fn a_bad_value_names_its_variable() {
    let err = settings(&[("GATEHOUSE_ADDR", "nowhere")]).err();
    assert_eq!(err.map(|e| e.variable), Some("GATEHOUSE_ADDR"));
    let err = settings(&[("DATABASE_URL", "mysql://x")]).err();
    assert_eq!(err.map(|e| e.variable), Some("DATABASE_URL"));
    let err = settings(&[("GATEHOUSE_SESSION_DAYS", "0")]).err();
    assert_eq!(err.map(|e| e.variable), Some("GATEHOUSE_SESSION_DAYS"));
    let err = settings(&[("GATEHOUSE_SESSION_IDLE_HOURS", "0")]).err();
    assert_eq!(
        err.map(|e| e.variable),
        Some("GATEHOUSE_SESSION_IDLE_HOURS")
    );
    let err = settings(&[("GATEHOUSE_SMTP_URL", "mail.example.com")]).err();
    assert_eq!(err.map(|e| e.variable), Some("GATEHOUSE_SMTP_URL"));
    let smtp = ("GATEHOUSE_SMTP_URL", "smtp://127.0.0.1:2525");
    let err = settings(&[smtp, ("GATEHOUSE_MAIL_FROM", "not an address")]).err();
    assert_eq!(err.map(|e| e.variable), Some("GATEHOUSE_MAIL_FROM"));
    let ok = settings(&[smtp]).unwrap_or_else(|e| unreachable!("{e}"));
    assert!(ok.services.mail.is_some());
    let err = settings(&[("GATEHOUSE_DNS_RESOLVER", "dns.example.com")]).err();
    assert_eq!(err.map(|e| e.variable), Some("GATEHOUSE_DNS_RESOLVER"));
    let ok = settings(&[("GATEHOUSE_DNS_RESOLVER", "127.0.0.1:5353")])
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(
        ok.services.dns_resolver.map(|a| a.to_string()).as_deref(),
        Some("127.0.0.1:5353")
    );
}

fn ip(text: &str) -> Option<IpAddr> {
    text.parse().ok()
}

fn proxies() -> TrustedProxies {
    TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").unwrap_or_default()
}

#[test]
fn abuse_limits_have_safe_defaults_and_bad_values_name_their_variable() {
    let s = settings(&[]).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(s.services.signup_limit_per_hour, 20);
    assert_eq!(s.services.hash_queue, 8 * s.services.hash_concurrency);
    assert_eq!(s.services.hash_cost, crate::passwords::HashCost::OWASP);
    assert_eq!(s.services.audit_retention, days_of(400));
    let set = settings(&[
        ("GATEHOUSE_SIGNUP_LIMIT_PER_HOUR", "0"),
        ("GATEHOUSE_HASH_QUEUE", " 0 "),
        ("GATEHOUSE_AUDIT_RETENTION_DAYS", "2555"),
    ]);
    let set = set.unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(set.services.signup_limit_per_hour, 0, "0 turns it off");
    assert_eq!(set.services.hash_queue, 0);
    assert_eq!(set.services.hash_cost, crate::passwords::HashCost::OWASP);
    assert_eq!(set.services.audit_retention, days_of(2555));
    for (variable, bad) in [
        ("GATEHOUSE_SIGNUP_LIMIT_PER_HOUR", "-1"),
        ("GATEHOUSE_SIGNUP_LIMIT_PER_HOUR", "twenty"),
        ("GATEHOUSE_HASH_QUEUE", "10001"),
        ("GATEHOUSE_HASH_QUEUE", "many"),
        ("GATEHOUSE_AUDIT_RETENTION_DAYS", "0"),
        ("GATEHOUSE_AUDIT_RETENTION_DAYS", "1.5"),
    ] {
        let err = settings(&[(variable, bad)]).err();
        assert_eq!(err.as_ref().map(|e| e.variable), Some(variable), "{bad}");
        let message = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains(&format!("{bad:?} is not a whole number")),
            "{message}"
        );
    }
}

#[test]
fn forwarded_for_is_believed_only_from_trusted_proxies() {
    let xff = ["203.0.113.9, 10.1.2.3"];
    assert_eq!(proxies().client_ip(ip("127.0.0.1"), xff), ip("203.0.113.9"));
    assert_eq!(
        proxies().client_ip(ip("198.51.100.1"), xff),
        ip("198.51.100.1"),
        "an untrusted peer's header is ignored"
    );
    assert_eq!(proxies().client_ip(ip("127.0.0.1"), []), ip("127.0.0.1"));
    assert_eq!(
        TrustedProxies::default().client_ip(ip("127.0.0.1"), xff),
        ip("127.0.0.1")
    );
    assert!(TrustedProxies::parse("10.0.0.0/8, nonsense").is_err());
    let err = settings(&[("GATEHOUSE_TRUSTED_PROXIES", "x")]).err();
    assert_eq!(err.map(|e| e.variable), Some("GATEHOUSE_TRUSTED_PROXIES"));
}

#[test]
fn spoofed_left_most_entries_are_ignored() {
    // The client wrote the first two; our proxy appended the address it saw.
    let xff = ["1.1.1.1, 10.9.9.9, 198.51.100.7"];
    assert_eq!(proxies().client_ip(ip("10.0.0.2"), xff), ip("198.51.100.7"));
}

#[test]
fn every_forwarded_for_line_is_one_list_in_order() {
    // A client's own header line first, the proxy's appended line last.
    let lines = ["1.1.1.1", "198.51.100.7, 10.0.0.3"];
    assert_eq!(
        proxies().client_ip(ip("10.0.0.2"), lines),
        ip("198.51.100.7")
    );
    let lines = ["198.51.100.7", "1.1.1.1"];
    assert_eq!(
        proxies().client_ip(ip("10.0.0.2"), lines),
        ip("1.1.1.1"),
        "the right-most line is the nearest hop, not the first"
    );
}

#[test]
fn when_every_hop_is_trusted_the_left_most_is_the_client() {
    let xff = ["10.0.0.7, 10.0.0.3"];
    assert_eq!(proxies().client_ip(ip("127.0.0.1"), xff), ip("10.0.0.7"));
}

#[test]
fn an_unreadable_entry_ends_the_walk_at_the_hop_that_reported_it() {
    // Whatever is left of an entry we cannot read is unverifiable: it must not be believed,
    // so the trusted hop that reported the entry stands in for the client.
    for xff in [
        "1.1.1.1, unknown, 10.0.0.3",
        "1.1.1.1, 999.0.0.1, 10.0.0.3",
        "1.1.1.1, 198.51.100.7 10.0.0.4, 10.0.0.3",
    ] {
        assert_eq!(
            proxies().client_ip(ip("10.0.0.2"), [xff]),
            ip("10.0.0.3"),
            "{xff:?}"
        );
    }
    assert_eq!(
        proxies().client_ip(ip("10.0.0.2"), ["1.1.1.1, garbage"]),
        ip("10.0.0.2"),
        "the peer reported it"
    );
    // Empty list elements are allowed by HTTP's list syntax and mean nothing.
    let xff = ["198.51.100.7, , 10.0.0.3,"];
    assert_eq!(proxies().client_ip(ip("10.0.0.2"), xff), ip("198.51.100.7"));
    // Addresses with a port, as some proxies write them, are still addresses.
    let xff = ["1.1.1.1, 198.51.100.7:51234, [2001:db8::1]:443"];
    assert_eq!(proxies().client_ip(ip("10.0.0.2"), xff), ip("2001:db8::1"));
}

#[test]
fn an_https_public_url_makes_cookies_secure() {
    let s = settings(&[("GATEHOUSE_PUBLIC_URL", "https://id.example.com/")]);
    let s = s.unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(s.public_url, "https://id.example.com");
    assert!(s.secure_cookies());
}

#[test]
fn the_public_origin_is_the_public_urls_scheme_and_authority() {
    let origin = |url: &str| settings(&[("GATEHOUSE_PUBLIC_URL", url)]).map(|s| s.public_origin);
    let id = origin("https://ID.Example.com/").unwrap_or_else(|e| unreachable!("{e}"));
    assert!(id.is_https());
    assert_eq!(
        (id.host(), id.port(), id.authority()),
        ("id.example.com", 443, "id.example.com".to_string())
    );
    assert_eq!(id.origin(), "https://id.example.com");
    let v6 = origin("http://[::1]:8080").unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(v6.origin(), "http://[::1]:8080");
    let default_port = origin("https://id.example.com:443/base");
    let default_port = default_port.unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(default_port.origin(), "https://id.example.com");
    for bad in [
        "id.example.com",
        "ftp://id.example.com",
        "https://",
        "https://user:pw@id.example.com",
        "https://id.example.com/?x=1",
    ] {
        let err = origin(bad).err().map(|e| e.variable);
        assert_eq!(err, Some("GATEHOUSE_PUBLIC_URL"), "{bad}");
    }

    let local = settings(&[]).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(local.public_origin.origin(), "http://127.0.0.1:3000");
    let everywhere = settings(&[("GATEHOUSE_ADDR", "0.0.0.0:3000")]).err();
    assert_eq!(
        everywhere.map(|e| e.variable),
        Some("GATEHOUSE_PUBLIC_URL"),
        "on every interface the public URL cannot be guessed"
    );
    let named = settings(&[
        ("GATEHOUSE_ADDR", "0.0.0.0:3000"),
        ("GATEHOUSE_PUBLIC_URL", "https://id.example.com"),
    ]);
    assert!(named.is_ok());
}

#[test]
fn providers_are_read_and_misconfigurations_named() {
    let google = [
        ("GATEHOUSE_GOOGLE_CLIENT_ID", "id"),
        ("GATEHOUSE_GOOGLE_CLIENT_SECRET", "secret"),
    ];
    let corp = [
        ("GATEHOUSE_OIDC_PROVIDERS", "google-x, corp-id"),
        ("GATEHOUSE_OIDC_GOOGLE_X_ISSUER", "https://x.example.com"),
        ("GATEHOUSE_OIDC_GOOGLE_X_CLIENT_ID", "x"),
        ("GATEHOUSE_OIDC_GOOGLE_X_CLIENT_SECRET", "xs"),
        ("GATEHOUSE_OIDC_CORP_ID_ISSUER", "http://127.0.0.1:4455"),
        ("GATEHOUSE_OIDC_CORP_ID_CLIENT_ID", "c"),
        ("GATEHOUSE_OIDC_CORP_ID_CLIENT_SECRET", "cs"),
        ("GATEHOUSE_OIDC_CORP_ID_NAME", "Corp SSO"),
    ];
    let all: Vec<_> = google.iter().chain(corp.iter()).copied().collect();
    let s = settings(&all).unwrap_or_else(|e| unreachable!("{e}"));
    let names: Vec<_> = s
        .services
        .providers
        .iter()
        .map(|p| (p.key.as_str(), p.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("google", "Google"),
            ("google-x", "Google-x"),
            ("corp-id", "Corp SSO")
        ]
    );

    let half_google = settings(&google[..1]).err().map(|e| e.variable);
    assert_eq!(half_google, Some("GATEHOUSE_GOOGLE_CLIENT_SECRET"));
    let no_issuer = settings(&[("GATEHOUSE_OIDC_PROVIDERS", "corp")]).err();
    assert!(no_issuer.is_some_and(|e| e.message.contains("GATEHOUSE_OIDC_CORP_ISSUER")));
    let plain_http = settings(&[
        ("GATEHOUSE_OIDC_PROVIDERS", "corp"),
        ("GATEHOUSE_OIDC_CORP_ISSUER", "http://id.example.com"),
    ])
    .err();
    assert!(plain_http.is_some_and(|e| e.message.contains("https://")));
    for lookalike in [
        "http://localhost.evil.example",
        "http://127.0.0.1.evil.example",
        "ftp://[::1]",
    ] {
        let refused = settings(&[
            ("GATEHOUSE_OIDC_PROVIDERS", "corp"),
            ("GATEHOUSE_OIDC_CORP_ISSUER", lookalike),
        ])
        .err();
        assert!(
            refused.is_some_and(|e| e.message.contains("https://")),
            "{lookalike}"
        );
    }
    let bad_key = settings(&[("GATEHOUSE_OIDC_PROVIDERS", "Corp SSO")]).err();
    assert_eq!(
        bad_key.map(|e| e.variable),
        Some("GATEHOUSE_OIDC_PROVIDERS")
    );
}

#[test]
fn metrics_are_off_by_default_and_served_where_asked() {
    let off = settings(&[]).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(off.metrics, MetricsExposure::Off);
    let with_app = settings(&[("GATEHOUSE_METRICS", "on")]).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(with_app.metrics, MetricsExposure::WithApp);
    let own = settings(&[
        ("GATEHOUSE_METRICS", "ON"),
        ("GATEHOUSE_METRICS_ADDR", "127.0.0.1:9100"),
    ])
    .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(
        own.metrics,
        MetricsExposure::Own(SocketAddr::from(([127, 0, 0, 1], 9100)))
    );
    for bad in [
        vec![("GATEHOUSE_METRICS", "yes")],
        vec![("GATEHOUSE_METRICS_ADDR", "127.0.0.1:9100")],
        vec![
            ("GATEHOUSE_METRICS", "on"),
            ("GATEHOUSE_METRICS_ADDR", "nowhere"),
        ],
        vec![
            ("GATEHOUSE_METRICS", "on"),
            ("GATEHOUSE_METRICS_ADDR", "127.0.0.1:3000"),
        ],
    ] {
        let variable = settings(&bad).err().map(|e| e.variable);
        assert!(
            variable.is_some_and(|v| v.starts_with("GATEHOUSE_METRICS")),
            "{bad:?}: {variable:?}"
        );
    }
}
