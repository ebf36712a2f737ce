//! API management: who is calling (API key or anonymous client IP), whether they may
//! (plan rate and quota), and what they used. The HTTP gate (`http/middleware/gate.rs`)
//! calls into this; the CLI and `/admin` use the key ring.

pub mod client_ip;
pub mod keys;
pub mod redact;
pub mod usage;

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use governor::clock::Clock;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use self::keys::{KeyRing, Refusal};
use self::usage::UsageBook;
use crate::config::ManagementSettings;
use crate::domain::api_key::ApiKeyRecord;
use crate::domain::plan::{Plan, Plans};
use crate::domain::subject;
use crate::ratelimit::distributed::RedisAdmitter;
use crate::ratelimit::local::LocalAdmitter;
use crate::ratelimit::window::QuotaState;
use crate::ratelimit::{Admission, Admitter, QuotaLedger};
use crate::shared::SharedRedis;
use crate::store::deadline::DeadlineStore;
use crate::store::sql::SqlStore;
use crate::store::{HistoryEntry, Store, StoreError};
use crate::telemetry::tally::Tally;

/// An identified caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// `key:<id>` or `ip:<address>`: what limits and usage are counted against. Shared, so
    /// the copies the gate hands to the handler and the accounting cost no allocation.
    pub subject: Arc<str>,
    pub key: Option<Arc<ApiKeyRecord>>,
    pub plan: Arc<Plan>,
}

#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error("an API key is required")]
    KeyRequired,
    #[error("invalid API key ({0:?})")]
    InvalidKey(Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the gate answered 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    /// The plan's rate or burst (slow down).
    Throttled,
    /// The plan's daily or monthly quota is spent (wait for the reset).
    QuotaExceeded,
}

/// What the admin token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAccess {
    /// No token configured: the admin API does not exist.
    Disabled,
    Denied,
    Granted,
}

pub struct Management {
    pub store: Arc<dyn Store>,
    pub keys: KeyRing,
    pub usage: Arc<UsageBook>,
    pub plans: Arc<Plans>,
    /// Decides the plan's rate and quota: this replica's own, or shared through Redis.
    admitter: Box<dyn Admitter>,
    /// 429s by plan and reason since this app started (for `/admin/v1/stats`).
    pub rejections: Tally<(String, Rejection)>,
    /// Account routes (`/v1/me*`) are free of the plan's limits, so a caller whose quota is
    /// spent can still see it; this keeps them from being called in a tight loop.
    account_throttle: governor::DefaultKeyedRateLimiter<Arc<str>>,
    anonymous_plan: Option<Arc<Plan>>,
    trusted_proxies: Vec<ipnet::IpNet>,
    admin_token: Option<SecretString>,
    backend: &'static str,
    /// The Redis link shared by the replicas, when configured.
    pub redis: Option<Arc<SharedRedis>>,
}

impl Management {
    /// Opens the store, applies migrations and reads the key directory.
    pub async fn connect(settings: &ManagementSettings) -> Result<Self, StoreError> {
        let store = SqlStore::connect(settings.database_url.expose_secret()).await?;
        store.migrate().await?;
        let backend = store.backend();
        let mut this = Self::new(Arc::new(store), settings);
        this.backend = backend;
        if let Some(redis) = &settings.redis {
            // The URL was parsed when the config was loaded; this fails only if that changed.
            let link = SharedRedis::new(redis).map_err(|e| StoreError::BadUrl(e.to_string()))?;
            // One bounded first contact; a replica starts (degraded) even while Redis is away.
            if let Err(err) = link.ping().await {
                tracing::warn!(error = %err, "Redis does not answer yet; starting with this replica's own limits");
            }
            let link = Arc::new(link);
            let ledger: Arc<dyn QuotaLedger> = this.usage.clone();
            let local = LocalAdmitter::new(&this.plans, ledger.clone());
            this.admitter = Box::new(RedisAdmitter::new(link.clone(), ledger, local));
            this.keys.announce_through(link.clone());
            this.redis = Some(link);
        }
        this.keys.sync().await?;
        Ok(this)
    }

    /// The plan of callers without a key, if they are let in.
    pub fn anonymous_plan(&self) -> Option<&Plan> {
        self.anonymous_plan.as_deref()
    }

    /// `sqlite` or `postgres`.
    pub fn store_backend(&self) -> &'static str {
        self.backend
    }

    /// Every store call made through the returned value is bounded by the store timeout.
    pub fn new(store: Arc<dyn Store>, settings: &ManagementSettings) -> Self {
        let store: Arc<dyn Store> = Arc::new(DeadlineStore::new(store, settings.store_timeout));
        let plans = Arc::new(settings.plans.clone());
        let account_rate = governor::Quota::per_second(NonZeroU32::new(5).expect("non-zero"))
            .allow_burst(NonZeroU32::new(20).expect("non-zero"));
        let usage = Arc::new(UsageBook::new(
            store.clone(),
            settings.history_per_key,
            settings.history_max_age,
        ));
        Self {
            account_throttle: governor::RateLimiter::keyed(account_rate),
            keys: KeyRing::new(store.clone(), plans.clone()),
            admitter: Box::new(LocalAdmitter::new(&plans, usage.clone())),
            rejections: Tally::default(),
            usage,
            anonymous_plan: settings.anonymous_plan.as_deref().and_then(|p| plans.get(p).cloned()),
            trusted_proxies: settings.trusted_proxies.clone(),
            admin_token: settings.admin_token.clone(),
            backend: "custom",
            redis: None,
            plans,
            store,
        }
    }

    /// Starts the usage flusher, the key directory sync and the limiter housekeeping.
    pub fn spawn_background(self: &Arc<Self>) {
        self.usage.spawn_flusher();
        if let Some(redis) = &self.redis {
            redis.spawn_probe();
        }
        // With Redis, a shared change counter is read every 200 ms; the store's fingerprint
        // is checked every second either way.
        let period = if self.redis.is_some() {
            keys::CHANGE_POLL
        } else {
            keys::SYNC_INTERVAL
        };
        let per_sync = (keys::SYNC_INTERVAL.as_millis() / period.as_millis()).max(1) as u64;
        let this = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut ticks: u64 = 0;
            loop {
                tick.tick().await;
                let Some(this) = this.upgrade() else { break };
                ticks += 1;
                if (this.keys.changed_elsewhere().await || ticks.is_multiple_of(per_sync))
                    && let Err(err) = this.keys.sync().await
                {
                    tracing::warn!(error = %err, "key directory sync failed; serving the keys known so far");
                }
                if ticks.is_multiple_of(60 * per_sync) {
                    this.admitter.housekeeping();
                    this.account_throttle.retain_recent();
                    this.account_throttle.shrink_to_fit();
                }
            }
        });
    }

    pub async fn identify(&self, headers: &HeaderMap, peer: IpAddr) -> Result<Caller, GateError> {
        match presented_key(headers) {
            Presented::Unreadable => Err(GateError::InvalidKey(Refusal::Malformed)),
            Presented::Token(token) => {
                let record = self.keys.authenticate(token).await?.map_err(GateError::InvalidKey)?;
                // A key on a plan removed from the config falls back to the anonymous limits,
                // or to `free`, rather than going unmetered.
                let plan = self
                    .plans
                    .get(&record.plan)
                    .or(self.anonymous_plan.as_ref())
                    .or_else(|| self.plans.get("free"))
                    .cloned()
                    .ok_or(GateError::KeyRequired)?;
                Ok(Caller {
                    subject: subject::of_key(record.id.as_str()).into(),
                    key: Some(record),
                    plan,
                })
            }
            Presented::Nothing => {
                let plan = self.anonymous_plan.clone().ok_or(GateError::KeyRequired)?;
                // Every X-Forwarded-For line, in order: a proxy may add its own line instead of
                // appending to the caller's.
                let forwarded: Vec<&str> = headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                let forwarded = (!forwarded.is_empty()).then(|| forwarded.join(","));
                let ip = client_ip::client_ip(peer, forwarded.as_deref(), &self.trusted_proxies);
                Ok(Caller {
                    subject: subject::of_network(client_ip::subject_net(ip)).into(),
                    key: None,
                    plan,
                })
            }
        }
    }

    /// The plan's rate, then its quota, which counts the request if it is let through.
    pub async fn admit(&self, caller: &Caller, now: DateTime<Utc>) -> Admission {
        self.admitter.admit(&caller.plan, &caller.subject, now).await
    }

    /// Where `caller` stands in its plan's quota (shared across replicas with Redis).
    pub async fn quota(&self, caller: &Caller, quota: crate::domain::plan::Quota, now: DateTime<Utc>) -> QuotaState {
        self.admitter.quota(&caller.subject, quota, now).await
    }

    /// Admission to an account route: never counted against the plan, only kept from
    /// being hammered. `Err` carries when to retry.
    pub fn admit_account(&self, caller: &Caller) -> Result<(), Duration> {
        self.account_throttle
            .check_key(&caller.subject)
            .map_err(|not_until| not_until.wait_time_from(governor::clock::DefaultClock::default().now()))
    }

    /// Counts a 429 for the plan: in Prometheus and in this app's tally (`/admin/v1/stats`).
    pub fn count_rejection(&self, plan: &Plan, why: Rejection) {
        crate::telemetry::metrics::ratelimit_rejection(&plan.name);
        self.rejections.add((plan.name.clone(), why));
    }

    /// Accounts an admitted request: usage per route, the key's last use, its history.
    pub fn record(&self, caller: &Caller, route: &str, method: &str, request: &str, status: u16, now: DateTime<Utc>) {
        let key_use = caller.key.as_ref().map(|key| HistoryEntry {
            key_id: key.id.to_string(),
            at: now,
            method: method.to_owned(),
            request: redact::request_line(request),
            status,
        });
        self.usage.account(&caller.subject, route, now.date_naive(), key_use);
    }

    /// Checks `Authorization: Bearer <admin token>` in constant time.
    pub fn admin_access(&self, headers: &HeaderMap) -> AdminAccess {
        let Some(expected) = &self.admin_token else {
            return AdminAccess::Disabled;
        };
        if token_matches(headers, expected) {
            AdminAccess::Granted
        } else {
            AdminAccess::Denied
        }
    }
}

/// Whether `Authorization: Bearer` holds `expected` (compared in constant time).
pub fn token_matches(headers: &HeaderMap, expected: &SecretString) -> bool {
    let presented = bearer_token(headers).unwrap_or_default();
    bool::from(presented.as_bytes().ct_eq(expected.expose_secret().as_bytes()))
}

/// What a request presents as an API key.
enum Presented<'a> {
    Nothing,
    Token(&'a str),
    /// A key header that holds no usable token (empty, not ASCII, repeated, or an
    /// `Authorization` scheme other than Bearer): refused, never served as anonymous.
    Unreadable,
}

/// The key in `x-api-key` or `Authorization: Bearer` (never the query string).
fn presented_key(headers: &HeaderMap) -> Presented<'_> {
    let single = |name| {
        let mut values = headers.get_all(name).iter();
        match (values.next(), values.next()) {
            (None, _) => None,
            (Some(v), None) => Some(v.to_str().ok()),
            (Some(_), Some(_)) => Some(None),
        }
    };
    let token = match (single("x-api-key"), single(axum::http::header::AUTHORIZATION.as_str())) {
        (None, None) => return Presented::Nothing,
        (Some(key), _) => key.map(str::trim),
        (None, Some(auth)) => auth.and_then(parse_bearer),
    };
    match token {
        Some(t) if !t.is_empty() => Presented::Token(t),
        _ => Presented::Unreadable,
    }
}

/// The token of `Authorization: Bearer <token>`, if that is what the header holds.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    parse_bearer(headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?)
}

fn parse_bearer(auth: &str) -> Option<&str> {
    let (scheme, token) = auth.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
