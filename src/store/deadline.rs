//! Every store call under one deadline. A database that hangs instead of refusing (a lost
//! network path, a lock held by a stuck transaction) must not hang the requests, flushes
//! and shutdowns waiting on it: past the deadline the call is `Unavailable`, which request
//! paths turn into a 503 and background work into a retry.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::{HistoryEntry, KeyFingerprint, KeyPatch, Store, StoreError, UsageFilter, UsageKey, UsageRow};
use crate::domain::api_key::ApiKeyRecord;
use crate::domain::preferences::Preferences;

pub struct DeadlineStore {
    inner: Arc<dyn Store>,
    deadline: Duration,
}

impl DeadlineStore {
    pub fn new(inner: Arc<dyn Store>, deadline: Duration) -> Self {
        Self { inner, deadline }
    }

    async fn run<T>(&self, call: impl Future<Output = Result<T, StoreError>>) -> Result<T, StoreError> {
        tokio::time::timeout(self.deadline, call)
            .await
            .unwrap_or_else(|_| Err(StoreError::Unavailable("timed out".into())))
    }
}

#[async_trait]
impl Store for DeadlineStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.run(self.inner.ping()).await
    }
    /// Not bounded: migrations run once at start, before anything waits on them.
    async fn migrate(&self) -> Result<(), StoreError> {
        self.inner.migrate().await
    }
    async fn insert_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError> {
        self.run(self.inner.insert_key(key)).await
    }
    async fn find_key(&self, id: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        self.run(self.inner.find_key(id)).await
    }
    async fn list_keys(&self) -> Result<Vec<ApiKeyRecord>, StoreError> {
        self.run(self.inner.list_keys()).await
    }
    async fn update_key(&self, id: &str, patch: &KeyPatch) -> Result<Option<ApiKeyRecord>, StoreError> {
        self.run(self.inner.update_key(id, patch)).await
    }
    async fn revoke_key(&self, id: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.run(self.inner.revoke_key(id, at)).await
    }
    async fn touch_keys(&self, used: &[(String, DateTime<Utc>)]) -> Result<(), StoreError> {
        self.run(self.inner.touch_keys(used)).await
    }
    async fn key_fingerprint(&self) -> Result<KeyFingerprint, StoreError> {
        self.run(self.inner.key_fingerprint()).await
    }
    async fn batch_applied(&self, batch_id: &str) -> Result<bool, StoreError> {
        self.run(self.inner.batch_applied(batch_id)).await
    }
    async fn prune_usage_batches(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.run(self.inner.prune_usage_batches(before)).await
    }
    async fn add_usage(&self, batch_id: &str, deltas: &[(UsageKey, u64)]) -> Result<(), StoreError> {
        self.run(self.inner.add_usage(batch_id, deltas)).await
    }
    async fn usage_total(&self, subject: &str, from: NaiveDate, to: NaiveDate) -> Result<u64, StoreError> {
        self.run(self.inner.usage_total(subject, from, to)).await
    }
    async fn usage_totals(
        &self,
        subjects: &[String],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<std::collections::HashMap<String, u64>, StoreError> {
        self.run(self.inner.usage_totals(subjects, from, to)).await
    }
    async fn usage_rows(&self, filter: &UsageFilter) -> Result<Vec<UsageRow>, StoreError> {
        self.run(self.inner.usage_rows(filter)).await
    }
    async fn spend_budget(&self, provider: &str, month: &str, limit: Option<u64>) -> Result<bool, StoreError> {
        self.run(self.inner.spend_budget(provider, month, limit)).await
    }
    async fn budget_spent(&self, provider: &str, month: &str) -> Result<u64, StoreError> {
        self.run(self.inner.budget_spent(provider, month)).await
    }
    async fn get_preferences(&self, key_id: &str) -> Result<Option<Preferences>, StoreError> {
        self.run(self.inner.get_preferences(key_id)).await
    }
    async fn put_preferences(&self, key_id: &str, prefs: &Preferences) -> Result<(), StoreError> {
        self.run(self.inner.put_preferences(key_id, prefs)).await
    }
    async fn add_history(&self, entries: &[HistoryEntry]) -> Result<(), StoreError> {
        self.run(self.inner.add_history(entries)).await
    }
    async fn history(&self, key_id: &str, limit: u32) -> Result<Vec<HistoryEntry>, StoreError> {
        self.run(self.inner.history(key_id, limit)).await
    }
    async fn prune_history(&self, keep_per_key: u32, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.run(self.inner.prune_history(keep_per_key, before)).await
    }
}
