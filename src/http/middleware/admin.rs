//! Guards `/admin/*`: without a configured token the admin API does not exist (404);
//! with one, the bearer token must match (compared in constant time).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::problem::ApiError;
use crate::management::{AdminAccess, Management};

pub async fn require_admin(State(management): State<Arc<Management>>, request: Request, next: Next) -> Response {
    match management.admin_access(request.headers()) {
        AdminAccess::Disabled => ApiError::RouteNotFound.into_response(),
        AdminAccess::Denied => ApiError::Unauthorized("The admin token is missing or wrong.").into_response(),
        AdminAccess::Granted => next.run(request).await,
    }
}
