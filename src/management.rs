//! API management: who is calling (API key or anonymous client IP), whether they may
//! (plan rate and quota), and what they used. The HTTP gate (`http/middleware/gate.rs`)
//! calls into this; the CLI and `/admin` use the key ring.

pub mod client_ip;
pub mod keys;
pub mod usage;

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use self::keys::{KeyRing, Refusal};
use self::usage::UsageBook;
use crate::config::ManagementSettings;
use crate::domain::api_key::ApiKeyRecord;
use crate::domain::plan::{Plan, Plans};
use crate::ratelimit::headers::LimitState;
use crate::ratelimit::window::QuotaState;
use crate::ratelimit::{Throttle, Throttled};
use crate::store::sql::SqlStore;
use crate::store::{HistoryEntry, Store, StoreError};

/// An identified caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// `key:<id>` or `ip:<address>`: what limits and usage are counted against.
    pub subject: String,
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

/// The outcome of admission.
#[derive(Debug, Clone)]
pub enum Admission {
    Admitted(LimitState),
    Throttled(LimitState, std::time::Duration),
    QuotaExceeded(LimitState, QuotaState),
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
    throttle: Throttle,
    anonymous_plan: Option<Arc<Plan>>,
    trusted_proxies: Vec<ipnet::IpNet>,
    admin_token: Option<SecretString>,
    backend: &'static str,
}

impl Management {
    /// Opens the store and applies migrations.
    pub async fn connect(settings: &ManagementSettings) -> Result<Self, StoreError> {
        let store = SqlStore::connect(settings.database_url.expose_secret()).await?;
        store.migrate().await?;
        let backend = store.backend();
        let mut this = Self::new(Arc::new(store), settings);
        this.backend = backend;
        Ok(this)
    }

    /// `sqlite` or `postgres`.
    pub fn store_backend(&self) -> &'static str {
        self.backend
    }

    pub fn new(store: Arc<dyn Store>, settings: &ManagementSettings) -> Self {
        let plans = Arc::new(settings.plans.clone());
        Self {
            keys: KeyRing::new(store.clone(), plans.clone()),
            usage: Arc::new(UsageBook::new(
                store.clone(),
                settings.history_per_key,
                settings.history_max_age,
            )),
            throttle: Throttle::new(&plans),
            anonymous_plan: settings.anonymous_plan.as_deref().and_then(|p| plans.get(p).cloned()),
            trusted_proxies: settings.trusted_proxies.clone(),
            admin_token: settings.admin_token.clone(),
            backend: "custom",
            plans,
            store,
        }
    }

    /// Starts the usage flusher and the limiter housekeeping.
    pub fn spawn_background(self: &Arc<Self>) {
        self.usage.spawn_flusher();
        let this = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                let Some(this) = this.upgrade() else { break };
                this.throttle.housekeeping();
                this.keys.housekeeping();
            }
        });
    }

    /// The key presented in `x-api-key` or `Authorization: Bearer` (never the query string).
    fn presented_key(headers: &HeaderMap) -> Option<&str> {
        if let Some(v) = headers.get("x-api-key") {
            return v.to_str().ok().map(str::trim);
        }
        bearer_token(headers)
    }

    pub async fn identify(&self, headers: &HeaderMap, peer: IpAddr) -> Result<Caller, GateError> {
        // Every X-Forwarded-For line, in order: a proxy may add its own line instead of
        // appending to the caller's.
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let forwarded = (!forwarded.is_empty()).then(|| forwarded.join(","));
        let ip = client_ip::client_ip(peer, forwarded.as_deref(), &self.trusted_proxies);
        match Self::presented_key(headers) {
            Some(token) => {
                let record = self
                    .keys
                    .authenticate(token, ip)
                    .await?
                    .map_err(GateError::InvalidKey)?;
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
                    subject: format!("key:{}", record.id),
                    key: Some(record),
                    plan,
                })
            }
            None => {
                let plan = self.anonymous_plan.clone().ok_or(GateError::KeyRequired)?;
                Ok(Caller {
                    subject: format!("ip:{}", client_ip::subject_net(ip)),
                    key: None,
                    plan,
                })
            }
        }
    }

    /// Throttle first (cheap, in memory), then the quota, which counts the request.
    pub async fn admit(&self, caller: &Caller, now: DateTime<Utc>) -> Admission {
        let throttle = self.throttle.check(&caller.plan, &caller.subject);
        if let Throttled::Limited { retry_after } = throttle {
            let quota = match caller.plan.quota {
                Some(q) => Some(self.usage.peek(&caller.subject, q, now).await),
                None => None,
            };
            return Admission::Throttled(LimitState { throttle, quota }, retry_after);
        }
        let Some(quota) = caller.plan.quota else {
            return Admission::Admitted(LimitState { throttle, quota: None });
        };
        match self.usage.reserve(&caller.subject, quota, now).await {
            Ok(state) => Admission::Admitted(LimitState {
                throttle,
                quota: Some(state),
            }),
            Err(full) => Admission::QuotaExceeded(
                LimitState {
                    throttle,
                    quota: Some(full),
                },
                full,
            ),
        }
    }

    /// Accounts an admitted request: usage per route, the key's last use, its history.
    pub fn record(&self, caller: &Caller, route: &str, method: &str, request: &str, status: u16, now: DateTime<Utc>) {
        let key_use = caller.key.as_ref().map(|key| HistoryEntry {
            key_id: key.id.to_string(),
            at: now,
            method: method.to_owned(),
            request: request.chars().take(512).collect(),
            status,
        });
        self.usage.account(&caller.subject, route, now.date_naive(), key_use);
    }

    /// Checks `Authorization: Bearer <admin token>` in constant time.
    pub fn admin_access(&self, headers: &HeaderMap) -> AdminAccess {
        let Some(expected) = &self.admin_token else {
            return AdminAccess::Disabled;
        };
        let presented = bearer_token(headers).unwrap_or_default();
        if bool::from(presented.as_bytes().ct_eq(expected.expose_secret().as_bytes())) {
            AdminAccess::Granted
        } else {
            AdminAccess::Denied
        }
    }
}

/// The token of `Authorization: Bearer <token>`, if that is what the header holds.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let auth = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = auth.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
