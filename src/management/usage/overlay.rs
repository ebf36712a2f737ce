//! Reading usage and history as they stand: the store's rows plus what is still buffered
//! here (pending, or in a batch being written), without forcing a flush. The in-flight
//! batch is held shared while reading, so a batch is seen either in the store or here (a
//! batch stuck after a failure is asked about: its commit may have gone through).

use std::collections::BTreeMap;

use super::UsageBook;
use crate::store::{HistoryEntry, StoreError, UsageFilter, UsageKey, UsageRow};

impl UsageBook {
    /// Usage rows matching `filter`, newest day first (then subject, route), at most
    /// `filter.limit`.
    pub async fn rows(&self, filter: &UsageFilter) -> Result<Vec<UsageRow>, StoreError> {
        let in_flight = self.in_flight.read().await;
        let stored = self.store.usage_rows(filter).await?;
        let matches = |k: &UsageKey| {
            filter.subject.as_ref().is_none_or(|s| *s == k.subject)
                && filter.from.is_none_or(|d| k.day >= d)
                && filter.to.is_none_or(|d| k.day <= d)
        };
        let mut merged: BTreeMap<(std::cmp::Reverse<chrono::NaiveDate>, String, String), u64> = stored
            .into_iter()
            .map(|r| ((std::cmp::Reverse(r.key.day), r.key.subject, r.key.route), r.count))
            .collect();
        let mut add = |key: &UsageKey, n: u64| {
            if matches(key) {
                *merged
                    .entry((std::cmp::Reverse(key.day), key.subject.clone(), key.route.clone()))
                    .or_default() += n;
            }
        };
        if let Some(batch) = in_flight.as_ref()
            && !self.store.batch_applied(&batch.id).await.unwrap_or(false)
        {
            batch.deltas.iter().for_each(|(k, n)| add(k, *n));
        }
        {
            let pending = self.pending.lock().expect("usage lock");
            pending.deltas.iter().for_each(|(k, n)| add(k, *n));
        }
        let limit = if filter.limit == 0 {
            usize::MAX
        } else {
            filter.limit as usize
        };
        Ok(merged
            .into_iter()
            .take(limit)
            .map(|((day, subject, route), count)| UsageRow {
                key: UsageKey {
                    subject,
                    day: day.0,
                    route,
                },
                count,
            })
            .collect())
    }

    /// A key's newest history entries, newest first.
    pub async fn history(&self, key_id: &str, limit: u32) -> Result<Vec<HistoryEntry>, StoreError> {
        let notes = self.notes_in_flight.read().await;
        let mut entries = self.store.history(key_id, limit).await?;
        if let Some(queue) = notes.history.get(key_id) {
            entries.extend(queue.iter().cloned());
        }
        {
            let pending = self.pending.lock().expect("usage lock");
            if let Some(queue) = pending.history.get(key_id) {
                entries.extend(queue.iter().cloned());
            }
        }
        entries.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.request.cmp(&a.request)));
        entries.truncate(limit as usize);
        Ok(entries)
    }
}
