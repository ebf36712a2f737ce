//! Rate limits and quotas. `admission.rs` is the seam the gate calls: the local backend
//! (`local.rs`: this module's GCRA throttle per plan, governor, keyed by the caller's subject
//! `key:<id>` or `ip:<addr>`, and the quota counters of `management::usage`) or the Redis
//! backend shared by all replicas (`distributed.rs`). The headers that tell callers both are
//! in `headers.rs`.

pub mod admission;
pub mod distributed;
pub mod headers;
pub mod local;
pub mod window;

pub use admission::{Admission, Admitter, QuotaLedger};

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::domain::plan::{Plan, Plans};

type KeyedLimiter = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// Result of a throttle check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    /// Let through; `remaining` requests may follow at once, and a drained bucket is full
    /// again after `full_in`.
    Allowed { remaining: u32, full_in: Duration },
    /// Too fast: the next request is allowed after `retry_after`.
    Limited { retry_after: Duration },
    /// The plan has no rate (unlimited).
    Unmetered,
}

pub struct Throttle {
    limiters: HashMap<String, (KeyedLimiter, Duration)>,
    clock: DefaultClock,
}

impl Throttle {
    pub fn new(plans: &Plans) -> Self {
        let limiters = plans
            .iter()
            .filter_map(|plan| {
                let rate = plan.rate?;
                // One request every `interval`; `burst` may arrive at once.
                let interval = rate.per / rate.count;
                let burst = NonZeroU32::new(plan.burst.max(1)).expect("burst is at least 1");
                let quota = Quota::with_period(interval)?.allow_burst(burst);
                let limiter = RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>();
                Some((plan.name.clone(), (limiter, interval)))
            })
            .collect();
        Self {
            limiters,
            clock: DefaultClock::default(),
        }
    }

    pub fn check(&self, plan: &Plan, subject: &str) -> Throttled {
        let Some((limiter, interval)) = self.limiters.get(&plan.name) else {
            return Throttled::Unmetered;
        };
        match limiter.check_key(&subject.to_owned()) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let missing = plan.burst.saturating_sub(remaining);
                Throttled::Allowed {
                    remaining,
                    full_in: *interval * missing,
                }
            }
            Err(not_until) => Throttled::Limited {
                retry_after: not_until.wait_time_from(self.clock.now()),
            },
        }
    }

    /// Forgets subjects whose buckets are full again (they would behave the same as new ones),
    /// so memory follows active callers, not every IP ever seen.
    pub fn housekeeping(&self) {
        for (limiter, _) in self.limiters.values() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::plan::PlanEntry;

    fn plans() -> Plans {
        let entries: BTreeMap<String, PlanEntry> = toml::from_str("[tiny]\nrate = \"1/minute\"\nburst = 3\n").unwrap();
        Plans::load(&entries).unwrap()
    }

    #[test]
    fn a_burst_is_let_through_then_the_caller_is_throttled() {
        let plans = plans();
        let throttle = Throttle::new(&plans);
        let tiny = plans.get("tiny").unwrap();
        let remaining: Vec<u32> = (0..3)
            .map(|_| match throttle.check(tiny, "key:a") {
                Throttled::Allowed { remaining, .. } => remaining,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(remaining, vec![2, 1, 0]);
        match throttle.check(tiny, "key:a") {
            Throttled::Limited { retry_after } => assert!(retry_after > Duration::from_secs(50)),
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(throttle.check(tiny, "key:b"), Throttled::Allowed { remaining: 2, .. }),
            "other subjects are apart"
        );
    }

    #[test]
    fn the_unlimited_plan_is_not_metered() {
        let plans = plans();
        assert_eq!(
            Throttle::new(&plans).check(plans.get("unlimited").unwrap(), "key:a"),
            Throttled::Unmetered
        );
    }
}
