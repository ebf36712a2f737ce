//! Defaults every response gets unless its route chose otherwise: no caching (a route that
//! may be cached says so itself; account and admin answers must never be shared), no MIME
//! sniffing, no framing, no referrer, and a Content-Security-Policy that lets an API
//! response load nothing (pages set their own, narrower-than-default policy).

use axum::http::{HeaderName, HeaderValue, Response, header};
use tower::util::MapResponseLayer;

const DEFAULTS: &[(HeaderName, &str)] = &[
    (header::CACHE_CONTROL, "no-store"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "no-referrer"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    ),
];

/// The defaults as a tower layer: a plain function on the response, no boxed future or
/// cloned inner service per request (as `axum::middleware::from_fn` would have).
pub fn layer<B>() -> MapResponseLayer<fn(Response<B>) -> Response<B>> {
    MapResponseLayer::new(with_defaults::<B> as fn(Response<B>) -> Response<B>)
}

fn with_defaults<B>(mut response: Response<B>) -> Response<B> {
    let headers = response.headers_mut();
    for (name, value) in DEFAULTS {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), HeaderValue::from_static(value));
        }
    }
    response
}
