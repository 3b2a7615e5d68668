//! Settings read once at start-up from environment variables, with zero-set-up defaults.
//! A bad value stops start-up with a message naming the variable.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::secret_key::SecretKey;

/// Knobs the domain services need.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// How long a session lives after sign-in.
    pub session_ttl: Duration,
    /// How many password hashes may run at once (each takes 19 MiB and one core for ~40 ms).
    pub hash_concurrency: usize,
    /// How many more may wait for their turn; past that a request needing a hash is refused
    /// at once (`Busy`). New passwords (sign-up, reset, change) may hold only half of the
    /// places, so a flood of them cannot crowd sign-ins out.
    pub hash_queue: usize,
    /// Origin of the links put in emails and shown to inviters, without a trailing slash.
    pub public_url: String,
    /// Outgoing mail; without it invitation links are only shown to the inviter and password
    /// reset goes through an administrator.
    pub mail: Option<MailSettings>,
    /// Seals second-factor secrets and keys backup-code hashes.
    pub secret_key: SecretKey,
    /// OpenID Connect providers people may sign in with (discovered at start-up).
    pub providers: Vec<ProviderSettings>,
    /// New accounts per client address and hour, with a password or through a provider;
    /// 0 turns the limit off (benchmarks).
    pub signup_limit_per_hour: u32,
    /// How long audit events (and the hourly counts of throttled requests) are kept.
    pub audit_retention: Duration,
}

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
    fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Self>, ConfigError> {
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
            let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
                .iter()
                .any(|origin| issuer.starts_with(origin));
            if !(issuer.starts_with("https://") || loopback) {
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

/// Where and as whom mail is sent.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `smtp://host:port` (plain), `smtp://…?tls=required` (STARTTLS) or `smtps://…`, with
    /// optional `user:password@`.
    pub smtp_url: String,
    /// The From header, e.g. `Gatehouse <no-reply@example.com>`.
    pub from: String,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            session_ttl: days_of(7),
            hash_concurrency: default_hashers(),
            hash_queue: HASH_QUEUE_PER_HASHER * default_hashers(),
            public_url: "http://127.0.0.1:3000".into(),
            mail: None,
            secret_key: SecretKey::ephemeral(),
            providers: Vec::new(),
            signup_limit_per_hour: 20,
            audit_retention: days_of(400),
        }
    }
}

/// Waiting places per hashing thread by default: at ~40 ms a hash, a new arrival waits at most
/// about a third of a second.
const HASH_QUEUE_PER_HASHER: usize = 8;
const HASH_QUEUE_MAX: usize = 10_000;

fn default_hashers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
}

/// The whole application's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// Origin used in links and to decide the cookie's `Secure` flag, without a trailing slash.
    pub public_url: String,
    pub services: ServiceConfig,
    pub trusted_proxies: TrustedProxies,
    /// Where the server secret key is read from.
    pub secret_key_file: PathBuf,
    /// Whether a missing key file is generated (the embedded SQLite default only: instances
    /// sharing a PostgreSQL database must share one key, so there it has to be provided).
    pub generate_secret_key: bool,
}

/// Reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl TrustedProxies {
    /// Comma-separated addresses or CIDR ranges, e.g. `10.0.0.0/8, 127.0.0.1`.
    pub fn parse(text: &str) -> Result<Self, String> {
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<ipnet::IpNet>()
                    .or_else(|_| part.parse::<IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| format!("{part:?} is not an IP address or CIDR range"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: &IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The client's address: the socket peer, unless the peer is a trusted proxy — then the
    /// right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
    pub fn client_ip(&self, peer: Option<IpAddr>, forwarded_for: Option<&str>) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusts(&peer) {
            return Some(peer);
        }
        let hops: Vec<IpAddr> = forwarded_for
            .unwrap_or_default()
            .split(',')
            .filter_map(|hop| hop.trim().parse().ok())
            .collect();
        hops.iter()
            .rev()
            .find(|hop| !self.trusts(hop))
            .or(hops.first())
            .copied()
            .or(Some(peer))
    }
}

/// The whole number `variable` holds, when set: `range` bounds it, and anything else is an
/// error naming the variable and what the number counts.
fn whole_number<T>(
    get: &dyn Fn(&str) -> Option<String>,
    variable: &'static str,
    range: RangeInclusive<T>,
    what: &str,
) -> Result<Option<T>, ConfigError>
where
    T: FromStr + PartialOrd + fmt::Display,
{
    let Some(text) = get(variable) else {
        return Ok(None);
    };
    let number = text.trim().parse().ok().filter(|n| range.contains(n));
    number.map(Some).ok_or_else(|| ConfigError {
        variable,
        message: format!(
            "{text:?} is not a whole number of {what} from {} to {}",
            range.start(),
            range.end()
        ),
    })
}

fn days_of(days: u64) -> Duration {
    Duration::from_secs(days * 24 * 3600)
}

#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl Settings {
    /// Reads settings through `lookup` (the process environment in production).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let addr_text = get("GATEHOUSE_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into());
        let addr: SocketAddr = addr_text.trim().parse().map_err(|_| ConfigError {
            variable: "GATEHOUSE_ADDR",
            message: format!("{addr_text:?} is not an address such as 127.0.0.1:3000"),
        })?;
        let data_dir = PathBuf::from(get("GATEHOUSE_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = match get("DATABASE_URL") {
            Some(url) => {
                crate::db::Backend::of_url(&url).ok_or_else(|| ConfigError {
                    variable: "DATABASE_URL",
                    message: "must start with sqlite:, postgres:// or postgresql://".into(),
                })?;
                url
            }
            None => format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("gatehouse.db").display()
            ),
        };
        let public_url = match get("GATEHOUSE_PUBLIC_URL") {
            Some(url) => {
                let url = url.trim().trim_end_matches('/').to_string();
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(ConfigError {
                        variable: "GATEHOUSE_PUBLIC_URL",
                        message: "must start with http:// or https://".into(),
                    });
                }
                url
            }
            None => format!("http://{addr}"),
        };
        let mut services = ServiceConfig::default();
        if let Some(days) = whole_number(&get, "GATEHOUSE_SESSION_DAYS", 1..=365, "days")? {
            services.session_ttl = days_of(days);
        }
        services.public_url = public_url.clone();
        if let Some(smtp_url) = get("GATEHOUSE_SMTP_URL") {
            let from = get("GATEHOUSE_MAIL_FROM")
                .unwrap_or_else(|| "Gatehouse <no-reply@localhost>".into());
            crate::mail::Mailer::check(&smtp_url, &from)
                .map_err(|(variable, message)| ConfigError { variable, message })?;
            services.mail = Some(MailSettings {
                smtp_url: smtp_url.trim().to_string(),
                from: from.trim().to_string(),
            });
        }
        services.providers = ProviderSettings::from_lookup(&get)?;
        let queue = whole_number(
            &get,
            "GATEHOUSE_HASH_QUEUE",
            0..=HASH_QUEUE_MAX,
            "waiting password hashes",
        )?;
        services.hash_queue = queue.unwrap_or(services.hash_queue);
        let days = whole_number(&get, "GATEHOUSE_AUDIT_RETENTION_DAYS", 1..=36_500, "days")?;
        services.audit_retention = days.map_or(services.audit_retention, days_of);
        let limit = whole_number(
            &get,
            "GATEHOUSE_SIGNUP_LIMIT_PER_HOUR",
            0..=100_000,
            "sign-ups per client address and hour",
        )?;
        services.signup_limit_per_hour = limit.unwrap_or(services.signup_limit_per_hour);
        let trusted_proxies = match get("GATEHOUSE_TRUSTED_PROXIES") {
            Some(text) => TrustedProxies::parse(&text).map_err(|message| ConfigError {
                variable: "GATEHOUSE_TRUSTED_PROXIES",
                message,
            })?,
            None => TrustedProxies::default(),
        };
        let (secret_key_file, generate_secret_key) = match get("GATEHOUSE_SECRET_KEY_FILE") {
            Some(path) => (PathBuf::from(path.trim()), false),
            None if crate::db::Backend::of_url(&database_url)
                == Some(crate::db::Backend::Sqlite) =>
            {
                (data_dir.join("secret.key"), true)
            }
            None => {
                return Err(ConfigError {
                    variable: "GATEHOUSE_SECRET_KEY_FILE",
                    message: "is required with PostgreSQL (every instance must use the same \
                              key): create one with `openssl rand -base64 32 > secret.key` and \
                              keep it private"
                        .into(),
                });
            }
        };
        Ok(Self {
            addr,
            data_dir,
            database_url,
            public_url,
            services,
            trusted_proxies,
            secret_key_file,
            generate_secret_key,
        })
    }

    /// Reads (or, for the embedded default, first generates) the server secret key into the
    /// service settings. Call after the data directory exists.
    pub fn load_secret_key(&mut self) -> Result<(), ConfigError> {
        self.services.secret_key = SecretKey::load(&self.secret_key_file, self.generate_secret_key)
            .map_err(|e| ConfigError {
                variable: "GATEHOUSE_SECRET_KEY_FILE",
                message: e.to_string(),
            })?;
        Ok(())
    }

    /// Whether cookies must carry `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
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
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = settings(&[("GATEHOUSE_ADDR", "nowhere")]).err();
        assert_eq!(err.map(|e| e.variable), Some("GATEHOUSE_ADDR"));
        let err = settings(&[("DATABASE_URL", "mysql://x")]).err();
        assert_eq!(err.map(|e| e.variable), Some("DATABASE_URL"));
        let err = settings(&[("GATEHOUSE_SESSION_DAYS", "0")]).err();
        assert_eq!(err.map(|e| e.variable), Some("GATEHOUSE_SESSION_DAYS"));
        let err = settings(&[("GATEHOUSE_SMTP_URL", "mail.example.com")]).err();
        assert_eq!(err.map(|e| e.variable), Some("GATEHOUSE_SMTP_URL"));
        let smtp = ("GATEHOUSE_SMTP_URL", "smtp://127.0.0.1:2525");
        let err = settings(&[smtp, ("GATEHOUSE_MAIL_FROM", "not an address")]).err();
        assert_eq!(err.map(|e| e.variable), Some("GATEHOUSE_MAIL_FROM"));
        let ok = settings(&[smtp]).unwrap_or_else(|e| unreachable!("{e}"));
        assert!(ok.services.mail.is_some());
    }

    #[test]
    fn abuse_limits_have_safe_defaults_and_bad_values_name_their_variable() {
        let s = settings(&[]).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(s.services.signup_limit_per_hour, 20);
        assert_eq!(s.services.hash_queue, 8 * s.services.hash_concurrency);
        assert_eq!(s.services.audit_retention, days_of(400));
        let set = settings(&[
            ("GATEHOUSE_SIGNUP_LIMIT_PER_HOUR", "0"),
            ("GATEHOUSE_HASH_QUEUE", " 0 "),
            ("GATEHOUSE_AUDIT_RETENTION_DAYS", "2555"),
        ]);
        let set = set.unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(set.services.signup_limit_per_hour, 0, "0 turns it off");
        assert_eq!(set.services.hash_queue, 0);
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
        let ip = |text: &str| text.parse::<IpAddr>().ok();
        let proxies = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").unwrap_or_default();
        let xff = Some("203.0.113.9, 10.1.2.3");
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), xff), ip("203.0.113.9"));
        assert_eq!(
            proxies.client_ip(ip("198.51.100.1"), xff),
            ip("198.51.100.1")
        );
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), None), ip("127.0.0.1"));
        assert_eq!(
            TrustedProxies::default().client_ip(ip("127.0.0.1"), xff),
            ip("127.0.0.1")
        );
        assert!(TrustedProxies::parse("10.0.0.0/8, nonsense").is_err());
        let err = settings(&[("GATEHOUSE_TRUSTED_PROXIES", "x")]).err();
        assert_eq!(err.map(|e| e.variable), Some("GATEHOUSE_TRUSTED_PROXIES"));
    }

    #[test]
    fn an_https_public_url_makes_cookies_secure() {
        let s = settings(&[("GATEHOUSE_PUBLIC_URL", "https://id.example.com/")]);
        let s = s.unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(s.public_url, "https://id.example.com");
        assert!(s.secure_cookies());
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
        let bad_key = settings(&[("GATEHOUSE_OIDC_PROVIDERS", "Corp SSO")]).err();
        assert_eq!(
            bad_key.map(|e| e.variable),
            Some("GATEHOUSE_OIDC_PROVIDERS")
        );
    }
}
