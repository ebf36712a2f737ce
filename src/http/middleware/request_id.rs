//! Request ids: UUID v4 from the thread-local CSPRNG (no system call per request, unlike
//! `Uuid::new_v4`, which asks the OS for entropy every time).

use axum::http::{HeaderValue, Request};
use rand::Rng;
use tower_http::request_id::{MakeRequestId, RequestId};

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
