//! Persistence behind one trait: API keys, usage counts, the upstream budget, preferences
//! and history. One SQL implementation (`sql.rs`) serves both backends through sqlx's `Any`
//! driver: SQLite (embedded default) and PostgreSQL, with one set of portable migrations
//! (`migrations/`). Times are stored as Unix milliseconds and days as `YYYY-MM-DD` text so
//! the same SQL runs on both.

pub mod deadline;
pub mod sql;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::api_key::ApiKeyRecord;
use crate::domain::preferences::Preferences;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or answered with an error. The message never holds
    /// the connection URL (it may carry a password).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0} already exists")]
    Conflict(String),
    #[error("invalid database URL: {0}")]
    BadUrl(String),
}

/// Fields of a key an admin may change.
#[derive(Debug, Clone, Default)]
pub struct KeyPatch {
    pub name: Option<String>,
    pub plan: Option<String>,
    /// `Some(None)` clears the expiry.
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

/// Changes whenever a key is added or changed (count of keys, sum of their versions): one
/// cheap query tells a replica whether its in-memory key directory is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyFingerprint {
    pub keys: u64,
    pub versions: u64,
}

/// Requests counted for one subject (`key:<id>` or `ip:<addr>`), day (UTC) and route template.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, ToSchema)]
pub struct UsageKey {
    pub subject: String,
    #[schema(value_type = String, example = "2026-11-23")]
    pub day: NaiveDate,
    pub route: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UsageRow {
    #[serde(flatten)]
    pub key: UsageKey,
    pub count: u64,
}

/// Requests of one subject on one day (UTC), all routes; every `ip:` subject is summed
/// into `anonymous`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DailyUsage {
    /// `key:<id>`, or `anonymous` for all callers without a key.
    pub subject: String,
    #[schema(value_type = String, example = "2026-11-23")]
    pub day: NaiveDate,
    pub count: u64,
}

impl DailyUsage {
    /// The series a subject's requests are charted in: its key, or `anonymous` for every
    /// client address (the store's SQL groups the same way).
    pub fn series_of(subject: &str) -> &str {
        if crate::domain::subject::is_anonymous(subject) {
            "anonymous"
        } else {
            subject
        }
    }
}

/// Which usage rows to read (all bounds optional; days inclusive).
#[derive(Debug, Clone, Default)]
pub struct UsageFilter {
    pub subject: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub limit: u32,
}

/// One query a caller made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct HistoryEntry {
    #[serde(skip)]
    pub key_id: String,
    #[serde(serialize_with = "crate::domain::time::serialize")]
    pub at: DateTime<Utc>,
    /// HTTP method (`GET`, `PUT`).
    pub method: String,
    /// Path and query string as requested (`/v1/leagues/nfl/games?team=KC`).
    pub request: String,
    pub status: u16,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Round trip to the database (readiness).
    async fn ping(&self) -> Result<(), StoreError>;
    /// Applies pending migrations.
    async fn migrate(&self) -> Result<(), StoreError>;

    async fn insert_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError>;
    async fn find_key(&self, id: &str) -> Result<Option<ApiKeyRecord>, StoreError>;
    async fn list_keys(&self) -> Result<Vec<ApiKeyRecord>, StoreError>;
    /// `None` when no such key exists or it is revoked (revocation is final).
    async fn update_key(&self, id: &str, patch: &KeyPatch) -> Result<Option<ApiKeyRecord>, StoreError>;
    /// Marks the key revoked at `at` (idempotent: a second revoke keeps the first time).
    /// False when no such key exists.
    async fn revoke_key(&self, id: &str, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Records last-used times in one batch (later times win).
    async fn touch_keys(&self, used: &[(String, DateTime<Utc>)]) -> Result<(), StoreError>;

    /// See [`KeyFingerprint`].
    async fn key_fingerprint(&self) -> Result<KeyFingerprint, StoreError>;

    /// Adds counts in one transaction (upsert: count = count + delta), at most once per
    /// `batch_id`: retrying a batch whose first attempt committed changes nothing.
    async fn add_usage(&self, batch_id: &str, deltas: &[(UsageKey, u64)]) -> Result<(), StoreError>;
    /// Whether the batch `batch_id` was applied (its answer may have been lost).
    async fn batch_applied(&self, batch_id: &str) -> Result<bool, StoreError>;
    /// Forgets applied batch ids recorded before `before`.
    async fn prune_usage_batches(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Total requests of `subject` over the inclusive day range, all routes.
    async fn usage_total(&self, subject: &str, from: NaiveDate, to: NaiveDate) -> Result<u64, StoreError>;
    /// Totals of several subjects over the inclusive day range (subjects without usage are absent).
    async fn usage_totals(
        &self,
        subjects: &[String],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<std::collections::HashMap<String, u64>, StoreError>;
    /// Rows by subject, day and route, newest day first.
    async fn usage_rows(&self, filter: &UsageFilter) -> Result<Vec<UsageRow>, StoreError>;

    /// Requests per subject and day over the inclusive range (anonymous callers summed),
    /// oldest day first.
    async fn daily_usage(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyUsage>, StoreError>;

    /// Takes one unit of an upstream's monthly budget (`month` = `YYYY-MM`) atomically, across
    /// every replica sharing the database. False when `limit` is already reached.
    async fn spend_budget(&self, provider: &str, month: &str, limit: Option<u64>) -> Result<bool, StoreError>;
    async fn budget_spent(&self, provider: &str, month: &str) -> Result<u64, StoreError>;

    async fn get_preferences(&self, key_id: &str) -> Result<Option<Preferences>, StoreError>;
    async fn put_preferences(&self, key_id: &str, prefs: &Preferences) -> Result<(), StoreError>;

    async fn add_history(&self, entries: &[HistoryEntry]) -> Result<(), StoreError>;
    /// Newest first.
    async fn history(&self, key_id: &str, limit: u32) -> Result<Vec<HistoryEntry>, StoreError>;
    /// Keeps at most `keep_per_key` newest entries per key and none older than `before`.
    async fn prune_history(&self, keep_per_key: u32, before: DateTime<Utc>) -> Result<u64, StoreError>;
}
