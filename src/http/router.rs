//! Every route and every layer, in one place: where a request goes is one read.

use axum::Router;
use axum::http::HeaderName;
use axum::middleware;
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::{Config, SwaggerUi};

use super::middleware::access_log::access_log;
use super::middleware::request_id::FastUuid;
use super::openapi::ApiDoc;
use super::problem::ApiError;
use super::routes::{games, health, leagues, legacy, standings, teams};
use super::state::AppState;

pub fn build(state: AppState) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    let api = Router::new()
        .route("/sports", get(legacy::get_sports))
        .route("/v1/leagues", get(leagues::list_leagues))
        .route("/v1/leagues/{league}/games", get(games::list_games))
        .route("/v1/leagues/{league}/standings", get(standings::get_standings))
        .route("/v1/leagues/{league}/teams", get(teams::list_teams))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(state);
    Router::new()
        .merge(
            SwaggerUi::new("/docs")
                .url("/openapi.json", ApiDoc::openapi())
                // "none": no call to the online validator, so the docs stay offline.
                .config(Config::default().validator_url("none").try_it_out_enabled(true)),
        )
        .merge(api)
        .fallback(|| async { ApiError::RouteNotFound })
        // Outermost first: the id exists before the access log reads it.
        .layer(
            ServiceBuilder::new()
                .layer(SetSensitiveRequestHeadersLayer::new([
                    axum::http::header::AUTHORIZATION,
                    HeaderName::from_static("x-api-key"),
                ]))
                .layer(SetRequestIdLayer::new(x_request_id.clone(), FastUuid))
                .layer(PropagateRequestIdLayer::new(x_request_id))
                .layer(middleware::from_fn(access_log))
                .layer(CatchPanicLayer::custom(|_| {
                    axum::response::IntoResponse::into_response(ApiError::Internal("handler panicked".into()))
                })),
        )
}
