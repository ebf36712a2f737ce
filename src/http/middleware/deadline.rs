//! The request deadline: whatever a request waits on, it is answered within the server's
//! request timeout, with our 504 problem rather than a proxy's error page (API Gateway gives
//! up at 29 s). Upstream and store calls have shorter deadlines of their own; this is the
//! bound on everything together.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::problem::ApiError;

pub async fn deadline(State(timeout): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout(timeout).into_response(),
    }
}
