//! The key ring: issuing, listing, changing and revoking API keys (for the CLI and
//! `/admin`), and authenticating presented keys on the hot path against an in-memory
//! directory of every key, so a request never waits on the database and a flood of made-up
//! keys costs no queries. The directory is re-read when the store's key fingerprint changes
//! (checked every second), which bounds how late a change made on another replica is seen;
//! with Redis, a change also bumps a shared counter read every 200 ms, so the others re-read
//! sooner.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use crate::domain::api_key::{ApiKeyRecord, IssuedKey, parse_token, validate_name};
use crate::domain::plan::Plans;
use crate::shared::SharedRedis;
use crate::store::{KeyFingerprint, KeyPatch, Store, StoreError};

/// How often the directory is checked against the store.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(1);
/// How often the Redis change counter is read, when there is one: a change made on any
/// replica is then seen everywhere within about this long, without asking the database.
pub const CHANGE_POLL: Duration = Duration::from_millis(200);
/// The Redis key counting key changes (after the deployment's prefix).
const CHANGE_COUNTER: &str = "keys:version";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("invalid {field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("no key {0}")]
    NotFound(String),
    #[error("key {0} is revoked")]
    Revoked(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a presented key was refused (the caller is told only "invalid key").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Malformed,
    Unknown,
    Revoked,
    Expired,
}

/// An admin's request for a new key.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub name: String,
    pub plan: String,
    pub expires_at: Option<DateTime<Utc>>,
}

pub struct KeyRing {
    store: Arc<dyn Store>,
    plans: Arc<Plans>,
    /// Every key by id, as of the last sync (plus changes made on this replica since).
    directory: RwLock<HashMap<String, Arc<ApiKeyRecord>>>,
    /// The store's fingerprint the directory was read at; `None` before the first sync.
    synced_at: Mutex<Option<KeyFingerprint>>,
    /// Bumped by every change made here, so a sync that read the keys before such a change
    /// does not undo it.
    local_changes: AtomicU64,
    /// Woken after each sync that re-read the keys.
    synced: tokio::sync::Notify,
    /// Ids not in the directory (a key made on another replica since the last sync) are
    /// looked up in the store, coalesced per id and remembered for a second...
    misses: moka::future::Cache<String, Option<Arc<ApiKeyRecord>>>,
    /// ...and at most this often per replica, so made-up keys cannot flood the database.
    /// Past it a lookup waits for the next sync instead (a key made elsewhere is in the
    /// directory then), so a key that verifies is never refused for want of budget.
    miss_lookups: DefaultDirectRateLimiter,
    /// Where changes are announced to the other replicas (Redis), when configured.
    announce: OnceLock<Arc<SharedRedis>>,
    /// The change counter last read; -1 before the first read.
    seen_changes: AtomicI64,
}

impl KeyRing {
    pub fn new(store: Arc<dyn Store>, plans: Arc<Plans>) -> Self {
        let misses = moka::future::Cache::builder()
            .max_capacity(10_000)
            .time_to_live(SYNC_INTERVAL)
            .build();
        let miss_lookups = Quota::per_second(NonZeroU32::new(20).expect("non-zero"))
            .allow_burst(NonZeroU32::new(50).expect("non-zero"));
        Self {
            store,
            plans,
            directory: RwLock::default(),
            synced_at: Mutex::default(),
            local_changes: AtomicU64::new(0),
            synced: tokio::sync::Notify::new(),
            misses,
            miss_lookups: RateLimiter::direct(miss_lookups),
            announce: OnceLock::new(),
            seen_changes: AtomicI64::new(-1),
        }
    }

    /// Announces every change made here through `redis`, and lets [`Self::changed_elsewhere`]
    /// read the others'.
    pub fn announce_through(&self, redis: Arc<SharedRedis>) {
        let _ = self.announce.set(redis);
    }

    /// Bumps the shared change counter (best effort: the store fingerprint poll still
    /// carries the change within a second if Redis is away).
    async fn announce_change(&self) {
        if let Some(redis) = self.announce.get()
            && let Err(err) = redis.bump(CHANGE_COUNTER).await
        {
            tracing::debug!(error = %err, "key change not announced; other replicas see it within a second");
        }
    }

    /// Whether the shared change counter moved since the last call (false without Redis).
    pub async fn changed_elsewhere(&self) -> bool {
        let Some(redis) = self.announce.get() else {
            return false;
        };
        match redis.counter(CHANGE_COUNTER).await {
            Ok(counter) => self.seen_changes.swap(counter, Ordering::AcqRel) != counter,
            Err(_) => false,
        }
    }

    /// Re-reads every key when the store's fingerprint differs from the one last read (one
    /// aggregate query when nothing changed). On a store error the directory is kept: keys
    /// verified so far keep working while the database is away.
    pub async fn sync(&self) -> Result<(), StoreError> {
        let now = self.store.key_fingerprint().await?;
        if *self.synced_at.lock().expect("sync lock") == Some(now) {
            return Ok(());
        }
        let changes_before = self.local_changes.load(Ordering::Acquire);
        let keys = self.store.list_keys().await?;
        let fresh: HashMap<String, Arc<ApiKeyRecord>> =
            keys.into_iter().map(|k| (k.id.to_string(), Arc::new(k))).collect();
        {
            let mut directory = self.directory.write().expect("directory lock");
            if self.local_changes.load(Ordering::Acquire) != changes_before {
                // A change made here meanwhile may be missing from what was read: the next
                // sync (the fingerprint still differs) reads it.
                return Ok(());
            }
            *directory = fresh;
        }
        *self.synced_at.lock().expect("sync lock") = Some(now);
        self.synced.notify_waiters();
        Ok(())
    }

    fn remember(&self, record: &ApiKeyRecord) {
        let mut directory = self.directory.write().expect("directory lock");
        directory.insert(record.id.to_string(), Arc::new(record.clone()));
        self.local_changes.fetch_add(1, Ordering::AcqRel);
    }

    /// The plan's canonical (lower-case) name, or an error naming the plans.
    fn check_plan(&self, plan: &str) -> Result<String, KeyError> {
        if let Some(found) = self.plans.get(plan) {
            Ok(found.name.clone())
        } else {
            Err(KeyError::Invalid {
                field: "plan",
                message: format!(
                    "unknown plan {:?} (plans: {})",
                    plan.chars().take(40).collect::<String>(),
                    self.plans.names().join(", ")
                ),
            })
        }
    }

    /// Creates a key; the returned token is shown once and never stored.
    pub async fn issue(&self, new: NewKey) -> Result<IssuedKey, KeyError> {
        let name = validate_name(&new.name).map_err(|message| KeyError::Invalid { field: "name", message })?;
        let plan = self.check_plan(&new.plan)?;
        if new.expires_at.is_some_and(|e| e <= Utc::now()) {
            return Err(KeyError::Invalid {
                field: "expires_at",
                message: "must be in the future".into(),
            });
        }
        let issued = IssuedKey::generate(&name, &plan, new.expires_at);
        self.store.insert_key(&issued.record).await?;
        self.remember(&issued.record);
        self.announce_change().await;
        Ok(issued)
    }

    pub async fn list(&self) -> Result<Vec<ApiKeyRecord>, KeyError> {
        Ok(self.store.list_keys().await?)
    }

    pub async fn get(&self, id: &str) -> Result<ApiKeyRecord, KeyError> {
        let id = &canonical_id(id);
        self.store
            .find_key(id)
            .await?
            .ok_or_else(|| KeyError::NotFound(id.to_owned()))
    }

    pub async fn patch(&self, id: &str, mut patch: KeyPatch) -> Result<ApiKeyRecord, KeyError> {
        if let Some(name) = &patch.name {
            patch.name = Some(validate_name(name).map_err(|message| KeyError::Invalid { field: "name", message })?);
        }
        if let Some(plan) = &patch.plan {
            patch.plan = Some(self.check_plan(plan)?);
        }
        let id = &canonical_id(id);
        let Some(record) = self.store.update_key(id, &patch).await? else {
            // Revocation is final: a revoked key cannot be renamed, re-planned or revived.
            return Err(match self.store.find_key(id).await? {
                Some(_) => KeyError::Revoked(id.to_owned()),
                None => KeyError::NotFound(id.to_owned()),
            });
        };
        // Effective at once on this replica; the others see it at their next sync.
        self.remember(&record);
        self.announce_change().await;
        Ok(record)
    }

    pub async fn revoke(&self, id: &str) -> Result<(), KeyError> {
        let id = &canonical_id(id);
        if !self.store.revoke_key(id, Utc::now()).await? {
            return Err(KeyError::NotFound(id.to_owned()));
        }
        if let Some(record) = self.store.find_key(id).await? {
            self.remember(&record);
        }
        self.announce_change().await;
        Ok(())
    }

    /// Checks a presented token: shape, known id, secret (constant time), not revoked or
    /// expired. Known keys are answered from memory; the store is asked only about ids the
    /// directory does not hold, within the service-wide miss budget.
    pub async fn authenticate(&self, token: &str) -> Result<Result<Arc<ApiKeyRecord>, Refusal>, StoreError> {
        let Some((id, secret)) = parse_token(token) else {
            return Ok(Err(Refusal::Malformed));
        };
        let known = self.directory.read().expect("directory lock").get(id.as_str()).cloned();
        let record = match known {
            Some(record) => Some(record),
            None => self.look_up_unknown(id.as_str()).await?,
        };
        let Some(record) = record else {
            return Ok(Err(Refusal::Unknown));
        };
        if !record.secret_hash.matches(secret) {
            return Ok(Err(Refusal::Unknown));
        }
        if record.revoked_at.is_some() {
            return Ok(Err(Refusal::Revoked));
        }
        if !record.is_active(Utc::now()) {
            return Ok(Err(Refusal::Expired));
        }
        Ok(Ok(record))
    }

    async fn look_up_unknown(&self, id: &str) -> Result<Option<Arc<ApiKeyRecord>>, StoreError> {
        if let Some(seen) = self.misses.get(id).await {
            return Ok(seen);
        }
        if self.miss_lookups.check().is_err() {
            let _ = tokio::time::timeout(2 * SYNC_INTERVAL, self.synced.notified()).await;
            return Ok(self.directory.read().expect("directory lock").get(id).cloned());
        }
        let store = self.store.clone();
        let owned = id.to_owned();
        let found = self
            .misses
            .try_get_with(id.to_owned(), async move {
                store.find_key(&owned).await.map(|k| k.map(Arc::new))
            })
            .await
            .map_err(|shared| StoreError::Unavailable(shared.to_string()))?;
        if let Some(record) = &found {
            self.remember(record);
        }
        Ok(found)
    }
}

/// Key ids are lower case; like every id they are matched without regard to case.
fn canonical_id(id: &str) -> String {
    id.trim().to_ascii_lowercase()
}
