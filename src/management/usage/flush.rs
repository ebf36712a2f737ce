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
        let written = self.write_counts().await;
        self.write_notes().await;
        if !written.is_empty() {
            self.settle(&written);
            self.rebase(&written).await;
        }
        self.forget_old_cells(Utc::now());
    }

    /// The counts: the batch stuck from an earlier failure first, else what is pending.
    /// Returns what the store now holds that it did not before.
    async fn write_counts(&self) -> Vec<(UsageKey, u64)> {
        let mut slot = self.in_flight.write().await;
        if slot.is_none() {
            let deltas = std::mem::take(&mut self.pending.lock().expect("usage lock").deltas);
            if deltas.is_empty() {
                return Vec::new();
            }
            *slot = Some(Batch {
                id: new_batch_id(),
                deltas: deltas.into_iter().collect(),
            });
        }
        let Some(batch) = slot.as_ref() else { return Vec::new() };
        let applied = match self.store.add_usage(&batch.id, &batch.deltas).await {
            Ok(()) => true,
            // The commit may have gone through with its answer lost: ask.
            Err(err) => {
                let applied = self.store.batch_applied(&batch.id).await.unwrap_or(false);
                if !applied {
                    tracing::warn!(error = %err, rows = batch.deltas.len(), "usage flush failed; retrying next second");
                }
                applied
            }
        };
        if applied {
            slot.take().map(|b| b.deltas).unwrap_or_default()
        } else {
            Vec::new()
        }
    }

    /// Last-use times and history; what fails is kept (at most `history_per_key` entries a
    /// key) for the next flush.
    async fn write_notes(&self) {
        let mut notes = self.notes_in_flight.write().await;
        {
            let mut pending = self.pending.lock().expect("usage lock");
            for (key, at) in std::mem::take(&mut pending.touches) {
                let slot = notes.touches.entry(key).or_insert(at);
                *slot = (*slot).max(at);
            }
            let cap = self.history_per_key as usize;
            for (key, entries) in std::mem::take(&mut pending.history) {
                let queue = notes.history.entry(key).or_default();
                queue.extend(entries);
                while queue.len() > cap {
                    queue.pop_front();
                }
            }
        }
        if !notes.touches.is_empty() {
            let touches: Vec<_> = notes.touches.iter().map(|(k, at)| (k.clone(), *at)).collect();
            match self.store.touch_keys(&touches).await {
                Ok(()) => notes.touches.clear(),
                Err(err) => tracing::warn!(error = %err, "last-used update failed; retrying next second"),
            }
        }
        if !notes.history.is_empty() {
            let entries: Vec<_> = notes.history.values().flatten().cloned().collect();
            match self.store.add_history(&entries).await {
                Ok(()) => notes.history.clear(),
                Err(err) => tracing::warn!(error = %err, "history write failed; retrying next second"),
            }
        }
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
