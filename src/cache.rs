//! Where caching is decided. Answers are cached per normalized upstream query (never per
//! caller) with a fresh lifetime per data kind, then served stale while one background
//! refresh runs (stale-while-revalidate), or while the upstream fails (stale-if-error).
//! Concurrent misses for one key make a single upstream call (single-flight).

pub mod entry;
pub mod freshness;
pub mod shared;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use self::entry::{Entry, Rendered, View};
pub use self::freshness::Freshness;
use self::shared::{Awaited, SharedTier};
use crate::config::CacheSettings;
use crate::providers::chain::ProviderChain;
use crate::providers::{ProviderError, UpstreamQuery};
use crate::telemetry::metrics;

/// How a lookup was answered (drives `X-Cache`, `Cache-Status` and the metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheResult {
    /// Fresh from the cache.
    Hit,
    /// Fetched upstream by this request.
    Miss,
    /// Waited for another request's upstream call for the same key.
    Collapsed,
    /// Stale, served while a background refresh runs.
    Stale,
    /// Stale, served because the upstream failed.
    StaleIfError,
}

impl CacheResult {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Miss => "miss",
            Self::Collapsed => "collapsed",
            Self::Stale => "stale",
            Self::StaleIfError => "stale_error",
        }
    }
}

/// A cache answer: the entry and how it was obtained.
#[derive(Debug, Clone)]
pub struct Lookup {
    pub entry: Arc<Entry>,
    pub result: CacheResult,
    /// Why the upstream failed when stale data is served instead.
    pub upstream_error: Option<ProviderError>,
}

/// The cache in front of the provider chain. Cheap to clone.
#[derive(Clone)]
pub struct SportsCache {
    entries: moka::sync::Cache<String, Arc<Entry>>,
    /// Upstream calls in flight, one per key; waiters share the leader's result.
    flights: moka::future::Cache<String, (Arc<Entry>, Origin)>,
    chain: Arc<ProviderChain>,
    settings: Arc<CacheSettings>,
    /// The tier shared by the replicas (Redis), when configured.
    shared: Option<Arc<SharedTier>>,
}

/// Where a flight's entry came from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    Upstream,
    /// The shared tier already held it.
    Shared,
    /// Another replica fetched it while this one waited.
    SharedAfterWait,
}

/// Per-entry retention: fresh life plus the stale windows, so expired data is still there
/// for stale-if-error.
struct Retention(Arc<CacheSettings>);

impl moka::Expiry<String, Arc<Entry>> for Retention {
    fn expire_after_create(&self, _: &String, entry: &Arc<Entry>, _: std::time::Instant) -> Option<Duration> {
        Some(freshness::retention(entry.ttl, &self.0))
    }

    /// A refresh replaces the entry: its retention starts over (moka would keep the old one).
    fn expire_after_update(
        &self,
        _: &String,
        entry: &Arc<Entry>,
        _: std::time::Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(freshness::retention(entry.ttl, &self.0))
    }
}

impl SportsCache {
    pub fn new(chain: Arc<ProviderChain>, settings: CacheSettings) -> Self {
        let settings = Arc::new(settings);
        let entries = moka::sync::Cache::builder()
            .max_capacity(settings.max_bytes)
            .weigher(|_: &String, e: &Arc<Entry>| e.weight())
            .expire_after(Retention(settings.clone()))
            .build();
        // A finished flight lingers at most a second: its entry is in `entries` by then.
        let flights = moka::future::Cache::builder()
            .time_to_live(Duration::from_secs(1))
            .build();
        Self {
            entries,
            flights,
            chain,
            settings,
            shared: None,
        }
    }

    /// Adds the shared tier, and clears this replica's tier whenever another purges.
    pub fn with_shared_tier(mut self, tier: Arc<SharedTier>) -> Self {
        let (watched, entries) = (Arc::downgrade(&tier), self.entries.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(200));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(tier) = watched.upgrade() else { break };
                if tier.generation_moved().await {
                    entries.invalidate_all();
                }
            }
        });
        self.shared = Some(tier);
        self
    }

    pub fn chain(&self) -> &ProviderChain {
        &self.chain
    }

    pub fn settings(&self) -> &CacheSettings {
        &self.settings
    }

    /// Answers `query` from the cache or the upstream.
    pub async fn get(&self, query: UpstreamQuery) -> Result<Lookup, ProviderError> {
        // The key is the upstream question itself: a dated query is only ever answered by a
        // provider that looked that day up, so its entry holds exactly that day.
        let key = query.cache_key();
        let cached = self.entries.get(&key);
        let lookup = match cached.as_ref().map(|e| (e, e.freshness(&self.settings))) {
            Some((entry, Freshness::Fresh { .. })) => Ok(Lookup {
                entry: entry.clone(),
                result: CacheResult::Hit,
                upstream_error: None,
            }),
            Some((entry, Freshness::Revalidate { .. })) => {
                self.revalidate_in_background(key, query, entry.clone());
                Ok(Lookup {
                    entry: entry.clone(),
                    result: CacheResult::Stale,
                    upstream_error: None,
                })
            }
            // A stale copy is at hand: the upstream gets a short wait, not the whole chain's
            // budget; past it the copy is served and the refresh goes on in its own task.
            Some((entry, Freshness::StaleIfError { .. })) => {
                let wait = self.settings.stale_if_error_wait;
                let known = Some(entry.stored_wall);
                let upstream_error = match tokio::time::timeout(wait, self.refresh(key, query, known)).await {
                    Ok(Ok(lookup)) => return self.counted(Ok(lookup)),
                    Ok(Err(err)) => err,
                    Err(_) => ProviderError::Timeout,
                };
                Ok(Lookup {
                    entry: entry.clone(),
                    result: CacheResult::StaleIfError,
                    upstream_error: Some(upstream_error),
                })
            }
            Some((_, Freshness::Expired)) | None => self.refresh(key, query, None).await,
        };
        self.counted(lookup)
    }

    fn counted(&self, lookup: Result<Lookup, ProviderError>) -> Result<Lookup, ProviderError> {
        metrics::cache_lookup(lookup.as_ref().map_or("error", |l| l.result.as_str()));
        lookup
    }

    /// Drops every entry (admin purge): here, in the shared tier, and (through it, within
    /// 200 ms) on every other replica.
    pub async fn purge(&self) {
        self.entries.invalidate_all();
        if let Some(tier) = &self.shared {
            tier.purge().await;
        }
    }

    /// The entry for `key`: from the shared tier when it holds one newer than `known` (and
    /// fresh), else from the upstream, fetched by one replica at a time.
    async fn obtain(
        &self,
        key: &str,
        query: UpstreamQuery,
        known: Option<DateTime<Utc>>,
    ) -> Result<(Arc<Entry>, Origin), ProviderError> {
        let Some(tier) = self.shared.clone() else {
            return Ok((self.fetch_upstream(query).await?, Origin::Upstream));
        };
        let usable = |stored: &shared::Stored| {
            known.is_none_or(|t| stored.fetched_at > t)
                && (Utc::now() - stored.fetched_at).to_std().unwrap_or_default() < stored.ttl
        };
        let adopt = |stored: shared::Stored, query: UpstreamQuery| {
            Arc::new(Entry::restored(query, stored.fetched, stored.ttl, stored.fetched_at))
        };
        // A holder that died leaves its lock to expire; a waiter then tries to lead again.
        for _ in 0..3 {
            if let Some(stored) = tier.get(key).await.filter(usable) {
                return Ok((adopt(stored, query), Origin::Shared));
            }
            if let Some(err) = tier.recent_failure(key).await {
                return Err(err);
            }
            match tier.try_lead(key).await {
                // Ours, or Redis does not answer: fetch (and share what comes back).
                Some(true) | None => break,
                Some(false) => match tier.wait_for(key, known).await {
                    Awaited::Value(stored) => return Ok((adopt(stored, query), Origin::SharedAfterWait)),
                    Awaited::Failed(err) => return Err(err),
                    Awaited::Orphaned => continue,
                    Awaited::TimedOut => break,
                },
            }
        }
        let retention = |ttl| freshness::retention(ttl, &self.settings);
        match self.fetch_upstream(query).await {
            Ok(entry) => {
                tier.put(key, &entry.fetched, entry.ttl, retention(entry.ttl)).await;
                Ok((entry, Origin::Upstream))
            }
            Err(err) => {
                // Only the upstream's trouble is worth remembering; an answer that cannot
                // exist (no recording, not served) costs no upstream call anyway.
                if err.is_upstream_failure() || err.retry_after().is_some() {
                    tier.put_failure(key, &err).await;
                } else {
                    tier.release(key).await;
                }
                Err(err)
            }
        }
    }

    async fn fetch_upstream(&self, query: UpstreamQuery) -> Result<Arc<Entry>, ProviderError> {
        let fetched = self.chain.fetch(&query).await?;
        let ttl = freshness::ttl_for(query.kind, &fetched.dataset, &self.settings, Utc::now());
        Ok(Arc::new(Entry::new(query, fetched, ttl)))
    }

    /// One upstream call per key at a time: the first caller leads, later callers wait for
    /// and share its result (an error too, so a failing upstream is not hammered).
    async fn refresh(
        &self,
        key: String,
        query: UpstreamQuery,
        known: Option<DateTime<Utc>>,
    ) -> Result<Lookup, ProviderError> {
        let this = self.clone();
        // The whole flight runs in its own task, so a leader whose caller disconnects does not
        // abort the call others wait on (moka would then start a second one for them).
        let flight = tokio::spawn(async move {
            let init = {
                let this = this.clone();
                let key = key.clone();
                async move {
                    let (entry, origin) = this.obtain(&key, query, known).await?;
                    this.entries.insert(key, entry.clone());
                    Ok::<_, ProviderError>((entry, origin))
                }
            };
            let flight = this.flights.entry(key.clone()).or_try_insert_with(init).await;
            match flight {
                Ok(flight) => {
                    let led = flight.is_fresh();
                    if led {
                        this.flights.invalidate(&key).await;
                    }
                    Ok((flight.into_value(), led))
                }
                Err(shared) => Err((*shared).clone()),
            }
        });
        let ((entry, origin), led) = flight
            .await
            .unwrap_or_else(|_| Err(ProviderError::Connect("refresh task failed".into())))?;
        let result = match (origin, led) {
            (Origin::Shared, true) => CacheResult::Hit,
            (Origin::Upstream, true) => CacheResult::Miss,
            _ => CacheResult::Collapsed,
        };
        Ok(Lookup {
            entry,
            result,
            upstream_error: None,
        })
    }

    fn revalidate_in_background(&self, key: String, query: UpstreamQuery, entry: Arc<Entry>) {
        if entry.revalidating.swap(true, Ordering::AcqRel) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(err) = this.refresh(key, query, Some(entry.stored_wall)).await {
                tracing::warn!(error = %err, "background revalidation failed; serving stale");
            }
            entry.revalidating.store(false, Ordering::Release);
        });
    }
}
