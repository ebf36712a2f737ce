//! Refuses requests whose headers are unreasonably large (431) before any work is done;
//! hyper's own cap is far higher than an API needs.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::problem::ApiError;

/// Total bytes of header names and values accepted.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

pub async fn limit_headers(request: Request, next: Next) -> Response {
    let size: usize = request.headers().iter().map(|(k, v)| k.as_str().len() + v.len()).sum();
    if size > MAX_HEADER_BYTES {
        return ApiError::InvalidBody {
            status: StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            detail: format!("Request headers total {size} bytes; at most {MAX_HEADER_BYTES} are accepted."),
        }
        .into_response();
    }
    next.run(request).await
}
