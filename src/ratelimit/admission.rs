//! The seam between the gate and the limiters: one trait decides admission (the plan's
//! rate, then its quota), with a local backend (`local.rs`: governor and this replica's
//! quota counters) and a Redis backend (`distributed.rs`: one atomic script for all replicas).
//! Quota counts persist through a [`QuotaLedger`], which `management::usage` implements.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::headers::LimitState;
use super::window::{QuotaState, Window};
use crate::domain::plan::{Plan, Quota};
use crate::store::StoreError;

/// The outcome of admission.
#[derive(Debug, Clone)]
pub enum Admission {
    Admitted(LimitState),
    Throttled(LimitState, Duration),
    QuotaExceeded(LimitState, QuotaState),
    /// The shared limits cannot be decided (Redis away, fail-closed): retry after this long.
    Unavailable(Duration),
}

/// Decides whether `subject` on `plan` may make one more request now; counts it if so.
#[async_trait]
pub trait Admitter: Send + Sync {
    async fn admit(&self, plan: &Plan, subject: &str, now: DateTime<Utc>) -> Admission;

    /// Where `subject` stands in `quota`'s current window, counting nothing.
    async fn quota(&self, subject: &str, quota: Quota, now: DateTime<Utc>) -> QuotaState;

    /// Drops state of callers that have gone quiet (called about once a minute).
    fn housekeeping(&self) {}
}

/// This replica's quota counters and the persisted totals behind them.
#[async_trait]
pub trait QuotaLedger: Send + Sync {
    /// Counts one request against `quota` if it fits; `Err` carries the full window's state.
    async fn reserve(&self, subject: &str, quota: Quota, now: DateTime<Utc>) -> Result<QuotaState, QuotaState>;

    /// Where `subject` stands in `quota`'s current window, without counting anything.
    async fn peek(&self, subject: &str, quota: Quota, now: DateTime<Utc>) -> QuotaState;

    /// Requests of `subject` in `window` as persisted, plus what this replica has counted
    /// and not yet written: what a shared counter is (re)seeded from.
    async fn total(&self, subject: &str, window: Window) -> Result<u64, StoreError>;
}
