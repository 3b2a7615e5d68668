//! Settings read once at start-up from environment variables, with zero-set-up defaults.
//! A bad value stops start-up with a message naming the variable.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::passwords::HashCost;
use crate::secret_key::SecretKey;

mod providers;

pub use crate::mail::MailSettings;
pub use providers::ProviderSettings;

/// Knobs the domain services need.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// How long a session lives after sign-in.
    pub session_ttl: Duration,
    /// A session unused for this long ends (`GATEHOUSE_SESSION_IDLE_HOURS`).
    pub session_idle: Duration,
    /// How many password hashes may run at once (each takes 19 MiB and one core for ~40 ms).
    pub hash_concurrency: usize,
    /// How many more may wait for their turn; past that a request needing a hash is refused
    /// at once (`Busy`). New passwords (sign-up, reset, change) may hold only half of the
    /// places, so a flood of them cannot crowd sign-ins out.
    pub hash_queue: usize,
    /// What a new password hash costs: always [`HashCost::OWASP`] in the server (no variable
    /// sets it); the integration tests lower it.
    pub hash_cost: HashCost,
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
    /// The DNS server that checks organizations' domain records (`GATEHOUSE_DNS_RESOLVER`,
    /// `ip:port`); `None` uses the system's (`/etc/resolv.conf`).
    pub dns_resolver: Option<SocketAddr>,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            session_ttl: days_of(7),
            session_idle: Duration::from_secs(72 * 3600),
            hash_concurrency: default_hashers(),
            hash_queue: HASH_QUEUE_PER_HASHER * default_hashers(),
            hash_cost: HashCost::OWASP,
            public_url: "http://127.0.0.1:3000".into(),
            mail: None,
            secret_key: SecretKey::ephemeral(),
            providers: Vec::new(),
            signup_limit_per_hour: 20,
            audit_retention: days_of(400),
            dns_resolver: None,
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
    /// Origin used in links, without a trailing slash.
    pub public_url: String,
    /// `public_url` parsed: the only site browsers may act from, and whether it is https.
    pub public_origin: PublicOrigin,
    pub services: ServiceConfig,
    pub trusted_proxies: TrustedProxies,
    /// Where the server secret key is read from.
    pub secret_key_file: PathBuf,
    /// Whether a missing key file is generated (the embedded SQLite default only: instances
    /// sharing a PostgreSQL database must share one key, so there it has to be provided).
    pub generate_secret_key: bool,
    /// Where `/metrics` is served, if anywhere.
    pub metrics: MetricsExposure,
}

/// Whether and where the Prometheus endpoint `/metrics` is served (`GATEHOUSE_METRICS`,
/// `GATEHOUSE_METRICS_ADDR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsExposure {
    Off,
    /// Beside the app, on `GATEHOUSE_ADDR`.
    WithApp,
    /// On its own listener, so it need not be reachable by the public.
    Own(SocketAddr),
}

/// Where people reach this server: the scheme and authority of `GATEHOUSE_PUBLIC_URL` (or of
/// the listen address when it is unset). It decides HSTS, the cookies' `Secure` flag and
/// `__Host-` prefix, and which `Host` and `Origin` a state-changing request must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicOrigin {
    https: bool,
    /// Lowercase, IPv6 in brackets.
    host: String,
    /// `None` for the scheme's default port, as browsers leave it out.
    port: Option<u16>,
}

impl PublicOrigin {
    /// An absolute `http://` or `https://` URL with a host and no credentials, query or fragment.
    pub fn parse(url: &str) -> Result<Self, String> {
        // `openidconnect` re-exports the `url` crate; no second copy of it.
        use openidconnect::url::Url;
        let parsed = Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
        let https = match parsed.scheme() {
            "https" => true,
            "http" => false,
            _ => return Err("must start with http:// or https://".into()),
        };
        let host = parsed
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| format!("{url:?} has no host"))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("must not contain a user name or password".into());
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err("must not contain a query (?) or fragment (#)".into());
        }
        Ok(Self {
            https,
            host: host.to_ascii_lowercase(),
            port: parsed.port(),
        })
    }

    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The host alone: `id.example.com`, `127.0.0.1`, `[::1]`.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port requests arrive on, the scheme's default when the URL names none.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(if self.https { 443 } else { 80 })
    }

    /// `host[:port]`, as browsers write it in `Host`.
    pub fn authority(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{port}", self.host),
            None => self.host.clone(),
        }
    }

    /// `scheme://host[:port]`, as browsers write it in `Origin`.
    pub fn origin(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.authority())
    }
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

    /// The client's address. Only a trusted proxy's `X-Forwarded-For` is believed: when the
    /// socket peer is one, the header's lines (`forwarded_for`, in order) form one list, walked
    /// from the right past trusted proxies; the first other address is the client. Entries left
    /// of it were written by the client and may be spoofed. An entry that is not an address
    /// ends the walk: nothing left of it can be checked, so the trusted hop that reported it
    /// stands in for the client. When every hop is trusted, the left-most one is the client.
    pub fn client_ip<'a>(
        &self,
        peer: Option<IpAddr>,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusts(&peer) {
            return Some(peer);
        }
        let lines: Vec<&str> = forwarded_for.into_iter().collect();
        let mut client = peer;
        for entry in lines.iter().rev().flat_map(|line| line.rsplit(',')) {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let Some(hop) = parse_hop(entry) else {
                break;
            };
            client = hop;
            if !self.trusts(&hop) {
                break;
            }
        }
        Some(client)
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

/// One `X-Forwarded-For` entry: an address, or an address with a port as some proxies write it.
fn parse_hop(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|addr| addr.ip()))
        .ok()
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
            Some(url) => url.trim().trim_end_matches('/').to_string(),
            // Every interface: the address people type is unknown, and requests must name it.
            None if addr.ip().is_unspecified() => {
                return Err(ConfigError {
                    variable: "GATEHOUSE_PUBLIC_URL",
                    message: format!(
                        "is required when GATEHOUSE_ADDR ({addr}) listens on every interface: set \
                         it to the URL people open, e.g. https://id.example.com"
                    ),
                });
            }
            None => format!("http://{addr}"),
        };
        let public_origin = PublicOrigin::parse(&public_url).map_err(|message| ConfigError {
            variable: "GATEHOUSE_PUBLIC_URL",
            message,
        })?;
        let mut services = ServiceConfig::default();
        if let Some(days) = whole_number(&get, "GATEHOUSE_SESSION_DAYS", 1..=365, "days")? {
            services.session_ttl = days_of(days);
        }
        if let Some(hours) = get("GATEHOUSE_SESSION_IDLE_HOURS") {
            let hours: u64 = hours
                .trim()
                .parse()
                .ok()
                .filter(|h| (1..=8760).contains(h))
                .ok_or(ConfigError {
                    variable: "GATEHOUSE_SESSION_IDLE_HOURS",
                    message: "must be a whole number of hours from 1 to 8760".into(),
                })?;
            services.session_idle = Duration::from_secs(hours * 3600);
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
        if let Some(text) = get("GATEHOUSE_DNS_RESOLVER") {
            let resolver = text.trim().parse().map_err(|_| ConfigError {
                variable: "GATEHOUSE_DNS_RESOLVER",
                message: format!("{text:?} is not an address such as 127.0.0.1:53"),
            })?;
            services.dns_resolver = Some(resolver);
        }
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
        let metrics = metrics_exposure(&get, addr)?;
        Ok(Self {
            addr,
            data_dir,
            database_url,
            public_url,
            public_origin,
            services,
            trusted_proxies,
            secret_key_file,
            generate_secret_key,
            metrics,
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

    /// Whether cookies must carry `Secure` (and the `__Host-` prefix).
    pub fn secure_cookies(&self) -> bool {
        self.public_origin.is_https()
    }
}

#[cfg(test)]
mod tests;

fn metrics_exposure(
    get: &dyn Fn(&str) -> Option<String>,
    app: SocketAddr,
) -> Result<MetricsExposure, ConfigError> {
    let on = match get("GATEHOUSE_METRICS").map(|v| v.trim().to_ascii_lowercase()) {
        None => false,
        Some(v) if v == "on" => true,
        Some(v) if v == "off" => false,
        Some(v) => {
            return Err(ConfigError {
                variable: "GATEHOUSE_METRICS",
                message: format!("{v:?} is neither on nor off"),
            });
        }
    };
    let Some(text) = get("GATEHOUSE_METRICS_ADDR") else {
        return Ok(if on {
            MetricsExposure::WithApp
        } else {
            MetricsExposure::Off
        });
    };
    let addr: SocketAddr = text.trim().parse().map_err(|_| ConfigError {
        variable: "GATEHOUSE_METRICS_ADDR",
        message: format!("{text:?} is not an address such as 127.0.0.1:9100"),
    })?;
    if !on {
        return Err(ConfigError {
            variable: "GATEHOUSE_METRICS_ADDR",
            message: "is set but metrics are off: add GATEHOUSE_METRICS=on".into(),
        });
    }
    if addr == app {
        return Err(ConfigError {
            variable: "GATEHOUSE_METRICS_ADDR",
            message: format!("{addr} is GATEHOUSE_ADDR too; leave it unset to serve metrics there"),
        });
    }
    Ok(MetricsExposure::Own(addr))
}
