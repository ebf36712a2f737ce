//! `/metrics` behind a bearer token when `SPORTSGATE_METRICS_TOKEN` is set (compared in
//! constant time); open otherwise, for a scraper on a private listener.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;

use crate::http::problem::ApiError;
use crate::management::token_matches;

pub async fn require_metrics_token(
    State(token): State<Option<Arc<SecretString>>>,
    request: Request,
    next: Next,
) -> Response {
    match token {
        Some(expected) if !token_matches(request.headers(), &expected) => {
            ApiError::Unauthorized("The metrics token is missing or wrong.").into_response()
        }
        _ => next.run(request).await,
    }
}
