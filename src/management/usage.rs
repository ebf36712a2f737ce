//! Usage accounting and quotas. Every counted request adds to in-memory counters; a flusher
//! writes them to the store every second in one idempotent batch (and once more at
//! shutdown), so a crash loses at most about a second of counts. Quota counters start from
//! their window's total in the store and are re-based on it after each flush, so replicas
//! sharing a database see each other's counts within a second.
//!
//! Readers (`/v1/me`, history, admin usage) never force a flush: they read the store and add
//! what is still buffered here.

mod flush;
mod overlay;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use dashmap::DashMap;

use crate::domain::plan::Quota;
use crate::ratelimit::QuotaLedger;
use crate::ratelimit::window::{QuotaState, Window};
use crate::store::{HistoryEntry, Store, UsageKey};

/// A quota cell nobody has used for this long (and with nothing unwritten) is dropped; it
/// is rebuilt from the store if its subject comes back.
const CELL_IDLE: Duration = Duration::from_secs(600);
/// Background loads of anonymous callers' totals running at once at most.
const CONCURRENT_LOADS: usize = 4;

#[derive(Debug)]
struct Cell {
    /// The window's total in the store at the last sync (all replicas).
    base: AtomicU64,
    /// Requests counted here and not yet written to the store.
    pending: AtomicU64,
    /// Unix seconds of the last use.
    used_at: AtomicI64,
}

#[derive(Default)]
struct Pending {
    deltas: HashMap<UsageKey, u64>,
    touches: HashMap<String, DateTime<Utc>>,
    /// Newest entries per key, at most `history_per_key` each: a busy key writes at most that
    /// many rows a flush instead of one per request.
    history: HashMap<String, VecDeque<HistoryEntry>>,
}

/// Counts being written; kept, with their id, until the store confirms them, so a retry
/// after a lost answer is applied once.
struct Batch {
    id: String,
    deltas: Vec<(UsageKey, u64)>,
}

/// Last-use times and history being written, kept (bounded per key) until they are.
#[derive(Default)]
struct Notes {
    touches: HashMap<String, DateTime<Utc>>,
    history: HashMap<String, VecDeque<HistoryEntry>>,
}

pub struct UsageBook {
    store: Arc<dyn Store>,
    cells: DashMap<(String, Window), Arc<Cell>>,
    /// What the next flush writes; one lock for all three, taken once per request.
    pending: Mutex<Pending>,
    /// The counts being written. Flushes hold it exclusively; readers share it, so what they
    /// read from the store and add from here never counts a request twice or not at all.
    in_flight: tokio::sync::RwLock<Option<Batch>>,
    /// Likewise for last-use times and history (a lock of its own, so a reader waits for
    /// one store call at most).
    notes_in_flight: tokio::sync::RwLock<Notes>,
    loads: Arc<tokio::sync::Semaphore>,
    history_per_key: u32,
    history_max_age: Duration,
}

impl UsageBook {
    pub fn new(store: Arc<dyn Store>, history_per_key: u32, history_max_age: Duration) -> Self {
        Self {
            store,
            cells: DashMap::new(),
            pending: Mutex::default(),
            in_flight: tokio::sync::RwLock::new(None),
            notes_in_flight: tokio::sync::RwLock::default(),
            loads: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_LOADS)),
            history_per_key,
            history_max_age,
        }
    }

    async fn cell(&self, subject: &str, window: Window, now: DateTime<Utc>) -> Arc<Cell> {
        let key = (subject.to_owned(), window);
        if let Some(cell) = self.cells.get(&key) {
            cell.used_at.store(now.timestamp(), Ordering::Relaxed);
            return cell.clone();
        }
        let new_cell = |base| {
            Arc::new(Cell {
                base: AtomicU64::new(base),
                pending: AtomicU64::new(0),
                used_at: AtomicI64::new(now.timestamp()),
            })
        };
        if crate::domain::subject::is_anonymous(subject) {
            // Anonymous callers are unbounded in number: their total is read in the
            // background (a few at a time) instead of on the request path; until it arrives
            // they count from zero, within their burst.
            let cell = self.cells.entry(key).or_insert_with(|| new_cell(0)).clone();
            if let Ok(permit) = self.loads.clone().try_acquire_owned() {
                let (store, subject, cell) = (self.store.clone(), subject.to_owned(), cell.clone());
                tokio::spawn(async move {
                    if let Ok(total) = store.usage_total(&subject, window.first_day, window.last_day()).await {
                        cell.base.fetch_max(total, Ordering::AcqRel);
                    }
                    drop(permit);
                });
            }
            return cell;
        }
        // A key: read the window's total first, so its quota holds exactly across restarts.
        // Two first requests may both read; the map keeps one cell.
        let base = match self
            .store
            .usage_total(subject, window.first_day, window.last_day())
            .await
        {
            Ok(total) => total,
            Err(err) => {
                // Fail open: an unreachable database must not take the API down; the next
                // flush re-bases the cell once it is back.
                tracing::warn!(error = %err, "quota total unavailable; counting from zero until the store answers");
                0
            }
        };
        self.cells.entry(key).or_insert_with(|| new_cell(base)).clone()
    }

    /// Counts one request against `quota` if it fits; `Err` carries the full window's state.
    pub(crate) async fn reserve(
        &self,
        subject: &str,
        quota: Quota,
        now: DateTime<Utc>,
    ) -> Result<QuotaState, QuotaState> {
        let window = Window::containing(quota.window, now);
        let cell = self.cell(subject, window, now).await;
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
    pub(crate) async fn peek(&self, subject: &str, quota: Quota, now: DateTime<Utc>) -> QuotaState {
        let window = Window::containing(quota.window, now);
        let cell = self.cell(subject, window, now).await;
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

    /// Drops cells of past windows and cells idle for a while, keeping any with unwritten counts.
    fn forget_old_cells(&self, now: DateTime<Utc>) {
        let idle_before = now.timestamp() - CELL_IDLE.as_secs() as i64;
        self.cells.retain(|(_, window), cell| {
            cell.pending.load(Ordering::Acquire) > 0
                || (Window::containing(window.kind, now) == *window
                    && cell.used_at.load(Ordering::Relaxed) >= idle_before)
        });
    }

    /// Trims history to its retention, and forgets applied batch ids older than a day.
    pub async fn prune(&self) {
        let before = Utc::now() - chrono::Duration::from_std(self.history_max_age).unwrap_or_default();
        if let Err(err) = self.store.prune_history(self.history_per_key, before).await {
            tracing::warn!(error = %err, "history pruning failed");
        }
        if let Err(err) = self
            .store
            .prune_usage_batches(Utc::now() - chrono::Duration::days(1))
            .await
        {
            tracing::warn!(error = %err, "usage batch pruning failed");
        }
    }

    /// Flushes every second and prunes every ten minutes, until the process ends.
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
                    book.prune().await;
                }
            }
        });
    }
}

#[async_trait::async_trait]
impl QuotaLedger for UsageBook {
    async fn reserve(&self, subject: &str, quota: Quota, now: DateTime<Utc>) -> Result<QuotaState, QuotaState> {
        UsageBook::reserve(self, subject, quota, now).await
    }

    async fn peek(&self, subject: &str, quota: Quota, now: DateTime<Utc>) -> QuotaState {
        UsageBook::peek(self, subject, quota, now).await
    }

    async fn total(&self, subject: &str, window: Window) -> Result<u64, crate::store::StoreError> {
        let filter = crate::store::UsageFilter {
            subject: Some(subject.to_owned()),
            from: Some(window.first_day),
            to: Some(window.last_day()),
            limit: 0,
        };
        Ok(self.rows(&filter).await?.iter().map(|row| row.count).sum())
    }
}
