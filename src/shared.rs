//! The Redis link the replicas share: one multiplexed, self-reconnecting connection (the
//! `redis` crate's `ConnectionManager`, which pipelines concurrent calls) per replica, every
//! call under the Redis time budget, and a health flag that readiness, the metric and the
//! limiters read. While Redis is known to be down, calls fail at once instead of each
//! waiting out the budget; a probe every second notices when it is back.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::config::{RedisFailureMode, RedisSettings};
use crate::telemetry::metrics;

/// How often the health probe pings Redis.
const PROBE_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum SharedError {
    #[error("Redis did not answer within {0:?}")]
    Timeout(Duration),
    #[error("Redis is unreachable (probing every second)")]
    Down,
    /// The error's text (never the URL, which may carry a password).
    #[error("Redis: {0}")]
    Redis(String),
}

pub struct SharedRedis {
    conn: ConnectionManager,
    prefix: String,
    timeout: Duration,
    on_failure: RedisFailureMode,
    up: AtomicBool,
}

impl SharedRedis {
    /// A link that connects on first use (and reconnects by itself), so a replica starts
    /// even while Redis is away; it counts as down until a call or the probe succeeds.
    pub fn new(settings: &RedisSettings) -> Result<Self, SharedError> {
        crate::providers::upstream_client::install_crypto_provider();
        let client = settings.client().map_err(|e| SharedError::Redis(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(settings.timeout))
            .set_response_timeout(Some(settings.timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let conn =
            ConnectionManager::new_lazy_with_config(client, config).map_err(|e| SharedError::Redis(e.to_string()))?;
        Ok(Self {
            conn,
            prefix: settings.prefix.clone(),
            timeout: settings.timeout,
            on_failure: settings.on_failure,
            up: AtomicBool::new(false),
        })
    }

    /// A link that has answered a PING, or an error saying why not.
    pub async fn connect(settings: &RedisSettings) -> Result<Self, SharedError> {
        let this = Self::new(settings)?;
        this.ping().await?;
        Ok(this)
    }

    /// `prefix` + `rest`: every key this deployment uses.
    pub fn key(&self, rest: &str) -> String {
        format!("{}{rest}", self.prefix)
    }

    pub fn on_failure(&self) -> RedisFailureMode {
        self.on_failure
    }

    /// Whether Redis answered the last call or probe.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    fn set_up(&self, up: bool) {
        if self.up.swap(up, Ordering::AcqRel) != up {
            if up {
                tracing::info!("Redis answers: limits, quotas and the cache are shared");
            } else {
                tracing::warn!("Redis does not answer: this replica limits and caches by itself");
            }
        }
        metrics::redis_up(up);
    }

    /// Runs one call on the shared connection within the time budget. While Redis is known
    /// to be down it fails at once (`Down`), so requests never queue behind a dead server.
    pub async fn run<T, F, Fut>(&self, call: F) -> Result<T, SharedError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if !self.is_up() {
            metrics::redis_call("skipped");
            return Err(SharedError::Down);
        }
        self.attempt(call).await
    }

    async fn attempt<T, F, Fut>(&self, call: F) -> Result<T, SharedError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        match tokio::time::timeout(self.timeout, call(self.conn.clone())).await {
            Ok(Ok(value)) => {
                metrics::redis_call("ok");
                self.set_up(true);
                Ok(value)
            }
            Ok(Err(err)) => {
                metrics::redis_call("error");
                // A reply error (a script bug, a wrong type) says Redis is there; only a
                // broken connection says it is not.
                if err.is_io_error() || err.is_connection_dropped() || err.is_connection_refusal() || err.is_timeout() {
                    self.set_up(false);
                }
                Err(SharedError::Redis(err.to_string()))
            }
            Err(_) => {
                metrics::redis_call("timeout");
                self.set_up(false);
                Err(SharedError::Timeout(self.timeout))
            }
        }
    }

    /// Moves the shared counter `name` (under the prefix) on by one; its new value.
    /// Counters are how one replica tells the others that something changed (keys, purges).
    pub async fn bump(&self, name: &str) -> Result<i64, SharedError> {
        let key = self.key(name);
        self.run(|mut conn| async move { redis::cmd("INCR").arg(key).query_async(&mut conn).await })
            .await
    }

    /// The shared counter `name`'s value, 0 if it never moved.
    pub async fn counter(&self, name: &str) -> Result<i64, SharedError> {
        let key = self.key(name);
        let value: Option<i64> = self
            .run(|mut conn| async move { redis::cmd("GET").arg(key).query_async(&mut conn).await })
            .await?;
        Ok(value.unwrap_or(0))
    }

    /// PING, whatever the health flag says; sets it from the answer.
    pub async fn ping(&self) -> Result<(), SharedError> {
        self.attempt(|mut conn| async move { redis::cmd("PING").query_async::<String>(&mut conn).await })
            .await
            .map(drop)
    }

    /// The server's version (`redis_version` of `INFO server`).
    pub async fn server_version(&self) -> Result<String, SharedError> {
        let info: String = self
            .attempt(|mut conn| async move { redis::cmd("INFO").arg("server").query_async(&mut conn).await })
            .await?;
        Ok(info
            .lines()
            .find_map(|l| l.strip_prefix("redis_version:"))
            .unwrap_or("unknown")
            .trim()
            .to_owned())
    }

    /// Pings every second while the process (and this link) lives.
    pub fn spawn_probe(self: &Arc<Self>) {
        let link = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(PROBE_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(link) = link.upgrade() else { break };
                let _ = link.ping().await;
            }
        });
    }
}
