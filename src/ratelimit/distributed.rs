//! Admission shared by every replica: the plan's GCRA and its daily/monthly quota decided
//! together in one Lua script in Redis (EVALSHA, one round trip per request; the clock is
//! Redis's, so replicas' clocks do not matter). A quota counter that Redis does not hold
//! (first use in a window, or Redis was flushed or restarted) is seeded from the ledger's
//! persisted total, which costs one store read and a second round trip once per window.
//!
//! When Redis does not answer within its budget, or is known to be down, the configured
//! failure mode decides: this replica's own limits (`local`), or a 503 (`closed`).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Throttled;
use super::admission::{Admission, Admitter, QuotaLedger};
use super::headers::LimitState;
use super::local::LocalAdmitter;
use super::window::{QuotaState, Window};
use crate::config::RedisFailureMode;
use crate::domain::plan::{Plan, Quota};
use crate::shared::{SharedError, SharedRedis};
use crate::telemetry::metrics;

/// Quota counters outlive their window by a day, so a late request never re-seeds a past one.
const QUOTA_TTL_MARGIN: i64 = 86_400;
/// When a fail-closed replica tells callers to come back.
const CLOSED_RETRY: Duration = Duration::from_secs(1);

pub struct RedisAdmitter {
    redis: Arc<SharedRedis>,
    script: redis::Script,
    ledger: Arc<dyn QuotaLedger>,
    local: LocalAdmitter,
}

/// What the script decided.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Admitted {
        used: u64,
        full_in: Duration,
        remaining: u32,
    },
    Throttled {
        used: u64,
        retry_after: Duration,
    },
    QuotaSpent {
        used: u64,
        full_in: Duration,
        remaining: u32,
    },
    NeedsSeed,
}

impl RedisAdmitter {
    pub fn new(redis: Arc<SharedRedis>, ledger: Arc<dyn QuotaLedger>, local: LocalAdmitter) -> Self {
        Self {
            redis,
            script: redis::Script::new(include_str!("admit.lua")),
            ledger,
            local,
        }
    }

    fn quota_key(&self, subject: &str, window: Window) -> String {
        self.redis
            .key(&format!("q:{{{subject}}}:{:?}:{}", window.kind, window.first_day))
    }

    async fn run_script(
        &self,
        plan: &Plan,
        subject: &str,
        window: Option<Window>,
        now: DateTime<Utc>,
        seed: Option<u64>,
    ) -> Result<Verdict, SharedError> {
        // `{subject}` is a hash tag: both keys land in one slot, as a script needs on a cluster.
        let gcra_key = self.redis.key(&format!("rl:{{{subject}}}:{}", plan.name));
        let quota_key = match window {
            Some(w) => self.quota_key(subject, w),
            None => self.redis.key(&format!("q:{{{subject}}}:none")),
        };
        let interval_us = plan
            .rate
            .map_or(0, |rate| (rate.per / rate.count).as_micros().max(1) as i64);
        let limit = plan.quota.map_or(-1, |q| q.limit as i64);
        let ttl = window.map_or(1, |w| (w.resets_at() - now).num_seconds().max(1) + QUOTA_TTL_MARGIN);
        let seed = seed.map_or(-1, |s| s as i64);
        let mut invocation = self.script.key(gcra_key);
        invocation
            .key(quota_key)
            .arg(interval_us)
            .arg(plan.burst.max(1))
            .arg(limit)
            .arg(ttl)
            .arg(seed);
        let (code, used, wait_us, remaining): (i64, i64, i64, i64) = self
            .redis
            .run(|mut conn| async move { invocation.invoke_async(&mut conn).await })
            .await?;
        let used = used.max(0) as u64;
        let wait = Duration::from_micros(wait_us.max(0) as u64);
        let remaining = remaining.clamp(0, i64::from(u32::MAX)) as u32;
        Ok(match code {
            0 => Verdict::Admitted {
                used,
                full_in: wait,
                remaining,
            },
            1 => Verdict::Throttled {
                used,
                retry_after: wait,
            },
            2 => Verdict::QuotaSpent {
                used,
                full_in: wait,
                remaining,
            },
            3 => Verdict::NeedsSeed,
            other => return Err(SharedError::Redis(format!("admission script answered code {other}"))),
        })
    }

    async fn decide(&self, plan: &Plan, subject: &str, now: DateTime<Utc>) -> Result<Admission, SharedError> {
        let window = plan.quota.map(|q| Window::containing(q.window, now));
        let mut verdict = self.run_script(plan, subject, window, now, None).await?;
        if verdict == Verdict::NeedsSeed {
            let window = window.expect("only a quota needs a seed");
            let quota = plan.quota.expect("only a quota needs a seed");
            let total = if crate::domain::subject::is_anonymous(subject) {
                // Anonymous callers are unbounded in number: what this replica knows (its
                // total is loaded in the background), never a store read on the request path.
                self.ledger.peek(subject, quota, now).await.used
            } else {
                self.ledger
                    .total(subject, window)
                    .await
                    .map_err(|e| SharedError::Redis(format!("quota seed unavailable: {e}")))?
            };
            verdict = self.run_script(plan, subject, Some(window), now, Some(total)).await?;
        }
        let quota = |used| {
            plan.quota.zip(window).map(|(q, window)| QuotaState {
                limit: q.limit,
                used,
                window,
            })
        };
        let unmetered_or = |throttle| {
            if plan.rate.is_some() {
                throttle
            } else {
                Throttled::Unmetered
            }
        };
        Ok(match verdict {
            Verdict::Admitted {
                used,
                full_in,
                remaining,
            } => Admission::Admitted(LimitState {
                throttle: unmetered_or(Throttled::Allowed { remaining, full_in }),
                quota: quota(used),
            }),
            Verdict::Throttled { used, retry_after } => Admission::Throttled(
                LimitState {
                    throttle: Throttled::Limited { retry_after },
                    quota: quota(used),
                },
                retry_after,
            ),
            Verdict::QuotaSpent {
                used,
                full_in,
                remaining,
            } => {
                let full = quota(used).expect("only a quota is spent");
                Admission::QuotaExceeded(
                    LimitState {
                        throttle: unmetered_or(Throttled::Allowed { remaining, full_in }),
                        quota: Some(full),
                    },
                    full,
                )
            }
            Verdict::NeedsSeed => return Err(SharedError::Redis("quota counter vanished while seeding".into())),
        })
    }
}

#[async_trait]
impl Admitter for RedisAdmitter {
    async fn admit(&self, plan: &Plan, subject: &str, now: DateTime<Utc>) -> Admission {
        if plan.rate.is_none() && plan.quota.is_none() {
            return Admission::Admitted(LimitState {
                throttle: Throttled::Unmetered,
                quota: None,
            });
        }
        match self.decide(plan, subject, now).await {
            Ok(admission) => admission,
            Err(err) => match self.redis.on_failure() {
                RedisFailureMode::Local => {
                    if !matches!(err, SharedError::Down) {
                        tracing::debug!(error = %err, "shared admission failed; deciding locally");
                    }
                    metrics::limiter_fallback("local");
                    self.local.admit(plan, subject, now).await
                }
                RedisFailureMode::Closed => {
                    metrics::limiter_fallback("closed");
                    Admission::Unavailable(CLOSED_RETRY)
                }
            },
        }
    }

    /// The shared counter; the ledger's total where Redis holds none, or does not answer.
    async fn quota(&self, subject: &str, quota: Quota, now: DateTime<Utc>) -> QuotaState {
        let window = Window::containing(quota.window, now);
        let key = self.quota_key(subject, window);
        let shared: Result<Option<u64>, _> = self
            .redis
            .run(|mut conn| async move { redis::cmd("GET").arg(key).query_async(&mut conn).await })
            .await;
        let used = match shared {
            Ok(Some(used)) => used,
            Ok(None) => self.ledger.total(subject, window).await.unwrap_or_default(),
            Err(_) => return self.ledger.peek(subject, quota, now).await,
        };
        QuotaState {
            limit: quota.limit,
            used,
            window,
        }
    }

    fn housekeeping(&self) {
        self.local.housekeeping();
    }
}
