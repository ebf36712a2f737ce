//! Refuses malformed or oversized requests before any work is done: headers too large
//! (431; hyper's own cap is far higher than an API needs), more than one `Host` (400: two
//! hosts are a request-smuggling and cache-poisoning tool), a declared body over the limit
//! (413, answered before hyper would send `100 Continue`, so the client never uploads it),
//! and `Expect` values other than `100-continue` (417).

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::http::problem::ApiError;

/// Total bytes of header names and values accepted.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Largest request body accepted (preferences, admin requests).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn check_request(request: &mut Request) -> Option<Response> {
    refusal(request).map(|(status, detail)| ApiError::InvalidBody { status, detail }.into_response())
}

fn refusal(request: &Request) -> Option<(StatusCode, String)> {
    let headers = request.headers();
    let size: usize = headers.iter().map(|(k, v)| k.as_str().len() + v.len()).sum();
    if size > MAX_HEADER_BYTES {
        return Some((
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("Request headers total {size} bytes; at most {MAX_HEADER_BYTES} are accepted."),
        ));
    }
    if headers.get_all(header::HOST).iter().count() > 1 {
        return Some((StatusCode::BAD_REQUEST, "More than one Host header.".into()));
    }
    if let Some(expect) = headers.get(header::EXPECT)
        && !expect.as_bytes().eq_ignore_ascii_case(b"100-continue")
    {
        return Some((
            StatusCode::EXPECTATION_FAILED,
            "Only `Expect: 100-continue` is supported.".into(),
        ));
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Some((
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Request bodies are limited to {MAX_BODY_BYTES} bytes."),
        ));
    }
    None
}
