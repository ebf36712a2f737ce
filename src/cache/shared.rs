//! The second cache tier, in Redis, shared by the replicas: each answer is stored once as a
//! compact JSON record (normalized data, source, when it was fetched, its fresh lifetime),
//! so every replica renders the same bytes and the same ETags from it, and a refresh on one
//! replica is what the others find when their own copy goes stale. A cold key is fetched by
//! one replica at a time (a short `SET NX PX` lock; the others wait for the value, bounded);
//! a failed fetch is remembered for a moment so a failing upstream is not asked once per
//! replica and request. A purge bumps a generation that is part of every key: old records
//! become unreachable at once, and each replica clears its own tier within 200 ms.
//!
//! Every call goes through the shared link's budget; any Redis trouble reads as "not in the
//! shared tier", so the cache falls back to what this replica does alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::game::Source;
use crate::domain::{Game, ProviderKind, Standings, Team};
use crate::providers::{Dataset, Fetched, ProviderError};
use crate::shared::SharedRedis;

/// How long a failed fetch is remembered.
pub const FAILURE_MEMORY: Duration = Duration::from_secs(2);
/// How often a waiting replica looks for the value another is fetching.
const WAIT_POLL: Duration = Duration::from_millis(25);
/// The shared counter a purge moves on (`DELETE /admin/v1/cache`).
const GENERATION: &str = "c:generation";

/// A record as read back: the data and its timestamps.
pub struct Stored {
    pub fetched: Fetched,
    pub fetched_at: DateTime<Utc>,
    pub ttl: Duration,
}

#[derive(Serialize)]
enum DataRef<'a> {
    Games(&'a Vec<Game>),
    Standings(&'a Standings),
    Teams(&'a Vec<Team>),
}

#[derive(Deserialize)]
enum Data {
    Games(Vec<Game>),
    Standings(Standings),
    Teams(Vec<Team>),
}

#[derive(Serialize)]
struct RecordRef<'a> {
    at: i64,
    ttl_ms: u64,
    source: &'a Source,
    data: DataRef<'a>,
}

#[derive(Deserialize)]
struct Record {
    at: i64,
    ttl_ms: u64,
    source: Source,
    data: Data,
}

/// A remembered failure: enough to answer with the same kind of problem.
#[derive(Serialize, Deserialize)]
struct Failure {
    outcome: String,
    status: Option<u16>,
    provider: Option<ProviderKind>,
}

impl Failure {
    fn of(err: &ProviderError) -> Self {
        let (status, provider) = match err {
            ProviderError::Status { status, .. } => (Some(*status), None),
            ProviderError::BudgetExhausted(p) | ProviderError::CircuitOpen { provider: p, .. } => (None, Some(*p)),
            _ => (None, None),
        };
        Self {
            outcome: err.outcome().to_owned(),
            status,
            provider,
        }
    }

    fn error(self) -> ProviderError {
        match (self.outcome.as_str(), self.status, self.provider) {
            ("timeout", _, _) => ProviderError::Timeout,
            ("http_error", Some(status), _) => ProviderError::Status {
                status,
                retry_after: None,
            },
            ("budget_exhausted", _, Some(p)) => ProviderError::BudgetExhausted(p),
            ("circuit_open", _, Some(provider)) => ProviderError::CircuitOpen {
                provider,
                retry_after: FAILURE_MEMORY,
            },
            _ => ProviderError::Connect("the upstream failed moments ago".into()),
        }
    }
}

/// What the shared tier says about a key another replica may be fetching.
pub enum Awaited {
    Value(Stored),
    Failed(ProviderError),
    /// Nobody holds the lock any more and no value came (the holder died): fetch it.
    Orphaned,
    /// Still in flight when the wait ran out.
    TimedOut,
}

pub struct SharedTier {
    redis: Arc<SharedRedis>,
    /// The purge generation last read (part of every key).
    generation: AtomicI64,
    /// How long a replica waits for another's fetch, and how long a lock lives.
    flight_wait: Duration,
}

impl SharedTier {
    pub fn new(redis: Arc<SharedRedis>, flight_wait: Duration) -> Self {
        Self {
            redis,
            generation: AtomicI64::new(0),
            flight_wait,
        }
    }

    fn key(&self, what: &str, cache_key: &str) -> String {
        let generation = self.generation.load(Ordering::Acquire);
        self.redis.key(&format!("c:{generation}:{what}:{cache_key}"))
    }

    /// The bytes stored as `what` of `cache_key`; `None` when absent or Redis does not answer.
    async fn read(&self, what: &str, cache_key: &str) -> Option<Vec<u8>> {
        let key = self.key(what, cache_key);
        self.redis
            .run(|mut conn| async move { redis::cmd("GET").arg(key).query_async(&mut conn).await })
            .await
            .ok()
            .flatten()
    }

    /// The stored record of `cache_key`, if the shared tier holds one (and answers).
    pub async fn get(&self, cache_key: &str) -> Option<Stored> {
        let record: Record = serde_json::from_slice(&self.read("v", cache_key).await?).ok()?;
        let fetched_at = DateTime::from_timestamp_millis(record.at)?;
        let dataset = match record.data {
            Data::Games(g) => Dataset::Games(g),
            Data::Standings(s) => Dataset::Standings(s),
            Data::Teams(t) => Dataset::Teams(t),
        };
        Some(Stored {
            fetched: Fetched {
                dataset,
                source: record.source,
            },
            fetched_at,
            ttl: Duration::from_millis(record.ttl_ms),
        })
    }

    /// Stores a fresh answer for `retention` (its fresh life plus the stale windows) and
    /// releases the flight.
    pub async fn put(&self, cache_key: &str, fetched: &Fetched, ttl: Duration, retention: Duration) {
        let data = match &fetched.dataset {
            Dataset::Games(g) => DataRef::Games(g),
            Dataset::Standings(s) => DataRef::Standings(s),
            Dataset::Teams(t) => DataRef::Teams(t),
        };
        let record = RecordRef {
            at: Utc::now().timestamp_millis(),
            ttl_ms: ttl.as_millis() as u64,
            source: &fetched.source,
            data,
        };
        let Ok(body) = serde_json::to_vec(&record) else { return };
        self.set_and_release("v", cache_key, body, retention).await;
    }

    /// Sets `what` of `cache_key` to `body` for `lifetime` and drops the flight's lock, in
    /// one pipelined round trip.
    async fn set_and_release(&self, what: &str, cache_key: &str, body: Vec<u8>, lifetime: Duration) {
        let (key, lock_key) = (self.key(what, cache_key), self.key("lock", cache_key));
        let px = lifetime.as_millis().max(1) as u64;
        let _ = self
            .redis
            .run(|mut conn| async move {
                redis::pipe()
                    .cmd("SET")
                    .arg(key)
                    .arg(body)
                    .arg("PX")
                    .arg(px)
                    .ignore()
                    .cmd("DEL")
                    .arg(lock_key)
                    .ignore()
                    .query_async::<()>(&mut conn)
                    .await
            })
            .await;
    }

    /// Remembers a failed fetch briefly and releases the flight.
    pub async fn put_failure(&self, cache_key: &str, err: &ProviderError) {
        let Ok(body) = serde_json::to_vec(&Failure::of(err)) else {
            return;
        };
        self.set_and_release("fail", cache_key, body, FAILURE_MEMORY).await;
    }

    /// Releases the flight of `cache_key` without storing anything.
    pub async fn release(&self, cache_key: &str) {
        let key = self.key("lock", cache_key);
        let _ = self
            .redis
            .run(|mut conn| async move { redis::cmd("DEL").arg(key).query_async::<()>(&mut conn).await })
            .await;
    }

    /// A failure remembered for `cache_key`, if any.
    pub async fn recent_failure(&self, cache_key: &str) -> Option<ProviderError> {
        let raw = self.read("fail", cache_key).await?;
        serde_json::from_slice::<Failure>(&raw).ok().map(Failure::error)
    }

    /// Takes the flight of `cache_key` for this replica: `Some(true)` if it is ours,
    /// `Some(false)` if another replica holds it, `None` if Redis does not answer.
    pub async fn try_lead(&self, cache_key: &str) -> Option<bool> {
        let key = self.key("lock", cache_key);
        let px = self.flight_wait.as_millis().max(1) as u64;
        let taken: Option<String> = self
            .redis
            .run(|mut conn| async move {
                redis::cmd("SET")
                    .arg(key)
                    .arg(1)
                    .arg("NX")
                    .arg("PX")
                    .arg(px)
                    .query_async(&mut conn)
                    .await
            })
            .await
            .ok()?;
        Some(taken.is_some())
    }

    /// Waits (bounded by the flight wait) for the value another replica is fetching.
    pub async fn wait_for(&self, cache_key: &str, newer_than: Option<DateTime<Utc>>) -> Awaited {
        let deadline = tokio::time::Instant::now() + self.flight_wait;
        let lock_key = self.key("lock", cache_key);
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(WAIT_POLL).await;
            if let Some(stored) = self.get(cache_key).await
                && newer_than.is_none_or(|t| stored.fetched_at > t)
            {
                return Awaited::Value(stored);
            }
            if let Some(err) = self.recent_failure(cache_key).await {
                return Awaited::Failed(err);
            }
            let key = lock_key.clone();
            let held: Result<bool, _> = self
                .redis
                .run(|mut conn| async move { redis::cmd("EXISTS").arg(key).query_async(&mut conn).await })
                .await;
            match held {
                Ok(true) => {}
                Ok(false) => return Awaited::Orphaned,
                // Redis went away while we waited: fetch on our own.
                Err(_) => return Awaited::Orphaned,
            }
        }
        Awaited::TimedOut
    }

    /// Makes every replica's records unreachable (the generation moves on).
    pub async fn purge(&self) {
        match self.redis.bump(GENERATION).await {
            Ok(generation) => self.generation.store(generation, Ordering::Release),
            Err(err) => tracing::warn!(error = %err, "shared cache not purged: Redis does not answer"),
        }
    }

    /// Reads the purge generation; true when it moved (the local tier must be cleared).
    pub async fn generation_moved(&self) -> bool {
        match self.redis.counter(GENERATION).await {
            Ok(generation) => self.generation.swap(generation, Ordering::AcqRel) != generation,
            Err(_) => false,
        }
    }
}
