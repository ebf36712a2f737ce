//! `GET /v1/leagues/{league}/games`: normalized games, filtered by date, team and status.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::find_league;
use crate::cache::{Entry, Rendered, SportsCache, View};
use crate::domain::team_match::TeamQuery;
use crate::domain::text;
use crate::domain::{Catalogue, Game, GameStatus, League, Source, calendar};
use crate::http::cached::respond;
use crate::http::extract::{ValidPath, ValidQuery};
use crate::http::openapi::responses::{GateRefusal, UpstreamFailure};
use crate::http::openapi::schemas;
use crate::http::problem::{ApiError, Problem};
use crate::providers::{DataKind, Dataset, UpstreamQuery};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GamesParams {
    /// Game day in the league's home time zone, `YYYY-MM-DD`, from 1900 to two years ahead
    /// (the document's `pattern` spells out the years in force). Looked up upstream for that
    /// day (ESPN); a 400 `date-unsupported` problem when no configured provider can.
    #[param(format = Date)]
    pub date: Option<String>,
    /// Team: exact abbreviation (`KC`), whole words or word starts of the name (`chiefs`,
    /// `kansas city`, `bay`), or a short form of the league's alias data (`NY`, `Man Utd`).
    #[param(schema_with = schemas::label)]
    pub team: Option<String>,
    /// Only games in this state (matched in any case).
    #[param(schema_with = schemas::status_filter)]
    pub status: Option<String>,
}

/// The years a `date=` may fall in, `today` being the server's UTC day: from the first
/// season any upstream covers to two years ahead (each date is its own upstream call, so
/// callers are kept to seasons that can exist).
pub fn filter_years(today: NaiveDate) -> std::ops::RangeInclusive<i32> {
    1900..=today.year() + 2
}

/// The validated filters.
#[derive(Debug, Default)]
pub struct GameFilter {
    pub date: Option<NaiveDate>,
    pub team: Option<TeamQuery>,
    pub status: Option<GameStatus>,
}

impl GameFilter {
    /// Validates the filters of a request for `league`.
    pub fn parse(params: GamesParams, catalogue: &Catalogue, league: &League) -> Result<Self, ApiError> {
        let date = params
            .date
            .map(|d| {
                let date = calendar::parse_date(&d).ok_or_else(|| {
                    ApiError::invalid("date", format!("date must be YYYY-MM-DD, got {:?}", truncate(&d)))
                })?;
                let years = filter_years(chrono::Utc::now().date_naive());
                if !years.contains(&date.year()) {
                    return Err(ApiError::invalid(
                        "date",
                        format!("date must be between {} and {}", years.start(), years.end()),
                    ));
                }
                Ok(date)
            })
            .transpose()?;
        let status = params
            .status
            .map(|s| {
                GameStatus::parse_filter(&s).ok_or_else(|| {
                    ApiError::invalid(
                        "status",
                        format!("status must be one of scheduled, live, final; got {:?}", truncate(&s)),
                    )
                })
            })
            .transpose()?;
        let team = params
            .team
            .map(|t| {
                text::label(&t)
                    .map(|t| catalogue.team_query(league, t))
                    .map_err(|rule| ApiError::invalid("team", format!("team {rule}")))
            })
            .transpose()?;
        Ok(Self { date, team, status })
    }

    fn is_empty(&self) -> bool {
        self.date.is_none() && self.team.is_none() && self.status.is_none()
    }

    fn keeps(&self, game: &Game) -> bool {
        self.date.is_none_or(|d| game.local_date == Some(d))
            && self.status.is_none_or(|s| game.status == s)
            && self.team.as_ref().is_none_or(|t| game.involves(t))
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GamesResponse<'a> {
    #[schema(example = "nfl")]
    pub league: &'a str,
    pub source: &'a Source,
    pub count: usize,
    pub games: Vec<&'a Game>,
}

fn render(entry: &Entry, filter: &GameFilter) -> Bytes {
    let games: Vec<&Game> = match &entry.fetched.dataset {
        Dataset::Games(games) => games.iter().filter(|g| filter.keeps(g)).collect(),
        _ => Vec::new(),
    };
    let doc = GamesResponse {
        league: entry.query.league.id.as_str(),
        source: &entry.fetched.source,
        count: games.len(),
        games,
    };
    serde_json::to_vec(&doc).expect("games serialize").into()
}

/// List a league's games.
#[utoipa::path(get, path = "/v1/leagues/{league}/games", tag = "games", security((), ("api_key" = []), ("bearer_key" = [])),
    params(("league" = String, Path, description = "League id, see /v1/leagues", example = "nfl"), GamesParams),
    responses(
        (status = 200, description = "Games", body = GamesResponse,
            headers(("ETag" = String), ("Cache-Control" = String), ("Age" = u64), ("Cache-Status" = String), ("X-Cache" = String))),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = "Bad or unknown query parameter, or `date-unsupported`: no configured provider can look up a day", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown league", body = Problem, content_type = "application/problem+json"),
        GateRefusal,
        UpstreamFailure,
    ))]
pub async fn list_games(
    State(catalogue): State<Arc<Catalogue>>,
    State(cache): State<Arc<SportsCache>>,
    ValidPath(league): ValidPath<String>,
    ValidQuery(params): ValidQuery<GamesParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let league = find_league(&catalogue, &league)?;
    let filter = GameFilter::parse(params, &catalogue, &league)?;
    let lookup = cache
        .get(UpstreamQuery {
            kind: DataKind::Games,
            league,
            date: filter.date,
        })
        .await?;
    let response = if filter.is_empty() {
        let rendered = lookup.entry.rendered(View::V1, |e| render(e, &filter));
        respond(&lookup, rendered, &headers, cache.settings())
    } else {
        respond(
            &lookup,
            &Rendered::new(render(&lookup.entry, &filter)),
            &headers,
            cache.settings(),
        )
    };
    Ok(response)
}
