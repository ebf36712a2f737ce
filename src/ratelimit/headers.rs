//! Rate-limit headers: `RateLimit-Policy` and `RateLimit` in the IETF httpapi draft's
//! structured form, plus the legacy `X-RateLimit-*` trio (the tightest limit; `Reset` in
//! Unix seconds, as GitHub and most clients expect).

use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use chrono::{DateTime, Utc};

use super::Throttled;
use super::window::QuotaState;
use crate::domain::plan::{Plan, QuotaWindow};

/// What a caller's limits look like after a request.
#[derive(Debug, Clone)]
pub struct LimitState {
    pub throttle: Throttled,
    pub quota: Option<QuotaState>,
}

struct Item {
    name: &'static str,
    limit: u64,
    window: u64,
    remaining: u64,
    reset_in: u64,
}

/// Whole seconds, rounded up: headers speak in seconds and must never say "0" too early.
pub fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// The plan's burst and its quota, whichever it has (none for an unmetered plan).
fn items(plan: &Plan, state: &LimitState, now: DateTime<Utc>) -> [Option<Item>; 2] {
    let burst = plan.rate.map(|rate| {
        let interval = rate.per / rate.count;
        let (remaining, reset_in) = match state.throttle {
            Throttled::Allowed { remaining, full_in } => (u64::from(remaining), ceil_secs(full_in)),
            Throttled::Limited { retry_after } => (0, ceil_secs(retry_after)),
            Throttled::Unmetered => (u64::from(plan.burst), 0),
        };
        Item {
            name: "burst",
            limit: u64::from(plan.burst),
            window: ceil_secs(interval * plan.burst).max(1),
            remaining,
            reset_in,
        }
    });
    let quota = state.quota.as_ref().map(|q| Item {
        name: if q.window.kind == QuotaWindow::Day {
            "daily"
        } else {
            "monthly"
        },
        limit: q.limit,
        window: q.window.seconds(),
        remaining: q.remaining(),
        reset_in: u64::try_from((q.window.resets_at() - now).num_seconds()).unwrap_or(0),
    });
    [burst, quota]
}

static RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
static RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");
static X_RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
static X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
static X_RATELIMIT_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// Sets the limit headers for `state` (none for an unmetered plan). On every keyed request,
/// so each list is written straight into one buffer that becomes the header value.
pub fn apply(headers: &mut HeaderMap, plan: &Plan, state: &LimitState, now: DateTime<Utc>) {
    let items = items(plan, state, now);
    let Some(tightest) = items
        .iter()
        .flatten()
        .min_by_key(|i| (i.remaining, std::cmp::Reverse(i.reset_in)))
    else {
        return;
    };
    // Written by hand with itoa: this runs on every keyed request, and `format!` with a
    // join per header cost several times what the values need.
    let mut policy = Vec::with_capacity(64);
    let mut current = Vec::with_capacity(64);
    let mut digits = itoa::Buffer::new();
    for (n, item) in items.iter().flatten().enumerate() {
        for (out, (a, b), (x, y)) in [
            (&mut policy, ("q=", item.limit), ("w=", item.window)),
            (&mut current, ("r=", item.remaining), ("t=", item.reset_in)),
        ] {
            if n > 0 {
                out.extend_from_slice(b", ");
            }
            out.push(b'"');
            out.extend_from_slice(item.name.as_bytes());
            out.extend_from_slice(b"\";");
            out.extend_from_slice(a.as_bytes());
            out.extend_from_slice(digits.format(b).as_bytes());
            out.push(b';');
            out.extend_from_slice(x.as_bytes());
            out.extend_from_slice(digits.format(y).as_bytes());
        }
    }
    let reset_at = now.timestamp().unsigned_abs() + tightest.reset_in;
    for (name, value) in [(&RATELIMIT_POLICY, policy), (&RATELIMIT, current)] {
        // Only digits, names and punctuation: always a valid header value.
        if let Ok(value) = HeaderValue::from_maybe_shared(bytes::Bytes::from(value)) {
            headers.insert(name.clone(), value);
        }
    }
    headers.insert(X_RATELIMIT_LIMIT.clone(), HeaderValue::from(tightest.limit));
    headers.insert(X_RATELIMIT_REMAINING.clone(), HeaderValue::from(tightest.remaining));
    headers.insert(X_RATELIMIT_RESET.clone(), HeaderValue::from(reset_at));
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::plan::{PlanEntry, Plans, Quota};
    use crate::ratelimit::window::Window;

    #[test]
    fn headers_carry_the_burst_and_the_daily_quota_in_draft_form() {
        let plans = Plans::load(&BTreeMap::<String, PlanEntry>::new()).unwrap();
        let free = plans.get("free").unwrap();
        let now: DateTime<Utc> = "2026-11-23T23:00:00Z".parse().unwrap();
        let quota = Quota {
            limit: 5000,
            window: QuotaWindow::Day,
        };
        let state = LimitState {
            throttle: Throttled::Allowed {
                remaining: 19,
                full_in: Duration::from_secs(1),
            },
            quota: Some(QuotaState {
                limit: 5000,
                used: 679,
                window: Window::containing(quota.window, now),
            }),
        };
        let mut h = HeaderMap::new();
        apply(&mut h, free, &state, now);
        assert_eq!(h["ratelimit-policy"], "\"burst\";q=20;w=20, \"daily\";q=5000;w=86400");
        assert_eq!(h["ratelimit"], "\"burst\";r=19;t=1, \"daily\";r=4321;t=3600");
        assert_eq!(h["x-ratelimit-limit"], "20");
        assert_eq!(h["x-ratelimit-remaining"], "19");
        assert_eq!(h["x-ratelimit-reset"], (now.timestamp() + 1).to_string());
    }

    #[test]
    fn the_unlimited_plan_sends_no_limit_headers() {
        let plans = Plans::load(&BTreeMap::<String, PlanEntry>::new()).unwrap();
        let mut h = HeaderMap::new();
        apply(
            &mut h,
            plans.get("unlimited").unwrap(),
            &LimitState {
                throttle: Throttled::Unmetered,
                quota: None,
            },
            Utc::now(),
        );
        assert!(h.is_empty());
    }
}
