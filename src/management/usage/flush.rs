//! Writing buffered usage to the store and re-basing the quota cells on what it then holds.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use chrono::{NaiveDate, Utc};
use rand::Rng;

use super::{Batch, UsageBook};
use crate::ratelimit::window::Window;
use crate::store::UsageKey;

impl UsageBook {
    /// Writes everything buffered, then re-bases the quota cells of the subjects written.
    /// A batch that fails stays in flight and is retried with the same id next time.
    pub async fn flush(&self) {
        let mut slot = self.in_flight.write().await;
        {
            let mut pending = self.pending.lock().expect("usage lock");
            let next = Batch {
                id: new_batch_id(),
                deltas: std::mem::take(&mut pending.deltas).into_iter().collect(),
                touches: std::mem::take(&mut pending.touches).into_iter().collect(),
                history: std::mem::take(&mut pending.history).into_values().flatten().collect(),
            };
            match slot.as_mut() {
                None => *slot = Some(next),
                // The failed batch keeps its id and counts; what came since waits for the
                // next flush, except last-use times and history, which are not counted and
                // simply join it.
                Some(stuck) => {
                    for (key, n) in next.deltas {
                        *pending.deltas.entry(key).or_default() += n;
                    }
                    stuck.touches.extend(next.touches);
                    stuck.history.extend(next.history);
                }
            }
        }
        let Some(batch) = slot.as_mut() else { return };
        if let Err(err) = self.store.add_usage(&batch.id, &batch.deltas).await {
            tracing::warn!(error = %err, rows = batch.deltas.len(), "usage flush failed; retrying next second");
            return;
        }
        if !batch.touches.is_empty()
            && let Err(err) = self.store.touch_keys(&batch.touches).await
        {
            tracing::warn!(error = %err, "last-used update failed");
        }
        if !batch.history.is_empty()
            && let Err(err) = self.store.add_history(&batch.history).await
        {
            tracing::warn!(error = %err, "history write failed");
        }
        let written = slot.take().map(|b| b.deltas).unwrap_or_default();
        drop(slot);
        self.settle(&written);
        self.rebase(&written).await;
        self.forget_old_cells(Utc::now());
    }

    /// After a successful write: the written counts move from `pending` to `base`, so the
    /// cells are right even if the store cannot be re-read now.
    fn settle(&self, written: &[(UsageKey, u64)]) {
        let mut by_subject: HashMap<&str, Vec<(NaiveDate, u64)>> = HashMap::new();
        for (key, n) in written {
            by_subject.entry(key.subject.as_str()).or_default().push((key.day, *n));
        }
        for entry in self.cells.iter() {
            let ((subject, window), cell) = (entry.key(), entry.value());
            let Some(days) = by_subject.get(subject.as_str()) else {
                continue;
            };
            let in_window: u64 = days
                .iter()
                .filter(|(day, _)| *day >= window.first_day && *day <= window.last_day())
                .map(|(_, n)| n)
                .sum();
            // Base first, then pending: in between a concurrent reserve sees the requests
            // twice (refusing a moment early), never zero times (letting too many in).
            cell.base.fetch_add(in_window, Ordering::AcqRel);
            cell.pending
                .fetch_sub(in_window.min(cell.pending.load(Ordering::Acquire)), Ordering::AcqRel);
        }
    }

    /// Re-reads the window totals of the subjects just written (one query per window, not
    /// per subject), so counts made by other replicas show here.
    async fn rebase(&self, written: &[(UsageKey, u64)]) {
        let subjects: HashSet<&str> = written.iter().map(|(k, _)| k.subject.as_str()).collect();
        let mut by_window: HashMap<Window, Vec<String>> = HashMap::new();
        for entry in self.cells.iter() {
            let (subject, window) = entry.key();
            if subjects.contains(subject.as_str()) {
                by_window.entry(*window).or_default().push(subject.clone());
            }
        }
        for (window, subjects) in by_window {
            let Ok(totals) = self
                .store
                .usage_totals(&subjects, window.first_day, window.last_day())
                .await
            else {
                continue;
            };
            for subject in subjects {
                if let Some(cell) = self.cells.get(&(subject.clone(), window)) {
                    cell.base
                        .store(totals.get(&subject).copied().unwrap_or(0), Ordering::Release);
                }
            }
        }
    }
}

/// 128 random bits: unique across replicas without coordination.
fn new_batch_id() -> String {
    format!("{:032x}", rand::rng().random::<u128>())
}
