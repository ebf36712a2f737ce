//! Every route and every layer, in one place: where a request goes is one read.

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware;
use axum::routing::{delete, get, patch};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;

use super::middleware::access_log::access_log;
use super::middleware::admin::require_admin;
use super::middleware::gate::gate;
use super::middleware::header_limit::limit_headers;
use super::middleware::request_id::FastUuid;
use super::problem::ApiError;
use super::routes::{admin, docs, favourites, games, health, leagues, legacy, me, standings, teams};
use super::state::AppState;

/// Largest request body accepted (preferences, admin requests).
const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn build(state: AppState, cors_origins: &[String]) -> Router {
    // Data and account routes: behind the API-management gate (key or anonymous plan,
    // rate, quota, usage).
    let gated = Router::new()
        .route("/sports", get(legacy::get_sports))
        .route("/v1/leagues", get(leagues::list_leagues))
        .route("/v1/leagues/{league}/games", get(games::list_games))
        .route("/v1/leagues/{league}/standings", get(standings::get_standings))
        .route("/v1/leagues/{league}/teams", get(teams::list_teams))
        .route("/v1/me", get(me::get_me))
        .route("/v1/me/preferences", get(me::get_preferences).put(me::put_preferences))
        .route("/v1/me/history", get(me::get_history))
        .route("/v1/me/games", get(favourites::get_my_games))
        .route_layer(middleware::from_fn_with_state(state.management.clone(), gate));
    // Admin API: only with SPORTSGATE_ADMIN_TOKEN set, and only with that token.
    let admin = Router::new()
        .route("/admin/v1/keys", get(admin::list_keys).post(admin::create_key))
        .route("/admin/v1/keys/{id}", patch(admin::patch_key).delete(admin::revoke_key))
        .route("/admin/v1/usage", get(admin::get_usage))
        .route("/admin/v1/cache", delete(admin::purge_cache))
        .route_layer(middleware::from_fn_with_state(state.management.clone(), require_admin));
    // Operations and docs: never counted, never limited.
    let operations = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/openapi.json", get(docs::openapi_json))
        .route("/docs", get(docs::docs_redirect))
        .route("/docs/", get(docs::docs_index))
        .route("/docs/{file}", get(docs::docs_asset));
    let app = Router::new()
        .merge(gated)
        .merge(admin)
        .merge(operations)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(state);

    let x_request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(app)
        .fallback(|| async { ApiError::RouteNotFound })
        // Outermost first: the id exists before the access log reads it; CORS answers
        // preflights before the gate could count them.
        .layer(
            ServiceBuilder::new()
                .layer(SetSensitiveRequestHeadersLayer::new([
                    header::AUTHORIZATION,
                    HeaderName::from_static("x-api-key"),
                ]))
                .layer(SetRequestIdLayer::new(x_request_id.clone(), FastUuid))
                .layer(PropagateRequestIdLayer::new(x_request_id))
                .layer(middleware::from_fn(access_log))
                .layer(CatchPanicLayer::custom(|_| {
                    axum::response::IntoResponse::into_response(ApiError::Internal("handler panicked".into()))
                }))
                .option_layer(cors(cors_origins))
                .layer(middleware::from_fn(limit_headers))
                .layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
}

/// CORS for browser callers of the configured origins (`*` = any); none configured = no
/// CORS headers at all.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    let exposed = [
        "ratelimit",
        "ratelimit-policy",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "retry-after",
        "etag",
        "age",
        "cache-status",
        "x-cache",
        "x-request-id",
    ];
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([Method::GET, Method::PUT, Method::PATCH, Method::POST, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_NONE_MATCH,
                HeaderName::from_static("x-api-key"),
                HeaderName::from_static("x-request-id"),
            ])
            .expose_headers(exposed.map(HeaderName::from_static))
            .max_age(Duration::from_secs(600)),
    )
}
