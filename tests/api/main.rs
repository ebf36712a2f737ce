//! HTTP-level tests: the real app on a random port, providers pointed at local mock
//! upstreams serving recorded payloads.

mod helpers;

mod caching;
mod lifecycle;
mod openapi_snapshot;
mod resilience;
mod routes;
mod secrets;
mod smoke;
