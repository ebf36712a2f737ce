//! One access-log line and the request metrics per request: request id, route template,
//! status, latency, cache result and provider.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use crate::http::cached::CacheNote;
use crate::telemetry::metrics;

/// Route templates as static labels (the metrics facade would otherwise allocate per request);
/// anything unexpected is labelled `other`, unmatched paths `unmatched`.
fn route_label(matched: Option<&MatchedPath>) -> &'static str {
    let Some(path) = matched.map(MatchedPath::as_str) else {
        return "unmatched";
    };
    const KNOWN: &[&str] = &[
        "/sports",
        "/v1/leagues",
        "/v1/leagues/{league}/games",
        "/v1/leagues/{league}/standings",
        "/v1/leagues/{league}/teams",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
    ];
    KNOWN
        .iter()
        .find(|k| **k == path)
        .copied()
        .unwrap_or(if path.starts_with("/docs") { "/docs" } else { "other" })
}

pub async fn access_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = route_label(request.extensions().get::<MatchedPath>());
    let method = request.method().clone();
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    metrics::http_request(route, status, elapsed);
    let note = response.extensions().get::<CacheNote>();
    tracing::info!(
        target: "sportsgate::access",
        request_id,
        method = %method,
        route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        cache = note.map(|n| n.result.as_str()),
        provider = note.map(|n| n.provider.as_str()),
        "request"
    );
    response
}
