//! HTTP-level tests: the real app on a random port, providers pointed at local mock
//! upstreams serving recorded payloads.

mod helpers;
#[path = "../support/pg.rs"]
mod pg;
#[path = "../support/proxy.rs"]
mod proxy;
#[path = "../support/redis.rs"]
mod redis_support;

mod admin_stats;
mod caching;
mod consistency;
mod dates;
mod deploy_contract;
mod hardening;
mod lifecycle;
mod management;
mod management_pg;
mod my_games;
mod openapi_snapshot;
mod pages;
mod replicas;
mod resilience;
mod routes;
mod secrets;
mod shared_redis;
mod smoke;
mod team_filter;
