//! Liveness, readiness and the Prometheus scrape endpoint.

use axum::Json;
use axum::extract::State;
use std::sync::Arc;

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use metrics_exporter_prometheus::PrometheusHandle;
use serde::Serialize;
use utoipa::ToSchema;

use crate::cache::SportsCache;
use crate::domain::ProviderKind;
use crate::http::problem::Problem;
use crate::http::state::Started;
use crate::management::Management;
use crate::providers::breaker::BreakerState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderHealth {
    pub provider: ProviderKind,
    /// `closed` (healthy), `open` (failing fast) or `half_open` (probing).
    pub circuit: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`; `degraded` when a provider's circuit is open (cached data is still served)
    /// or Redis does not answer (limits fall back to this replica's own);
    /// `unavailable` when the store does not answer.
    pub status: &'static str,
    pub providers: Vec<ProviderHealth>,
    /// Parts that are not healthy, by name.
    pub degraded: Vec<String>,
    pub uptime_seconds: u64,
}

/// Liveness: the process is up and serving.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: the store answers (else 503). Upstream trouble degrades but does not fail
/// readiness, since cached and stale data still answer; the degraded parts are listed.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Readiness), (status = 503, description = "The store is unreachable", body = Readiness)))]
pub async fn readyz(
    State(cache): State<Arc<SportsCache>>,
    State(management): State<Arc<Management>>,
    State(started): State<Started>,
) -> (StatusCode, Json<Readiness>) {
    let providers: Vec<ProviderHealth> = cache
        .chain()
        .circuits()
        .into_iter()
        .map(|(provider, state)| ProviderHealth {
            provider,
            circuit: match state {
                BreakerState::Closed => "closed",
                BreakerState::Open => "open",
                BreakerState::HalfOpen => "half_open",
            },
        })
        .collect();
    let mut degraded: Vec<String> = providers
        .iter()
        .filter(|p| p.circuit != "closed")
        .map(|p| format!("provider:{}", p.provider))
        .collect();
    if management.redis.as_ref().is_some_and(|r| !r.is_up()) {
        degraded.push("redis".into());
    }
    let store_ok = management.store.ping().await.is_ok();
    if !store_ok {
        degraded.push("store".into());
    }
    let (code, status) = match (store_ok, degraded.is_empty()) {
        (false, _) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        (true, true) => (StatusCode::OK, "ready"),
        (true, false) => (StatusCode::OK, "degraded"),
    };
    (
        code,
        Json(Readiness {
            status,
            providers,
            degraded,
            uptime_seconds: started.0.elapsed().as_secs(),
        }),
    )
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations", security((), ("metrics_token" = [])),
    responses(
        (status = 200, description = "Prometheus text format", content_type = "text/plain"),
        (status = 401, description = "SPORTSGATE_METRICS_TOKEN is set and the bearer token is missing or wrong", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn metrics(State(handle): State<PrometheusHandle>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        handle.render(),
    )
}
