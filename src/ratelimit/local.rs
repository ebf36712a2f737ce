//! Admission by this replica alone: governor's GCRA per plan, then the quota counters of
//! the ledger. Exact for one replica; the fallback of the Redis backend.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::admission::{Admission, Admitter, QuotaLedger};
use super::headers::LimitState;
use super::window::QuotaState;
use super::{Throttle, Throttled};
use crate::domain::plan::{Plan, Plans, Quota};

pub struct LocalAdmitter {
    throttle: Throttle,
    ledger: Arc<dyn QuotaLedger>,
}

impl LocalAdmitter {
    pub fn new(plans: &Plans, ledger: Arc<dyn QuotaLedger>) -> Self {
        Self {
            throttle: Throttle::new(plans),
            ledger,
        }
    }
}

#[async_trait]
impl Admitter for LocalAdmitter {
    /// Throttle first (cheap, in memory), then the quota, which counts the request.
    async fn admit(&self, plan: &Plan, subject: &str, now: DateTime<Utc>) -> Admission {
        let throttle = self.throttle.check(plan, subject);
        if let Throttled::Limited { retry_after } = throttle {
            let quota = match plan.quota {
                Some(q) => Some(self.ledger.peek(subject, q, now).await),
                None => None,
            };
            return Admission::Throttled(LimitState { throttle, quota }, retry_after);
        }
        let Some(quota) = plan.quota else {
            return Admission::Admitted(LimitState { throttle, quota: None });
        };
        match self.ledger.reserve(subject, quota, now).await {
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

    async fn quota(&self, subject: &str, quota: Quota, now: DateTime<Utc>) -> QuotaState {
        self.ledger.peek(subject, quota, now).await
    }

    fn housekeeping(&self) {
        self.throttle.housekeeping();
    }
}
