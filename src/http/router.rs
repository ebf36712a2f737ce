//! Every route and every layer, in one place: where a request goes is one read.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware;
use axum::response::Redirect;
use axum::routing::{delete, get, patch};
use secrecy::SecretString;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;

use super::middleware::access_log::AccessLogLayer;
use super::middleware::admin::require_admin;
use super::middleware::deadline::DeadlineLayer;
use super::middleware::gate::{account_gate, gate};
use super::middleware::guard::guard;
use super::middleware::hygiene::{MAX_BODY_BYTES, check_request};
use super::middleware::metrics_auth::require_metrics_token;
use super::middleware::request_id::{FastUuid, sanitize_request_id};
use super::middleware::security_headers;
use super::problem::ApiError;
use super::routes::{admin, docs, favourites, games, health, leagues, legacy, me, pages, standings, stats, teams};
use super::state::AppState;

/// What the router needs from the configuration besides the state.
#[derive(Debug, Clone, Default)]
pub struct RouterOptions {
    /// Origins allowed by CORS.
    pub cors_origins: Vec<String>,
    /// Whether `/metrics` is served here (else on its own listener).
    pub metrics_here: bool,
    pub metrics_token: Option<Arc<SecretString>>,
    /// The whole-request deadline.
    pub request_timeout: Duration,
}

pub fn build(state: AppState, options: &RouterOptions) -> Router {
    // Data routes: behind the API-management gate (key or anonymous plan, rate, quota, usage).
    let gated = Router::new()
        .route("/sports", get(legacy::get_sports))
        .route("/v1/leagues", get(leagues::list_leagues))
        .route("/v1/leagues/{league}/games", get(games::list_games))
        .route("/v1/leagues/{league}/standings", get(standings::get_standings))
        .route("/v1/leagues/{league}/teams", get(teams::list_teams))
        // Data for the caller's favourites: upstream data, so counted like the routes above.
        .route("/v1/me/games", get(favourites::get_my_games))
        .route_layer(middleware::from_fn_with_state(state.management.clone(), gate));
    // Account routes: the caller is identified but nothing is counted against its plan.
    let account = Router::new()
        .route("/v1/me", get(me::get_me))
        .route("/v1/me/preferences", get(me::get_preferences).put(me::put_preferences))
        .route("/v1/me/history", get(me::get_history))
        .route_layer(middleware::from_fn_with_state(state.management.clone(), account_gate));
    // Admin API: only with SPORTSGATE_ADMIN_TOKEN set, and only with that token.
    let admin = Router::new()
        .route("/admin/v1/keys", get(admin::list_keys).post(admin::create_key))
        .route("/admin/v1/keys/{id}", patch(admin::patch_key).delete(admin::revoke_key))
        .route("/admin/v1/usage", get(admin::get_usage))
        .route("/admin/v1/plans", get(admin::list_plans))
        .route("/admin/v1/stats", get(stats::get_stats))
        .route("/admin/v1/cache", delete(admin::purge_cache))
        .route_layer(middleware::from_fn_with_state(state.management.clone(), require_admin));
    // Operations and docs: never counted, never limited.
    let mut operations = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/openapi.json", get(docs::openapi_json))
        .route("/docs", get(docs::docs_index))
        .route("/docs/", get(docs::docs_redirect))
        .route("/docs/{file}", get(docs::docs_asset));
    if options.metrics_here {
        operations = operations.merge(metrics_routes(options.metrics_token.clone()));
    }
    // Web pages: only the public API behind them; never counted; their own strict CSP.
    let web = Router::new()
        .route("/", get(pages::scoreboard))
        .route("/admin", get(pages::admin_dashboard))
        .route("/admin/", get(|| async { Redirect::permanent("/admin") }))
        .route("/assets/{file}", get(pages::asset))
        .layer(middleware::map_response(pages::page_policy));
    let app = Router::new()
        .merge(gated)
        .merge(account)
        .merge(web)
        .merge(admin)
        .merge(operations)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(state);
    with_edge_layers(app, options)
}

/// `/metrics` alone, for a separate listener (`SPORTSGATE_METRICS_LISTEN`).
pub fn metrics_only(state: AppState, options: &RouterOptions) -> Router {
    let app = metrics_routes(options.metrics_token.clone())
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(state);
    with_edge_layers(app, options)
}

fn metrics_routes(token: Option<Arc<SecretString>>) -> Router<AppState> {
    Router::new()
        .route("/metrics", get(health::metrics))
        .route_layer(middleware::from_fn_with_state(token, require_metrics_token))
}

fn with_edge_layers(app: Router, options: &RouterOptions) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(app)
        .fallback(|| async { ApiError::RouteNotFound })
        // Outermost first: the id exists before the access log reads it; CORS answers
        // preflights before the gate could count them; the deadline covers the gate's store
        // calls as well as the handler.
        .layer(
            ServiceBuilder::new()
                .layer(guard(sanitize_request_id))
                .layer(SetSensitiveRequestHeadersLayer::new([
                    header::AUTHORIZATION,
                    HeaderName::from_static("x-api-key"),
                ]))
                .layer(SetRequestIdLayer::new(x_request_id.clone(), FastUuid))
                .layer(PropagateRequestIdLayer::new(x_request_id))
                .layer(AccessLogLayer)
                .layer(security_headers::layer())
                .layer(CatchPanicLayer::custom(|_| {
                    axum::response::IntoResponse::into_response(ApiError::Internal("handler panicked".into()))
                }))
                .option_layer(cors(&options.cors_origins))
                .layer(guard(check_request))
                .layer(DeadlineLayer(options.request_timeout))
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
