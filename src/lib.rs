//! sportsgate: a self-hosted sports-data API with the API-management layer built in.
//!
//! A request goes `http::router` → a handler in `http::routes` → `cache` (where caching is
//! decided) → `providers::chain` (which upstream answers) → a provider and its normalizers
//! → `domain` types, rendered once per refresh and served from the cache.

pub mod app;
pub mod cache;
pub mod cli;
pub mod config;
pub mod domain;
pub mod http;
pub mod management;
pub mod providers;
pub mod ratelimit;
pub mod shared;
pub mod store;
pub mod telemetry;
