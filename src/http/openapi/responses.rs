//! Response sets many operations share. Documentation only: the responses themselves are
//! built by `ApiError` and the middleware, and `live.rs` adds the headers every response
//! carries.
#![allow(dead_code)]

use utoipa::IntoResponses;

use crate::http::problem::Problem;

/// What the API-management gate in front of the data and account routes can answer instead
/// of the route.
#[derive(IntoResponses)]
pub enum GateRefusal {
    #[response(
        status = 401,
        description = "The credential sent is malformed (empty, not ASCII, not `Bearer`), invalid, revoked or expired, or a key is required and none was sent",
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"sportsgate\"`"))
    )]
    Unauthorized(Problem),
    #[response(
        status = 429,
        description = "Rate limited (problem type `/problems/rate-limited`: slow down; account routes allow a few requests a second per caller) or quota spent (`/problems/quota-exceeded`: wait for the reset)",
        content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "Seconds to wait"))
    )]
    TooManyRequests(Problem),
    #[response(
        status = 503,
        description = "The key and usage store (or the upstream, where data is served) is unavailable right now",
        content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "Seconds to wait"))
    )]
    Unavailable(Problem),
}

/// The upstream failures every data route can answer with when nothing is cached (503 is in
/// [`GateRefusal`], which every data route lists too).
#[derive(IntoResponses)]
pub enum UpstreamFailure {
    #[response(
        status = 502,
        description = "Upstream error and nothing cached",
        content_type = "application/problem+json"
    )]
    BadGateway(Problem),
    #[response(
        status = 504,
        description = "Upstream timeout (or the request deadline passed) and nothing cached",
        content_type = "application/problem+json"
    )]
    Timeout(Problem),
}

/// What the admin guard answers instead of an admin route.
#[derive(IntoResponses)]
pub enum AdminRefusal {
    #[response(
        status = 401,
        description = "The admin token is missing or wrong",
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"sportsgate\"`"))
    )]
    Unauthorized(Problem),
    #[response(
        status = 404,
        description = "The admin API is off (no SPORTSGATE_ADMIN_TOKEN set)",
        content_type = "application/problem+json"
    )]
    Off(Problem),
}

/// A store the route needs does not answer.
#[derive(IntoResponses)]
pub enum StoreFailure {
    #[response(
        status = 503,
        description = "The key and usage store is unavailable right now",
        content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "Seconds to wait"))
    )]
    Unavailable(Problem),
}

/// How a JSON request body can be refused before it is read (the 400s are per route).
#[derive(IntoResponses)]
pub enum BodyRejection {
    #[response(
        status = 413,
        description = "Body larger than 16 KiB",
        content_type = "application/problem+json"
    )]
    TooLarge(Problem),
    #[response(
        status = 415,
        description = "Content-Type is not application/json",
        content_type = "application/problem+json"
    )]
    UnsupportedMediaType(Problem),
}
