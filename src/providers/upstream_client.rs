//! The HTTP client every network provider uses: deadlines, bounded retries with jittered
//! backoff (honouring `Retry-After`), a body size cap, metrics, and errors that never carry
//! the request URL.
//!
//! Why not a retry crate: the policy depends on the upstream's answer (`Retry-After`, which
//! statuses are transient) and on a per-attempt budget hook, which is a dozen lines here.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use rand::Rng;
use reqwest::header::RETRY_AFTER;
use url::Url;

use super::ProviderError;
use crate::config::UpstreamSettings;
use crate::domain::ProviderKind;
use crate::telemetry::metrics as m;

/// Largest upstream body accepted; real scoreboards are well under 1 MiB.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Longest `Retry-After` the client waits out inside one request; longer ones fail the
/// attempt so the caller can fall back or serve stale instead of hanging.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3);
const BASE_BACKOFF: Duration = Duration::from_millis(100);

#[derive(Debug, Clone)]
pub struct UpstreamClient {
    http: reqwest::Client,
    provider: ProviderKind,
    retries: u32,
}

/// Asked before each upstream attempt; an error stops the request before it is sent.
#[async_trait::async_trait]
pub trait AttemptGate: Send + Sync {
    async fn before_attempt(&self) -> Result<(), ProviderError>;
}

/// No precondition: free upstreams.
pub struct Free;

#[async_trait::async_trait]
impl AttemptGate for Free {
    async fn before_attempt(&self) -> Result<(), ProviderError> {
        Ok(())
    }
}

/// Installs ring as rustls's crypto provider once per process. ring instead of the default
/// aws-lc-rs: a much smaller binary, and everything sportsgate needs (TLS 1.2/1.3 clients).
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err means another provider is already installed by the host process: that one serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl UpstreamClient {
    pub fn new(provider: ProviderKind, settings: &UpstreamSettings) -> Self {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .user_agent(concat!("sportsgate/", env!("CARGO_PKG_VERSION")))
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .expect("static reqwest client settings are valid");
        Self {
            http,
            provider,
            retries: settings.retries,
        }
    }

    /// GETs `url` and returns the body of a 2xx answer. `gate` is asked before every
    /// attempt, retries included (the SerpApi budget counts each search sent).
    pub async fn get(&self, url: &Url, gate: &dyn AttemptGate) -> Result<Bytes, ProviderError> {
        let mut attempt = 0;
        loop {
            gate.before_attempt().await?;
            let started = Instant::now();
            let result = self.attempt(url).await;
            let outcome = match &result {
                Ok(_) => "ok",
                Err(e) => e.outcome(),
            };
            m::upstream_request(self.provider, outcome, started.elapsed());
            match result {
                Ok(body) => return Ok(body),
                Err(err) if err.is_transient() && attempt < self.retries => {
                    let wait = match &err {
                        ProviderError::Status {
                            retry_after: Some(after),
                            ..
                        } if *after > MAX_RETRY_AFTER => {
                            return Err(err);
                        }
                        ProviderError::Status {
                            retry_after: Some(after),
                            ..
                        } => *after,
                        _ => backoff(attempt),
                    };
                    tracing::debug!(provider = %self.provider, attempt, error = %err, wait_ms = wait.as_millis() as u64, "retrying upstream");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(err) => return Err(err),
            }
        }
    }

    async fn attempt(&self, url: &Url) -> Result<Bytes, ProviderError> {
        let mut response = self.http.get(url.clone()).send().await.map_err(classify)?;
        let status = response.status();
        if !status.is_success() {
            // The body is dropped unread: an upstream error page may echo the URL, key included.
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err(ProviderError::Status {
                status: status.as_u16(),
                retry_after,
            });
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(ProviderError::Malformed(super::NormalizeError(
                    "upstream body too large".into(),
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }
}

/// Maps a reqwest error to a provider error without its URL (reqwest's `Display` includes
/// the full request URL, query string and API key).
fn classify(err: reqwest::Error) -> ProviderError {
    if err.is_timeout() {
        ProviderError::Timeout
    } else if err.is_connect() {
        ProviderError::Connect("connection failed".into())
    } else if let Some(status) = err.status() {
        ProviderError::Status {
            status: status.as_u16(),
            retry_after: None,
        }
    } else if err.is_body() || err.is_decode() {
        ProviderError::Connect("response body interrupted".into())
    } else {
        ProviderError::Connect("request failed".into())
    }
}

/// Exponential backoff with full jitter: uniform in [0, base * 2^attempt], capped at 2 s.
fn backoff(attempt: u32) -> Duration {
    let ceiling = BASE_BACKOFF
        .saturating_mul(1 << attempt.min(5))
        .min(Duration::from_secs(2));
    let millis = rand::rng().random_range(0..=ceiling.as_millis() as u64);
    Duration::from_millis(millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_within_its_ceiling() {
        for attempt in 0..10 {
            let ceiling = BASE_BACKOFF
                .saturating_mul(1 << attempt.min(5))
                .min(Duration::from_secs(2));
            assert!(backoff(attempt) <= ceiling);
        }
    }
}
