//! Usage accounting and quotas. Every counted request adds to in-memory counters; a flusher
//! writes them to the store every second in one batch (and once more at shutdown), so a
//! crash loses at most about a second of counts. Quota counters load their window's total
//! from the store on first use and re-read it after each flush, so replicas sharing a
//! database see each other's counts within a second.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use dashmap::DashMap;

use crate::domain::plan::Quota;
use crate::ratelimit::window::{QuotaState, Window};
use crate::store::{HistoryEntry, Store, UsageKey, with_deadline};

#[derive(Debug)]
struct Cell {
    /// The window's total in the store at the last sync (all replicas).
    base: AtomicU64,
    /// Requests counted here and not yet written to the store.
    pending: AtomicU64,
}

#[derive(Default)]
struct Pending {
    deltas: HashMap<UsageKey, u64>,
    touches: HashMap<String, DateTime<Utc>>,
    /// Newest entries per key, at most `history_per_key` each: a busy key writes at most that
    /// many rows a flush instead of one per request.
    history: HashMap<String, VecDeque<HistoryEntry>>,
}

pub struct UsageBook {
    store: Arc<dyn Store>,
    cells: DashMap<(String, Window), Arc<Cell>>,
    /// What the next flush writes; one lock for all three, taken once per request.
    pending: Mutex<Pending>,
    /// One flush at a time, so a caller that flushes and then reads the store (`/v1/me`,
    /// history, admin usage) sees everything counted before it, including a batch another
    /// flush was still writing.
    flushing: tokio::sync::Mutex<()>,
    history_per_key: u32,
    history_max_age: Duration,
}

impl UsageBook {
    pub fn new(store: Arc<dyn Store>, history_per_key: u32, history_max_age: Duration) -> Self {
        Self {
            store,
            cells: DashMap::new(),
            pending: Mutex::default(),
            flushing: tokio::sync::Mutex::new(()),
            history_per_key,
            history_max_age,
        }
    }

    async fn cell(&self, subject: &str, window: Window) -> Arc<Cell> {
        let key = (subject.to_owned(), window);
        if let Some(cell) = self.cells.get(&key) {
            return cell.clone();
        }
        // Not found: read the window's total. Two first requests may both read; the map keeps
        // one cell, and both increments land in it.
        let base = match with_deadline(self.store.usage_total(subject, window.first_day, window.last_day())).await {
            Ok(total) => total,
            Err(err) => {
                // Fail open: an unreachable database must not take the API down; the next
                // flush re-reads the total once it is back.
                tracing::warn!(error = %err, "quota total unavailable; counting from zero until the store answers");
                0
            }
        };
        self.cells
            .entry(key)
            .or_insert_with(|| {
                Arc::new(Cell {
                    base: AtomicU64::new(base),
                    pending: AtomicU64::new(0),
                })
            })
            .clone()
    }

    /// Counts one request against `quota` if it fits; `Err` carries the full window's state.
    pub async fn reserve(&self, subject: &str, quota: Quota, now: DateTime<Utc>) -> Result<QuotaState, QuotaState> {
        let window = Window::containing(quota.window, now);
        let cell = self.cell(subject, window).await;
        let mut pending = cell.pending.load(Ordering::Acquire);
        loop {
            let used = cell.base.load(Ordering::Acquire) + pending;
            if used >= quota.limit {
                return Err(QuotaState {
                    limit: quota.limit,
                    used,
                    window,
                });
            }
            match cell
                .pending
                .compare_exchange_weak(pending, pending + 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    return Ok(QuotaState {
                        limit: quota.limit,
                        used: used + 1,
                        window,
                    });
                }
                Err(actual) => pending = actual,
            }
        }
    }

    /// Where `subject` stands in `quota`'s current window, without counting anything.
    pub async fn peek(&self, subject: &str, quota: Quota, now: DateTime<Utc>) -> QuotaState {
        let window = Window::containing(quota.window, now);
        let cell = self.cell(subject, window).await;
        let used = cell.base.load(Ordering::Acquire) + cell.pending.load(Ordering::Acquire);
        QuotaState {
            limit: quota.limit,
            used,
            window,
        }
    }

    /// Accounts one request: per-route usage of `subject` for `day`, and for a key its last
    /// use and a history entry.
    pub fn account(&self, subject: &str, route: &str, day: NaiveDate, key_use: Option<HistoryEntry>) {
        let key = UsageKey {
            subject: subject.to_owned(),
            day,
            route: route.to_owned(),
        };
        let cap = self.history_per_key as usize;
        let mut pending = self.pending.lock().expect("usage lock");
        *pending.deltas.entry(key).or_default() += 1;
        if let Some(entry) = key_use {
            pending.touches.insert(entry.key_id.clone(), entry.at);
            let queue = pending.history.entry(entry.key_id.clone()).or_default();
            if queue.len() >= cap {
                queue.pop_front();
            }
            queue.push_back(entry);
        }
    }

    /// Writes everything buffered, then re-reads the totals of the active quota windows.
    /// What cannot be written is kept for the next flush.
    pub async fn flush(&self) {
        let _one_at_a_time = self.flushing.lock().await;
        let Pending {
            deltas,
            touches,
            history,
        } = std::mem::take(&mut *self.pending.lock().expect("usage lock"));
        if !deltas.is_empty() {
            let batch: Vec<(UsageKey, u64)> = deltas.into_iter().collect();
            match with_deadline(self.store.add_usage(&batch)).await {
                Ok(()) => self.settle(&batch).await,
                Err(err) => {
                    tracing::warn!(error = %err, rows = batch.len(), "usage flush failed; retrying next second");
                    let mut pending = self.pending.lock().expect("usage lock");
                    for (key, n) in batch {
                        *pending.deltas.entry(key).or_default() += n;
                    }
                }
            }
        }
        let touches: Vec<(String, DateTime<Utc>)> = touches.into_iter().collect();
        if !touches.is_empty()
            && let Err(err) = with_deadline(self.store.touch_keys(&touches)).await
        {
            tracing::warn!(error = %err, "last-used update failed");
        }
        let history: Vec<HistoryEntry> = history.into_values().flatten().collect();
        if !history.is_empty()
            && let Err(err) = with_deadline(self.store.add_history(&history)).await
        {
            tracing::warn!(error = %err, "history write failed");
        }
        self.forget_past_windows(Utc::now());
    }

    /// After a successful write: move the written counts from `pending` to `base`.
    async fn settle(&self, batch: &[(UsageKey, u64)]) {
        // Only the subjects just written: a caller seen earlier today and idle since costs
        // nothing per flush.
        let mut written: HashMap<&str, Vec<(NaiveDate, u64)>> = HashMap::new();
        for (key, n) in batch {
            written.entry(key.subject.as_str()).or_default().push((key.day, *n));
        }
        let cells: Vec<((String, Window), Arc<Cell>)> = self
            .cells
            .iter()
            .filter(|e| written.contains_key(e.key().0.as_str()))
            .map(|e| (e.key().clone(), e.value().clone()))
            .collect();
        for ((subject, window), cell) in cells {
            let in_window: u64 = written[subject.as_str()]
                .iter()
                .filter(|(day, _)| *day >= window.first_day && *day <= window.last_day())
                .map(|(_, n)| n)
                .sum();
            if let Ok(total) =
                with_deadline(self.store.usage_total(&subject, window.first_day, window.last_day())).await
            {
                // Re-base first, then subtract: in between a concurrent reserve sees the written
                // requests twice (refusing a moment early), never zero times (letting too many in).
                cell.base.store(total, Ordering::Release);
                cell.pending
                    .fetch_sub(in_window.min(cell.pending.load(Ordering::Acquire)), Ordering::AcqRel);
            }
        }
    }

    fn forget_past_windows(&self, now: DateTime<Utc>) {
        self.cells.retain(|(_, window), cell| {
            Window::containing(window.kind, now) == *window || cell.pending.load(Ordering::Acquire) > 0
        });
    }

    /// Trims history to its retention.
    pub async fn prune_history(&self) {
        let before = Utc::now() - chrono::Duration::from_std(self.history_max_age).unwrap_or_default();
        if let Err(err) = self.store.prune_history(self.history_per_key, before).await {
            tracing::warn!(error = %err, "history pruning failed");
        }
    }

    /// Flushes every second and prunes history every ten minutes, until the process ends.
    pub fn spawn_flusher(self: &Arc<Self>) {
        let book = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            let mut ticks: u64 = 0;
            loop {
                tick.tick().await;
                let Some(book) = book.upgrade() else { break };
                book.flush().await;
                ticks += 1;
                if ticks % 600 == 1 {
                    book.prune_history().await;
                }
            }
        });
    }
}
