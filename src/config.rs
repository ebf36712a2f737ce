//! Typed configuration, parsed once at start: built-in defaults < TOML file (`--config` /
//! `SPORTSGATE_CONFIG`) < environment < command-line flags. A bad value is a [`ConfigError`]
//! naming the setting; the CLI turns it into exit code 2.

mod layers;
mod serpapi_key;
mod server;
mod shared;
mod unknown_keys;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;
use secrecy::SecretString;
use url::Url;

pub use self::shared::{RedisFailureMode, RedisSettings};

pub use layers::{Layers, Setting};
pub use server::{MetricsSettings, ServerSettings};

use crate::domain::league::LeagueEntry;
use crate::domain::plan::{PlanEntry, Plans};
use crate::domain::{Catalogue, ProviderKind};

/// A setting that could not be used, named the way the user set it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct ConfigError {
    pub setting: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(setting: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            setting: setting.into(),
            message: message.into(),
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object a line (CloudWatch, Loki).
    Json,
    /// Human-readable, for development.
    Pretty,
}

/// SerpApi settings. The key is a secret: its `Debug` prints `[REDACTED]`.
#[derive(Debug, Clone)]
pub struct SerpapiSettings {
    pub api_key: Option<SecretString>,
    pub base_url: Url,
    /// Upstream searches allowed per calendar month (UTC); `None` = no cap.
    pub monthly_budget: Option<u32>,
    /// Sent as `location`: SerpApi's times are wall-clock times of this place.
    pub location: String,
    /// The time zone of `location`, used to read the times back.
    pub time_zone: Tz,
    pub gl: String,
    pub hl: String,
}

#[derive(Debug, Clone)]
pub struct EspnSettings {
    pub base_url: Url,
}

/// How sportsgate treats its upstreams.
#[derive(Debug, Clone)]
pub struct UpstreamSettings {
    pub connect_timeout: Duration,
    /// Deadline for one upstream attempt, body included.
    pub timeout: Duration,
    /// Extra attempts after a transient failure (timeouts, 5xx, 429, refused connections).
    pub retries: u32,
    /// Consecutive failures that open a provider's circuit.
    pub breaker_failures: u32,
    /// How long an open circuit rejects calls before one probe is let through.
    pub breaker_cooldown: Duration,
    /// The whole time one upstream question may take across providers, retries and
    /// fallback included; kept below the request deadline so callers get our answer.
    pub budget: Duration,
}

/// Cache lifetimes per data kind and memory bound.
#[derive(Debug, Clone)]
pub struct CacheSettings {
    /// Games when any game is live or about to start.
    pub ttl_live: Duration,
    pub ttl_schedule: Duration,
    pub ttl_standings: Duration,
    pub ttl_teams: Duration,
    /// After the fresh lifetime, how long stale data is served while one background refresh runs.
    pub stale_while_revalidate: Duration,
    /// After the fresh lifetime, how long stale data may be served while the upstream fails.
    pub stale_if_error: Duration,
    /// How long a request holding a stale copy waits for the upstream before it is served
    /// the stale copy (the refresh goes on in the background).
    pub stale_if_error_wait: Duration,
    /// Upper bound on the bytes of cached responses.
    pub max_bytes: u64,
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub provider: ProviderKind,
    pub fallback: Option<ProviderKind>,
    pub serpapi: SerpapiSettings,
    pub espn: EspnSettings,
    /// Directory of recordings for the replay provider; `None` = the bundled ones.
    pub replay_dir: Option<PathBuf>,
    pub upstream: UpstreamSettings,
    pub cache: CacheSettings,
    pub log_format: LogFormat,
    pub catalogue: Catalogue,
    /// How long a graceful shutdown waits for in-flight requests.
    pub shutdown_grace: Duration,
    pub management: ManagementSettings,
    pub server: ServerSettings,
    pub metrics: MetricsSettings,
    /// `SPORTSGATE_*` variables in the environment that no setting reads (a typo, or a
    /// setting of another version): `serve` and `check` warn about each.
    pub unknown_env: Vec<String>,
}

/// API management: store, plans, who may call, and the admin token.
#[derive(Debug, Clone)]
pub struct ManagementSettings {
    /// `sqlite://…` or `postgres://…`; a secret, as it may carry a password.
    pub database_url: SecretString,
    /// Bearer token of `/admin/*`; `None` turns the admin API off (404).
    pub admin_token: Option<SecretString>,
    /// Plan of callers without a key (limited per client IP); `None` = a key is required.
    pub anonymous_plan: Option<String>,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Origins allowed by CORS; empty = no CORS headers; `*` = any origin.
    pub cors_origins: Vec<String>,
    pub plans: Plans,
    /// Newest history entries kept per key.
    pub history_per_key: u32,
    pub history_max_age: Duration,
    /// Longest a store call may take; past it the call counts as failed.
    pub store_timeout: Duration,
    /// Shared limits and quotas between replicas; `None` = this replica's own, in memory.
    pub redis: Option<RedisSettings>,
}

/// Settings, by env name and TOML path.
pub mod settings {
    use super::Setting;
    macro_rules! settings {
        ($($name:ident = $env:literal, $file:literal;)*) => {
            $(pub const $name: Setting = Setting { env: $env, file: $file };)*
            /// Every setting, for `check` and the docs.
            pub const ALL: &[Setting] = &[$($name),*];
        };
    }
    /// Names the config file; read before the layers exist, so not a [`Setting`].
    pub const CONFIG_FILE_ENV: &str = "SPORTSGATE_CONFIG";
    /// Read outside the registry: the config file path and the log filter.
    const OTHER_ENV: &[&str] = &[CONFIG_FILE_ENV, "RUST_LOG"];

    /// Every environment variable the binary reads: the registry below, then the two read
    /// outside it. `sportsgate config --env-names` prints this; deploy checks compare the
    /// variables Terraform and compose set against it.
    pub fn env_names() -> impl Iterator<Item = &'static str> {
        ALL.iter().map(|s| s.env).chain(OTHER_ENV.iter().copied())
    }

    settings! {
        LISTEN = "SPORTSGATE_LISTEN", "listen";
        PORT = "PORT", "port";
        PROVIDER = "SPORTSGATE_PROVIDER", "provider";
        FALLBACK = "SPORTSGATE_FALLBACK_PROVIDER", "fallback_provider";
        SERPAPI_KEY = "SPORTS_API_KEY", "serpapi.api_key";
        SERPAPI_URL = "SPORTSGATE_SERPAPI_URL", "serpapi.url";
        SERPAPI_BUDGET = "SPORTSGATE_SERPAPI_MONTHLY_BUDGET", "serpapi.monthly_budget";
        SERPAPI_LOCATION = "SPORTSGATE_SERPAPI_LOCATION", "serpapi.location";
        SERPAPI_TIME_ZONE = "SPORTSGATE_SERPAPI_TIME_ZONE", "serpapi.time_zone";
        ESPN_URL = "SPORTSGATE_ESPN_URL", "espn.url";
        REPLAY_DIR = "SPORTSGATE_REPLAY_DIR", "replay.dir";
        CONNECT_TIMEOUT = "SPORTSGATE_UPSTREAM_CONNECT_TIMEOUT", "upstream.connect_timeout";
        TIMEOUT = "SPORTSGATE_UPSTREAM_TIMEOUT", "upstream.timeout";
        RETRIES = "SPORTSGATE_UPSTREAM_RETRIES", "upstream.retries";
        BREAKER_FAILURES = "SPORTSGATE_BREAKER_FAILURES", "upstream.breaker_failures";
        BREAKER_COOLDOWN = "SPORTSGATE_BREAKER_COOLDOWN", "upstream.breaker_cooldown";
        TTL_LIVE = "SPORTSGATE_TTL_LIVE", "cache.ttl_live";
        TTL_SCHEDULE = "SPORTSGATE_TTL_SCHEDULE", "cache.ttl_schedule";
        TTL_STANDINGS = "SPORTSGATE_TTL_STANDINGS", "cache.ttl_standings";
        TTL_TEAMS = "SPORTSGATE_TTL_TEAMS", "cache.ttl_teams";
        STALE_WHILE_REVALIDATE = "SPORTSGATE_STALE_WHILE_REVALIDATE", "cache.stale_while_revalidate";
        STALE_IF_ERROR = "SPORTSGATE_STALE_IF_ERROR", "cache.stale_if_error";
        CACHE_MAX_BYTES = "SPORTSGATE_CACHE_MAX_BYTES", "cache.max_bytes";
        LOG_FORMAT = "SPORTSGATE_LOG_FORMAT", "log_format";
        SHUTDOWN_GRACE = "SPORTSGATE_SHUTDOWN_GRACE", "shutdown_grace";
        DATABASE_URL = "SPORTSGATE_DATABASE_URL", "database_url";
        ADMIN_TOKEN = "SPORTSGATE_ADMIN_TOKEN", "admin_token";
        ANONYMOUS_PLAN = "SPORTSGATE_ANONYMOUS_PLAN", "anonymous_plan";
        TRUSTED_PROXIES = "SPORTSGATE_TRUSTED_PROXIES", "trusted_proxies";
        CORS_ORIGINS = "SPORTSGATE_CORS_ORIGINS", "cors_origins";
        HISTORY_PER_KEY = "SPORTSGATE_HISTORY_PER_KEY", "history.per_key";
        HISTORY_MAX_AGE = "SPORTSGATE_HISTORY_MAX_AGE", "history.max_age";
        STORE_TIMEOUT = "SPORTSGATE_STORE_TIMEOUT", "store.timeout";
        UPSTREAM_BUDGET = "SPORTSGATE_UPSTREAM_BUDGET", "upstream.budget";
        STALE_IF_ERROR_WAIT = "SPORTSGATE_STALE_IF_ERROR_WAIT", "cache.stale_if_error_wait";
        HEADER_READ_TIMEOUT = "SPORTSGATE_HEADER_READ_TIMEOUT", "server.header_read_timeout";
        REQUEST_TIMEOUT = "SPORTSGATE_REQUEST_TIMEOUT", "server.request_timeout";
        MAX_CONNECTIONS = "SPORTSGATE_MAX_CONNECTIONS", "server.max_connections";
        METRICS_LISTEN = "SPORTSGATE_METRICS_LISTEN", "metrics.listen";
        METRICS_TOKEN = "SPORTSGATE_METRICS_TOKEN", "metrics.token";
        REDIS_URL = "SPORTSGATE_REDIS_URL", "redis.url";
        REDIS_PREFIX = "SPORTSGATE_REDIS_PREFIX", "redis.prefix";
        REDIS_TIMEOUT = "SPORTSGATE_REDIS_TIMEOUT", "redis.timeout";
        REDIS_ON_FAILURE = "SPORTSGATE_REDIS_ON_FAILURE", "redis.on_failure";
    }
}

/// Top-level keys a config file may hold.
const FILE_KEYS: &[&str] = &[
    "listen",
    "port",
    "provider",
    "fallback_provider",
    "serpapi",
    "espn",
    "replay",
    "upstream",
    "cache",
    "log_format",
    "shutdown_grace",
    "database_url",
    "admin_token",
    "anonymous_plan",
    "trusted_proxies",
    "cors_origins",
    "history",
    "store",
    "server",
    "metrics",
    "redis",
    "plans",
    "leagues",
];

/// Command-line overrides (`serve --listen/--provider`).
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub listen: Option<String>,
    pub provider: Option<String>,
    pub config: Option<PathBuf>,
}

impl Config {
    /// Loads the configuration from the given environment map and flags.
    pub fn load(env: HashMap<String, String>, flags: &Flags) -> Result<Self, ConfigError> {
        let mut layers = Layers {
            env,
            ..Layers::default()
        };
        let file_path = flags.config.clone().or_else(|| {
            layers
                .env
                .get(settings::CONFIG_FILE_ENV)
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
        });
        if let Some(path) = file_path {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| ConfigError::new("SPORTSGATE_CONFIG", format!("cannot read {}: {e}", path.display())))?;
            let table: toml::Table = text.parse().map_err(|e| {
                ConfigError::new(
                    "SPORTSGATE_CONFIG",
                    format!("{} is not valid TOML: {e}", path.display()),
                )
            })?;
            unknown_keys::check(&table, &path.display().to_string())?;
            layers.file = Some(table);
            layers.file_name = path.display().to_string();
        }
        if let Some(v) = &flags.listen {
            layers.flags.insert(settings::LISTEN.env, v.clone());
        }
        if let Some(v) = &flags.provider {
            layers.flags.insert(settings::PROVIDER.env, v.clone());
        }
        let mut config = Self::from_layers(&layers)?;
        config.unknown_env = unknown_env_names(&layers.env);
        Ok(config)
    }

    fn from_layers(l: &Layers) -> Result<Self, ConfigError> {
        use settings as s;
        let listen = match l.raw(s::LISTEN)? {
            Some(raw) => parse_listen(&raw).map_err(|m| ConfigError::new(s::LISTEN.env, m))?,
            None => {
                let port = l.get(s::PORT, 8080u16, |v| {
                    v.parse().map_err(|_| format!("invalid port {v:?}"))
                })?;
                SocketAddr::from(([0, 0, 0, 0], port))
            }
        };
        // A placeholder (what a deployment stores before the key is known) means no SerpApi.
        let api_key = l.get_opt(s::SERPAPI_KEY, |v| Ok(serpapi_key::real_key(v)))?.flatten();
        let provider = l.get(s::PROVIDER, None, |v| match v.to_ascii_lowercase().as_str() {
            "auto" => Ok(None),
            other => ProviderKind::parse(other)
                .map(Some)
                .ok_or_else(|| format!("unknown provider {v:?} (use auto, serpapi, espn or replay)")),
        })?;
        let provider = provider.unwrap_or(if api_key.is_some() {
            ProviderKind::Serpapi
        } else {
            ProviderKind::Espn
        });
        if provider == ProviderKind::Serpapi && api_key.is_none() {
            return Err(ConfigError::new(
                s::SERPAPI_KEY.env,
                "required when SPORTSGATE_PROVIDER=serpapi",
            ));
        }
        let default_fallback = (provider == ProviderKind::Serpapi).then_some(ProviderKind::Espn);
        let fallback = l.get(s::FALLBACK, default_fallback, |v| {
            match v.to_ascii_lowercase().as_str() {
                "none" => Ok(None),
                other => ProviderKind::parse(other)
                    .map(Some)
                    .ok_or_else(|| format!("unknown provider {v:?} (use serpapi, espn, replay or none)")),
            }
        })?;
        if fallback == Some(provider) {
            return Err(ConfigError::new(
                s::FALLBACK.env,
                format!("must differ from the primary provider ({provider})"),
            ));
        }
        if fallback == Some(ProviderKind::Serpapi) && api_key.is_none() {
            return Err(ConfigError::new(
                s::SERPAPI_KEY.env,
                "required when the fallback provider is serpapi",
            ));
        }

        let serpapi = SerpapiSettings {
            api_key,
            base_url: l.get(
                s::SERPAPI_URL,
                Url::parse("https://serpapi.com/").expect("static url"),
                parse_url,
            )?,
            monthly_budget: l.get_opt(s::SERPAPI_BUDGET, |v| {
                v.parse::<u32>()
                    .map_err(|_| format!("invalid number {v:?} (searches per month)"))
            })?,
            location: l.get(s::SERPAPI_LOCATION, "New York, New York, United States".into(), |v| {
                Ok(v.to_owned())
            })?,
            time_zone: l.get(s::SERPAPI_TIME_ZONE, chrono_tz::America::New_York, |v| {
                v.parse()
                    .map_err(|_| format!("unknown time zone {v:?} (use an IANA name like Europe/London)"))
            })?,
            gl: "us".into(),
            hl: "en".into(),
        };
        let espn = EspnSettings {
            base_url: l.get(
                s::ESPN_URL,
                Url::parse("https://site.api.espn.com/").expect("static url"),
                parse_url,
            )?,
        };
        let replay_dir = l.get_opt(s::REPLAY_DIR, |v| {
            let p = PathBuf::from(v);
            if p.is_dir() {
                Ok(p)
            } else {
                Err(format!("{v:?} is not a directory"))
            }
        })?;
        let upstream = UpstreamSettings {
            connect_timeout: l.get(s::CONNECT_TIMEOUT, Duration::from_secs(2), parse_duration)?,
            timeout: l.get(s::TIMEOUT, Duration::from_secs(8), parse_duration)?,
            retries: l.get(s::RETRIES, 2, |v| parse_small(v, 5))?,
            breaker_failures: l.get(s::BREAKER_FAILURES, 5, |v| parse_small(v, 1000).and_then(nonzero))?,
            breaker_cooldown: l.get(s::BREAKER_COOLDOWN, Duration::from_secs(30), parse_duration)?,
            budget: l.get(s::UPSTREAM_BUDGET, Duration::from_secs(15), parse_duration)?,
        };
        let cache = CacheSettings {
            ttl_live: l.get(s::TTL_LIVE, Duration::from_secs(15), parse_duration)?,
            ttl_schedule: l.get(s::TTL_SCHEDULE, Duration::from_secs(300), parse_duration)?,
            ttl_standings: l.get(s::TTL_STANDINGS, Duration::from_secs(3600), parse_duration)?,
            ttl_teams: l.get(s::TTL_TEAMS, Duration::from_secs(86_400), parse_duration)?,
            stale_while_revalidate: l.get(s::STALE_WHILE_REVALIDATE, Duration::from_secs(60), parse_duration)?,
            stale_if_error: l.get(s::STALE_IF_ERROR, Duration::from_secs(86_400), parse_duration)?,
            stale_if_error_wait: l.get(s::STALE_IF_ERROR_WAIT, Duration::from_secs(2), parse_duration)?,
            max_bytes: l.get(s::CACHE_MAX_BYTES, 64 * 1024 * 1024, |v| {
                v.parse::<u64>()
                    .ok()
                    .filter(|n| *n >= 1024)
                    .ok_or_else(|| format!("invalid byte count {v:?} (at least 1024)"))
            })?,
        };
        let log_format = l.get(s::LOG_FORMAT, LogFormat::Json, |v| {
            match v.to_ascii_lowercase().as_str() {
                "json" => Ok(LogFormat::Json),
                "pretty" => Ok(LogFormat::Pretty),
                _ => Err(format!("unknown log format {v:?} (use json or pretty)")),
            }
        })?;
        let shutdown_grace = l.get(s::SHUTDOWN_GRACE, Duration::from_secs(25), parse_duration)?;
        let catalogue = load_catalogue(l)?;
        let management = load_management(l)?;
        let server = server::load_server(l)?;
        if upstream.budget >= server.request_timeout {
            return Err(ConfigError::new(
                s::UPSTREAM_BUDGET.env,
                format!(
                    "must be shorter than {} ({:?}), or callers get a deadline error before the upstream's",
                    s::REQUEST_TIMEOUT.env,
                    server.request_timeout
                ),
            ));
        }
        let metrics = server::load_metrics(l, listen)?;
        Ok(Self {
            listen,
            provider,
            fallback,
            serpapi,
            espn,
            replay_dir,
            upstream,
            cache,
            log_format,
            catalogue,
            shutdown_grace,
            management,
            server,
            metrics,
            unknown_env: Vec::new(),
        })
    }
}

/// Environment names that look like ours but that nothing reads, sorted. The test suite's
/// own variables (`SPORTSGATE_TEST_*`) are not the binary's and are left out.
pub fn unknown_env_names(env: &HashMap<String, String>) -> Vec<String> {
    let known: std::collections::HashSet<&str> = settings::env_names().collect();
    let mut unknown: Vec<String> = env
        .keys()
        .filter(|k| k.starts_with("SPORTSGATE_") && !k.starts_with("SPORTSGATE_TEST_"))
        .filter(|k| !known.contains(k.as_str()))
        .cloned()
        .collect();
    unknown.sort();
    unknown
}

fn load_management(l: &Layers) -> Result<ManagementSettings, ConfigError> {
    use settings as s;
    let plan_entries: BTreeMap<String, PlanEntry> = match l.file.as_ref().and_then(|t| t.get("plans")) {
        None => BTreeMap::new(),
        Some(v) => v
            .clone()
            .try_into()
            .map_err(|e| ConfigError::new("SPORTSGATE_CONFIG", format!("[plans] in {}: {e}", l.file_name)))?,
    };
    let plans =
        Plans::load(&plan_entries).map_err(|e| ConfigError::new("SPORTSGATE_CONFIG", format!("[plans]: {e}")))?;
    let database_url = l.get(s::DATABASE_URL, SecretString::from("sqlite://sportsgate.db"), |v| {
        let ok = ["sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|p| v.starts_with(p));
        // The value may hold a password: the message names the schemes, never the value.
        if ok {
            Ok(SecretString::from(v.to_owned()))
        } else {
            Err("must start with sqlite:// or postgres://".into())
        }
    })?;
    let admin_token = l.get_opt(s::ADMIN_TOKEN, parse_token)?;
    let anonymous_plan = l.get(s::ANONYMOUS_PLAN, Some("anonymous".to_owned()), |v| {
        if v.trim().eq_ignore_ascii_case("none") {
            Ok(None)
        } else if plans.get(v).is_some() {
            Ok(Some(v.to_owned()))
        } else {
            Err(format!(
                "unknown plan {v:?} (plans: {}; or none)",
                plans.names().join(", ")
            ))
        }
    })?;
    let trusted_proxies = l.get(s::TRUSTED_PROXIES, Vec::new(), |v| {
        v.split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| {
                c.parse::<ipnet::IpNet>()
                    .or_else(|_| c.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| format!("invalid CIDR {c:?} (use e.g. 10.0.0.0/8)"))
            })
            .collect()
    })?;
    let cors_origins = l.get(s::CORS_ORIGINS, Vec::new(), |v| {
        v.split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(|o| {
                if o == "*" || Url::parse(o).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.path() == "/") {
                    Ok(o.trim_end_matches('/').to_owned())
                } else {
                    Err(format!("invalid origin {o:?} (use e.g. https://app.example.com, or *)"))
                }
            })
            .collect()
    })?;
    Ok(ManagementSettings {
        database_url,
        admin_token,
        anonymous_plan,
        trusted_proxies,
        cors_origins,
        plans,
        history_per_key: l.get(s::HISTORY_PER_KEY, 100, |v| parse_small(v, 10_000).and_then(nonzero))?,
        history_max_age: l.get(s::HISTORY_MAX_AGE, Duration::from_secs(30 * 86_400), parse_duration)?,
        store_timeout: l.get(s::STORE_TIMEOUT, Duration::from_secs(2), |v| {
            parse_duration(v).and_then(|d| {
                if d.is_zero() {
                    Err("must be longer than zero".into())
                } else {
                    Ok(d)
                }
            })
        })?,
        redis: shared::load_redis(l)?,
    })
}

fn load_catalogue(l: &Layers) -> Result<Catalogue, ConfigError> {
    let overrides: BTreeMap<String, LeagueEntry> = match l.file.as_ref().and_then(|t| t.get("leagues")) {
        None => BTreeMap::new(),
        Some(v) => v
            .clone()
            .try_into()
            .map_err(|e| ConfigError::new("SPORTSGATE_CONFIG", format!("[leagues] in {}: {e}", l.file_name)))?,
    };
    Catalogue::load(&overrides).map_err(|e| ConfigError::new("SPORTSGATE_CONFIG", format!("[leagues]: {e}")))
}

/// A bearer token we check: long enough not to be guessed.
pub(crate) fn parse_token(v: &str) -> Result<SecretString, String> {
    if v.len() >= 16 {
        Ok(SecretString::from(v.to_owned()))
    } else {
        Err("must be at least 16 characters".into())
    }
}

/// Durations as `90s`, `5m`, `1h`, `1h 30m`, `250ms`.
pub fn parse_duration(v: &str) -> Result<Duration, String> {
    humantime::parse_duration(v).map_err(|_| format!("invalid duration {v:?} (use e.g. 90s, 5m, 1h)"))
}

fn parse_url(v: &str) -> Result<Url, String> {
    let url = Url::parse(v).map_err(|_| format!("invalid URL {v:?}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("invalid URL {v:?} (need http:// or https:// and a host)"));
    }
    Ok(url)
}

pub(crate) fn parse_listen(v: &str) -> Result<SocketAddr, String> {
    v.parse()
        .map_err(|_| format!("invalid listen address {v:?} (use HOST:PORT, e.g. 0.0.0.0:8080)"))
}

fn parse_small(v: &str, max: u32) -> Result<u32, String> {
    v.parse::<u32>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| format!("invalid number {v:?} (0 to {max})"))
}

fn nonzero(n: u32) -> Result<u32, String> {
    if n == 0 {
        Err("must be at least 1".into())
    } else {
        Ok(n)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    /// The configuration from `env` alone (no file, no flags).
    pub(crate) fn load(env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::load(
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            &Flags::default(),
        )
    }

    #[test]
    fn unknown_sportsgate_variables_are_named_and_test_variables_are_not() {
        let c = load(&[
            ("SPORTSGATE_TTL_LVE", "5s"),
            ("SPORTSGATE_TTL_LIVE", "5s"),
            ("SPORTSGATE_TEST_POSTGRES_URL", "postgres://x"),
            ("SPORTSGATE_ENABLE_MAGIC", "1"),
            ("HOME", "/root"),
        ])
        .unwrap();
        assert_eq!(c.unknown_env, ["SPORTSGATE_ENABLE_MAGIC", "SPORTSGATE_TTL_LVE"]);
    }

    #[test]
    fn defaults_serve_espn_on_port_8080_without_a_key() {
        let c = load(&[]).unwrap();
        assert_eq!(c.listen, "0.0.0.0:8080".parse().unwrap());
        assert_eq!(c.provider, ProviderKind::Espn);
        assert_eq!(c.fallback, None);
        assert_eq!(c.cache.ttl_live, Duration::from_secs(15));
        assert_eq!(c.cache.stale_if_error, Duration::from_secs(86_400));
    }

    #[test]
    fn auto_picks_serpapi_with_a_key_and_falls_back_to_espn() {
        let c = load(&[("SPORTS_API_KEY", "k3y")]).unwrap();
        assert_eq!(c.provider, ProviderKind::Serpapi);
        assert_eq!(c.fallback, Some(ProviderKind::Espn));
        assert_eq!(c.serpapi.api_key.as_ref().unwrap().expose_secret(), "k3y");
        assert!(!format!("{c:?}").contains("k3y"), "Debug must not print the key");
    }

    #[test]
    fn a_placeholder_key_means_no_serpapi() {
        for placeholder in ["unset-set-me-with-aws-ssm-put-parameter", "unset", "  "] {
            let c = load(&[("SPORTS_API_KEY", placeholder)]).unwrap();
            assert_eq!(c.provider, ProviderKind::Espn, "{placeholder:?}");
            assert_eq!(c.fallback, None);
            assert!(c.serpapi.api_key.is_none());
        }
        let err = load(&[("SPORTS_API_KEY", "unset"), ("SPORTSGATE_PROVIDER", "serpapi")]).unwrap_err();
        assert_eq!(err.setting, "SPORTS_API_KEY");
    }

    #[test]
    fn port_is_honoured_when_listen_is_unset() {
        assert_eq!(load(&[("PORT", "9000")]).unwrap().listen.port(), 9000);
        assert_eq!(
            load(&[("PORT", "9000"), ("SPORTSGATE_LISTEN", "127.0.0.1:7000")])
                .unwrap()
                .listen
                .port(),
            7000
        );
    }

    #[test]
    fn bad_values_name_their_setting() {
        for (env, value) in [
            ("SPORTSGATE_TTL_LIVE", "soon"),
            ("SPORTSGATE_PROVIDER", "yahoo"),
            ("SPORTSGATE_ESPN_URL", "not a url"),
            ("SPORTSGATE_LISTEN", "8080"),
            ("SPORTSGATE_LOG_FORMAT", "xml"),
            ("SPORTSGATE_SERPAPI_MONTHLY_BUDGET", "-1"),
        ] {
            let err = load(&[(env, value)]).unwrap_err();
            assert_eq!(err.setting, env, "{err}");
        }
    }

    #[test]
    fn management_settings_parse_and_name_their_setting_when_bad() {
        let c = load(&[
            ("SPORTSGATE_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.1"),
            ("SPORTSGATE_ANONYMOUS_PLAN", "none"),
            ("SPORTSGATE_CORS_ORIGINS", "https://app.example.com"),
        ])
        .unwrap();
        assert_eq!(c.management.trusted_proxies.len(), 2);
        assert_eq!(c.management.anonymous_plan, None);
        assert_eq!(c.management.cors_origins, vec!["https://app.example.com"]);
        for (env, value) in [
            ("SPORTSGATE_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("SPORTSGATE_ANONYMOUS_PLAN", "gold"),
            ("SPORTSGATE_DATABASE_URL", "mysql://x"),
            ("SPORTSGATE_ADMIN_TOKEN", "short"),
            ("SPORTSGATE_CORS_ORIGINS", "app.example.com"),
        ] {
            assert_eq!(load(&[(env, value)]).unwrap_err().setting, env);
        }
    }

    #[test]
    fn a_database_url_with_a_password_is_never_printed() {
        let err = load(&[("SPORTSGATE_DATABASE_URL", "mysql://u:hunter2@db/x")]).unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
        let c = load(&[("SPORTSGATE_DATABASE_URL", "postgres://u:hunter2@db/x")]).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn serpapi_without_a_key_is_refused() {
        assert_eq!(
            load(&[("SPORTSGATE_PROVIDER", "serpapi")]).unwrap_err().setting,
            "SPORTS_API_KEY"
        );
    }

    #[test]
    fn a_config_file_sits_below_env_and_flags() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sg.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:1111\"\n[cache]\nttl_live = \"7s\"\nttl_teams = \"2h\"\n[leagues.nfl]\nname = \"Football\"\n").unwrap();
        let env: HashMap<String, String> = [("SPORTSGATE_TTL_LIVE".to_string(), "9s".to_string())].into();
        let flags = Flags {
            listen: Some("127.0.0.1:2222".into()),
            provider: Some("replay".into()),
            config: Some(path),
        };
        let c = Config::load(env, &flags).unwrap();
        assert_eq!(c.listen.port(), 2222);
        assert_eq!(c.provider, ProviderKind::Replay);
        assert_eq!(c.cache.ttl_live, Duration::from_secs(9));
        assert_eq!(c.cache.ttl_teams, Duration::from_secs(7200));
        assert_eq!(c.catalogue.get("nfl").unwrap().name, "Football");
    }

    #[test]
    fn an_unknown_key_in_the_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sg.toml");
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        let err = Config::load(
            HashMap::new(),
            &Flags {
                config: Some(path),
                ..Flags::default()
            },
        )
        .unwrap_err();
        assert!(err.message.contains("lisen"), "{err}");
    }
}
