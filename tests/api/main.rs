//! HTTP-level tests: the real app on a random port, providers pointed at local mock
//! upstreams serving recorded payloads.

mod helpers;
#[path = "../support/pg.rs"]
mod pg;

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
mod resilience;
mod routes;
mod secrets;
mod smoke;
mod team_filter;
