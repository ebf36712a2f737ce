//! Request ids: a caller's own id is kept when it is short and plain (it ends up in our
//! logs and headers), else replaced; new ids are UUID v4 from the thread-local CSPRNG (no
//! system call per request, unlike `Uuid::new_v4`, which asks the OS for entropy every time).

use axum::extract::Request as AxumRequest;
use axum::http::{HeaderValue, Request};
use axum::response::Response;
use rand::Rng;
use tower_http::request_id::{MakeRequestId, RequestId};

/// Longest caller-chosen request id kept.
const MAX_ID_LEN: usize = 128;

/// Drops an `X-Request-Id` that is too long, repeated or holds anything but letters, digits
/// and `-_.:/+=`, so one is made instead.
pub fn sanitize_request_id(request: &mut AxumRequest) -> Option<Response> {
    let headers = request.headers_mut();
    let mut values = headers.get_all("x-request-id").iter();
    let plain = |v: &HeaderValue| {
        !v.is_empty()
            && v.len() <= MAX_ID_LEN
            && v.as_bytes()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(b))
    };
    let keep = match (values.next(), values.next()) {
        (None, _) => true,
        (Some(only), None) => plain(only),
        (Some(_), Some(_)) => false,
    };
    if !keep {
        headers.remove("x-request-id");
    }
    None
}

#[derive(Clone, Copy, Default)]
pub struct FastUuid;

impl MakeRequestId for FastUuid {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let id = uuid::Builder::from_random_bytes(rand::rng().random()).into_uuid();
        let mut buf = uuid::Uuid::encode_buffer();
        HeaderValue::from_str(id.hyphenated().encode_lower(&mut buf))
            .ok()
            .map(RequestId::new)
    }
}
