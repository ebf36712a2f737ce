//! The HTTP server's own limits (connections, deadlines) and where `/metrics` is served.

use std::net::SocketAddr;
use std::time::Duration;

use secrecy::SecretString;

use super::{ConfigError, Layers, parse_duration, parse_listen, parse_token, settings as s};

/// Connection and request limits of the listener.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// How long a connection may take to deliver a complete request head, counted from
    /// when it is ready for one: a new connection, or a kept-alive one after its last answer
    /// (so this is also the keep-alive idle timeout).
    pub header_read_timeout: Duration,
    /// The whole time one request may take before it is answered 504; below API Gateway's
    /// 29 s integration limit, so callers get our problem, not the proxy's.
    pub request_timeout: Duration,
    /// Open connections at most; past it new ones wait in the listen backlog.
    pub max_connections: usize,
}

/// Where `/metrics` is served and who may read it.
#[derive(Debug, Clone)]
pub struct MetricsSettings {
    /// A separate listen address for `/metrics`; `None` = on the main listener.
    pub listen: Option<SocketAddr>,
    /// Bearer token `/metrics` requires; `None` = no token.
    pub token: Option<SecretString>,
}

pub(super) fn load_server(l: &Layers) -> Result<ServerSettings, ConfigError> {
    let positive = |v: &str| {
        parse_duration(v).and_then(|d| {
            if d >= Duration::from_millis(100) {
                Ok(d)
            } else {
                Err(format!("{v:?} is too short (at least 100ms)"))
            }
        })
    };
    let request_timeout = l.get(s::REQUEST_TIMEOUT, Duration::from_secs(20), positive)?;
    Ok(ServerSettings {
        header_read_timeout: l.get(s::HEADER_READ_TIMEOUT, Duration::from_secs(20), positive)?,
        request_timeout,
        max_connections: l.get(s::MAX_CONNECTIONS, 8192, |v| {
            v.parse::<usize>()
                .ok()
                .filter(|n| (1..=1_000_000).contains(n))
                .ok_or_else(|| format!("invalid number {v:?} (1 to 1000000)"))
        })?,
    })
}

pub(super) fn load_metrics(l: &Layers, main: SocketAddr) -> Result<MetricsSettings, ConfigError> {
    let listen = l.get_opt(s::METRICS_LISTEN, |v| {
        let addr = parse_listen(v)?;
        if addr == main && addr.port() != 0 {
            Err(format!(
                "{v:?} is the main listen address; leave it unset to serve /metrics there"
            ))
        } else {
            Ok(addr)
        }
    })?;
    let token = l.get_opt(s::METRICS_TOKEN, parse_token)?;
    Ok(MetricsSettings { listen, token })
}
