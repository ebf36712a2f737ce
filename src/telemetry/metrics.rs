//! Prometheus metrics with the fixed names of INTERFACE.md. Labels use the matched route
//! template, never the raw path, so cardinality stays bounded.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{OnceLock, RwLock};
use std::time::Duration;

use metrics::{Counter, Histogram, counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::domain::ProviderKind;

pub const HTTP_REQUESTS: &str = "sportsgate_http_requests_total";
pub const HTTP_DURATION: &str = "sportsgate_http_request_duration_seconds";
pub const CACHE_LOOKUPS: &str = "sportsgate_cache_lookups_total";
pub const UPSTREAM_REQUESTS: &str = "sportsgate_upstream_requests_total";
pub const UPSTREAM_DURATION: &str = "sportsgate_upstream_request_duration_seconds";
pub const RATELIMIT_REJECTIONS: &str = "sportsgate_ratelimit_rejections_total";
pub const CIRCUIT_OPEN: &str = "sportsgate_circuit_open";
pub const REDIS_UP: &str = "sportsgate_redis_up";
pub const REDIS_CALLS: &str = "sportsgate_redis_calls_total";
pub const LIMITER_FALLBACKS: &str = "sportsgate_ratelimit_local_fallbacks_total";

const HTTP_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const UPSTREAM_BUCKETS: &[f64] = &[0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Installs the process-wide recorder on first call and returns its handle. The recorder is
/// global (the `metrics` facade has one), so apps built in the same process share it.
pub fn install() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), HTTP_BUCKETS)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(UPSTREAM_DURATION.into()), UPSTREAM_BUCKETS))
                .expect("bucket lists are non-empty")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (a host process embedding the
            // library); then our handle renders only what we record through it, which is
            // nothing, so say so loudly instead of failing.
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
            }
            INSTALLED.store(true, std::sync::atomic::Ordering::Release);
            describe();
            handle
        })
        .clone()
}

/// Drains histogram samples into their buckets every few seconds; without it they pile up in
/// memory between scrapes.
pub fn spawn_upkeep(handle: PrometheusHandle) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            handle.run_upkeep();
        }
    });
}

fn describe() {
    metrics::describe_counter!(HTTP_REQUESTS, "HTTP requests served, by route template and status");
    metrics::describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "HTTP request latency by route template"
    );
    metrics::describe_counter!(
        CACHE_LOOKUPS,
        "Cache lookups by result (hit, miss, collapsed, stale, stale_error)"
    );
    metrics::describe_counter!(UPSTREAM_REQUESTS, "Upstream attempts by provider and outcome");
    metrics::describe_histogram!(UPSTREAM_DURATION, metrics::Unit::Seconds, "Upstream attempt latency");
    metrics::describe_counter!(
        RATELIMIT_REJECTIONS,
        "Requests rejected by rate limits or quotas, by plan"
    );
    metrics::describe_gauge!(CIRCUIT_OPEN, "1 while a provider's circuit breaker is open");
    metrics::describe_gauge!(
        REDIS_UP,
        "1 while Redis answers, 0 while it does not (absent without Redis)"
    );
    metrics::describe_counter!(
        REDIS_CALLS,
        "Redis calls by outcome: ok, error, timeout, skipped (Redis known down)"
    );
    metrics::describe_counter!(
        LIMITER_FALLBACKS,
        "Admissions decided without Redis (by this replica's own limits, or refused when fail-closed)"
    );
}

/// Outcomes of an upstream attempt (`sportsgate_upstream_requests_total{outcome}`) that every
/// HTTP provider can report; each starts at zero so dashboards and alerts see the series
/// before the first upstream call.
const UPSTREAM_OUTCOMES: [&str; 4] = ["ok", "timeout", "connect_error", "http_error"];

/// Creates the known upstream series of `providers` at zero: request counts per outcome,
/// the latency histogram and a closed circuit.
pub fn init_upstream(providers: &[ProviderKind]) {
    for provider in providers {
        if *provider != ProviderKind::Replay {
            for outcome in UPSTREAM_OUTCOMES {
                counter!(UPSTREAM_REQUESTS, "provider" => provider.as_str(), "outcome" => outcome).increment(0);
            }
            let _ = histogram!(UPSTREAM_DURATION, "provider" => provider.as_str());
        }
        circuit_open(*provider, false);
    }
}

pub fn http_request(route: &'static str, status: u16, elapsed: Duration) {
    static REQUESTS: Handles<(&str, &str), Counter> = Handles::new();
    static DURATIONS: Handles<&str, Histogram> = Handles::new();
    let status = status_label(status);
    REQUESTS.with(
        (route, status),
        || counter!(HTTP_REQUESTS, "route" => route, "status" => status),
        |c| c.increment(1),
    );
    DURATIONS.with(
        route,
        || histogram!(HTTP_DURATION, "route" => route),
        |h| h.record(elapsed.as_secs_f64()),
    );
}

pub fn cache_lookup(result: &'static str) {
    static LOOKUPS: Handles<&str, Counter> = Handles::new();
    LOOKUPS.with(
        result,
        || counter!(CACHE_LOOKUPS, "result" => result),
        |c| c.increment(1),
    );
}

/// Set once the recorder is installed: handles taken before would be no-ops forever.
static INSTALLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Handles of the per-request series, found once and kept: the `metrics` macros build a key
/// and search the recorder's registry on every call, which costs more than the update
/// itself. Labels are `&'static str`s from fixed sets (route templates, status and result
/// names), so the map stays small. Until the recorder is installed nothing is kept (a
/// handle taken then would stay a no-op).
struct Handles<K, H>(RwLock<Option<HashMap<K, H>>>);

impl<K: Eq + Hash + Copy, H> Handles<K, H> {
    const fn new() -> Self {
        Self(RwLock::new(None))
    }

    /// Applies `update` to the handle of `key`, registering it on first use.
    fn with(&self, key: K, register: impl FnOnce() -> H, update: impl FnOnce(&H)) {
        if !INSTALLED.load(std::sync::atomic::Ordering::Acquire) {
            return update(&register());
        }
        if let Some(handle) = self
            .0
            .read()
            .expect("metric handles")
            .as_ref()
            .and_then(|m| m.get(&key))
        {
            return update(handle);
        }
        let mut handles = self.0.write().expect("metric handles");
        update(
            handles
                .get_or_insert_with(HashMap::new)
                .entry(key)
                .or_insert_with(register),
        );
    }
}

pub fn upstream_request(provider: ProviderKind, outcome: &'static str, elapsed: Duration) {
    counter!(UPSTREAM_REQUESTS, "provider" => provider.as_str(), "outcome" => outcome).increment(1);
    histogram!(UPSTREAM_DURATION, "provider" => provider.as_str()).record(elapsed.as_secs_f64());
}

pub fn ratelimit_rejection(plan: &str) {
    counter!(RATELIMIT_REJECTIONS, "plan" => plan.to_owned()).increment(1);
}

pub fn circuit_open(provider: ProviderKind, open: bool) {
    gauge!(CIRCUIT_OPEN, "provider" => provider.as_str()).set(if open { 1.0 } else { 0.0 });
}

pub fn redis_up(up: bool) {
    gauge!(REDIS_UP).set(if up { 1.0 } else { 0.0 });
}

pub fn redis_call(outcome: &'static str) {
    counter!(REDIS_CALLS, "outcome" => outcome).increment(1);
}

pub fn limiter_fallback(mode: &'static str) {
    counter!(LIMITER_FALLBACKS, "mode" => mode).increment(1);
}

/// Status codes as static strings, so the hot path does not allocate a label.
fn status_label(status: u16) -> &'static str {
    match status {
        200 => "200",
        304 => "304",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        405 => "405",
        429 => "429",
        500 => "500",
        502 => "502",
        503 => "503",
        504 => "504",
        s if s < 300 => "2xx",
        s if s < 400 => "3xx",
        s if s < 500 => "4xx",
        _ => "5xx",
    }
}
