//! The HTTP edge: router, handlers, the single error type, and cache-aware responses.

pub mod cached;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod problem;
pub mod router;
pub mod routes;
pub mod state;
