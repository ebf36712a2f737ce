//! One access-log line and the request metrics per request: request id, route template,
//! status, latency, cache result and provider.

use std::collections::HashSet;
use std::sync::{OnceLock, RwLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use crate::http::cached::CacheNote;
use crate::telemetry::metrics;

/// The matched route template as the label (`/v1/me`, `/admin/v1/keys/{id}`), unmatched
/// paths `unmatched`: bounded by the routes the router has, whatever callers send.
fn route_label(matched: Option<&MatchedPath>) -> &'static str {
    matched.map_or("unmatched", |path| intern(path.as_str()))
}

/// Route templates as `&'static str`, so the metrics facade does not allocate a label per
/// request. Only templates of the router reach here, so what is leaked is bounded.
fn intern(template: &str) -> &'static str {
    static TEMPLATES: OnceLock<RwLock<HashSet<&'static str>>> = OnceLock::new();
    let templates = TEMPLATES.get_or_init(RwLock::default);
    if let Some(found) = templates.read().expect("route labels").get(template) {
        return found;
    }
    let mut write = templates.write().expect("route labels");
    if let Some(found) = write.get(template) {
        return found;
    }
    let leaked: &'static str = Box::leak(template.to_owned().into_boxed_str());
    write.insert(leaked);
    leaked
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
