//! The OpenAPI 3.1 document, generated from the handlers' annotations; `live.rs` adds what
//! only the running configuration knows.

pub mod edge;
pub mod live;
pub mod responses;
pub mod schemas;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::routes::{admin, docs, favourites, games, health, leagues, legacy, me, pages, standings, stats, teams};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "sportsgate",
        description = "Normalized schedules, live scores, standings and teams for many leagues, cached in front of SerpApi and ESPN, with API keys, usage plans (rate, burst, quota) and usage accounting built in. Send a key in `x-api-key` or `Authorization: Bearer`; without one the anonymous plan applies per client IP, and a key that is sent but invalid, revoked or expired is refused (401), never served as anonymous. Every limited response carries `RateLimit-Policy`, `RateLimit` and `X-RateLimit-*`; a 429 carries `Retry-After` and a problem `type` of `/problems/rate-limited` (slow down) or `/problems/quota-exceeded` (wait for the reset). Errors are RFC 9457 problem+json.",
        license(name = "MIT")
    ),
    paths(
        legacy::get_sports,
        leagues::list_leagues,
        games::list_games,
        standings::get_standings,
        teams::list_teams,
        me::get_me,
        me::get_preferences,
        me::put_preferences,
        me::get_history,
        favourites::get_my_games,
        admin::list_keys,
        admin::create_key,
        admin::patch_key,
        admin::revoke_key,
        admin::get_usage,
        admin::list_plans,
        stats::get_stats,
        admin::purge_cache,
        health::healthz,
        health::readyz,
        health::metrics,
        pages::scoreboard,
        pages::admin_dashboard,
        docs::openapi_json,
        docs::docs_index,
        docs::docs_asset,
    ),
    modifiers(&Security),
    tags(
        (name = "games", description = "Schedules and live scores"),
        (name = "standings", description = "League tables"),
        (name = "teams", description = "Teams of a league"),
        (name = "leagues", description = "The league catalogue"),
        (name = "legacy", description = "The original Flask app's route"),
        (name = "me", description = "The caller's key, limits, usage, preferences and history"),
        (name = "admin", description = "Key management, usage and cache (admin token; off unless SPORTSGATE_ADMIN_TOKEN is set)"),
        (name = "operations", description = "Health and metrics"),
        (name = "pages", description = "Web pages: the scoreboard and the admin dashboard"),
        (name = "docs", description = "This document and the interactive docs"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("x-api-key"))),
        );
        let bearer = |what: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(format!("{what} as a bearer token")))
                    .build(),
            )
        };
        components.add_security_scheme("bearer_key", bearer("An API key"));
        components.add_security_scheme("metrics_token", bearer("SPORTSGATE_METRICS_TOKEN (only when set)"));
        components.add_security_scheme("admin_token", bearer("SPORTSGATE_ADMIN_TOKEN"));
    }
}
