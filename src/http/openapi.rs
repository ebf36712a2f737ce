//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::OpenApi;

use super::routes::{games, health, leagues, legacy, standings, teams};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "sportsgate",
        description = "Normalized schedules, live scores, standings and teams for many leagues, cached in front of SerpApi and ESPN. Errors are RFC 9457 problem+json.",
        license(name = "MIT")
    ),
    paths(
        legacy::get_sports,
        leagues::list_leagues,
        games::list_games,
        standings::get_standings,
        teams::list_teams,
        health::healthz,
        health::readyz,
        health::metrics,
    ),
    tags(
        (name = "games", description = "Schedules and live scores"),
        (name = "standings", description = "League tables"),
        (name = "teams", description = "Teams of a league"),
        (name = "leagues", description = "The league catalogue"),
        (name = "legacy", description = "The original Flask app's route"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;
