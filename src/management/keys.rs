//! The key ring: issuing, listing, changing and revoking API keys (for the CLI and
//! `/admin`), and authenticating presented keys on the hot path through a short in-process
//! cache, so a request does no database round trip for a key seen in the last second.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::domain::api_key::{ApiKeyRecord, IssuedKey, parse_token, validate_name};
use crate::domain::plan::Plans;
use crate::store::{KeyPatch, Store, StoreError, with_deadline};

/// How long a verified (or unknown) key is trusted without asking the store: the bound on
/// how late a revocation or plan change made on another replica takes effect.
const CACHE_TTL: Duration = Duration::from_secs(1);

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
    /// Too many lookups of uncached keys from one address: refused before the store is asked.
    Throttled,
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
    /// id → record (or `None` for ids the store does not know).
    verified: moka::sync::Cache<String, Option<Arc<ApiKeyRecord>>>,
    /// Store lookups (cache misses) per client address.
    lookups: DefaultKeyedRateLimiter<IpAddr>,
}

impl KeyRing {
    pub fn new(store: Arc<dyn Store>, plans: Arc<Plans>) -> Self {
        let verified = moka::sync::Cache::builder()
            .max_capacity(100_000)
            .time_to_live(CACHE_TTL)
            .build();
        // A legitimate client misses the cache about once a second per key it uses.
        let per_client = Quota::per_second(NonZeroU32::new(20).expect("non-zero"))
            .allow_burst(NonZeroU32::new(50).expect("non-zero"));
        Self {
            store,
            plans,
            verified,
            lookups: RateLimiter::keyed(per_client),
        }
    }

    fn check_plan(&self, plan: &str) -> Result<(), KeyError> {
        if self.plans.get(plan).is_some() {
            Ok(())
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
        self.check_plan(&new.plan)?;
        if new.expires_at.is_some_and(|e| e <= Utc::now()) {
            return Err(KeyError::Invalid {
                field: "expires_at",
                message: "must be in the future".into(),
            });
        }
        let issued = IssuedKey::generate(&name, &new.plan, new.expires_at);
        self.store.insert_key(&issued.record).await?;
        Ok(issued)
    }

    pub async fn list(&self) -> Result<Vec<ApiKeyRecord>, KeyError> {
        Ok(self.store.list_keys().await?)
    }

    pub async fn get(&self, id: &str) -> Result<ApiKeyRecord, KeyError> {
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
            self.check_plan(plan)?;
        }
        let Some(record) = self.store.update_key(id, &patch).await? else {
            // Revocation is final: a revoked key cannot be renamed, re-planned or revived.
            return Err(match self.store.find_key(id).await? {
                Some(_) => KeyError::Revoked(id.to_owned()),
                None => KeyError::NotFound(id.to_owned()),
            });
        };
        self.verified.invalidate(id);
        Ok(record)
    }

    pub async fn revoke(&self, id: &str) -> Result<(), KeyError> {
        let found = self.store.revoke_key(id, Utc::now()).await?;
        // Effective at once on this replica; others drop their copy within CACHE_TTL.
        self.verified.invalidate(id);
        if found {
            Ok(())
        } else {
            Err(KeyError::NotFound(id.to_owned()))
        }
    }

    /// Forgets addresses whose lookup budget is full again.
    pub fn housekeeping(&self) {
        self.lookups.retain_recent();
        self.lookups.shrink_to_fit();
    }

    /// Checks a presented token: shape, known id, secret (constant time), not revoked or expired.
    /// `client` pays for store lookups: a flood of made-up keys from one address is refused
    /// after a burst instead of becoming a flood of database queries.
    pub async fn authenticate(
        &self,
        token: &str,
        client: IpAddr,
    ) -> Result<Result<Arc<ApiKeyRecord>, Refusal>, StoreError> {
        let Some((id, secret)) = parse_token(token) else {
            return Ok(Err(Refusal::Malformed));
        };
        let record = match self.verified.get(id.as_str()) {
            Some(cached) => cached,
            None if self.lookups.check_key(&client).is_err() => return Ok(Err(Refusal::Throttled)),
            None => {
                // A store that hangs must not hang every keyed request (503 after the deadline).
                let found = with_deadline(self.store.find_key(id.as_str())).await?.map(Arc::new);
                self.verified.insert(id.as_str().to_owned(), found.clone());
                found
            }
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
}
