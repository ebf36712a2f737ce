//! One access-log line and the request metrics per request: request id, route template,
//! status, latency, cache result and provider.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use super::route_label::route_label;
use crate::http::cached::CacheNote;
use crate::telemetry::access::{self, AccessLine};
use crate::telemetry::metrics;

pub async fn access_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = route_label(request.extensions().get::<MatchedPath>());
    let method = request.method().clone();
    // The id header, not a copy: `HeaderValue`s share their bytes.
    let request_id = request.headers().get("x-request-id").cloned();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    metrics::http_request(route, status, elapsed);
    let note = response.extensions().get::<CacheNote>();
    access::record(&AccessLine {
        request_id: request_id.as_ref().and_then(|v| v.to_str().ok()).unwrap_or_default(),
        method: method.as_str(),
        route,
        status,
        latency: elapsed,
        cache: note.map(|n| n.result.as_str()),
        provider: note.map(|n| n.provider.as_str()),
    });
    response
}
