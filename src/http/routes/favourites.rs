//! Preferences that do something: favourite teams are checked against the league's teams
//! (and saved under the team's full name), and `GET /v1/me/games` answers today's and the
//! coming days' games of the caller's favourite leagues and teams, each league in its own
//! local day.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{Days, NaiveDate, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::cache::SportsCache;
use crate::domain::preferences::{FavouriteTeam, Preferences};
use crate::domain::team_match::TeamQuery;
use crate::domain::time::local_day;
use crate::domain::{Catalogue, Game, League};
use crate::http::extract::ValidQuery;
use crate::http::openapi::responses::{GateRefusal, UpstreamFailure};
use crate::http::problem::{ApiError, Problem};
use crate::management::{Caller, Management};
use crate::providers::{DataKind, Dataset, ProviderError, UpstreamQuery};

/// Upstream lookups of one `/v1/me/games` request that run at once.
const PARALLEL_LOOKUPS: usize = 4;
/// How long one `/v1/me/games` waits for all its lookups; days not answered by then are
/// listed as unavailable (their upstream calls go on and fill the cache for next time).
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);
const MAX_DAYS: u32 = 7;
const DEFAULT_DAYS: u32 = 3;

/// A team as a favourite can name it.
struct KnownTeam {
    name: String,
    abbreviation: Option<String>,
    short_name: Option<String>,
}

/// The league's teams: its team list where a provider serves one, else the teams of its
/// current games. An upstream failure is passed on: a team is never saved unchecked.
async fn league_teams(cache: &SportsCache, league: &Arc<League>) -> Result<Vec<KnownTeam>, ProviderError> {
    let query = |kind| UpstreamQuery {
        kind,
        league: league.clone(),
        date: None,
    };
    let lookup = match cache.get(query(DataKind::Teams)).await {
        Err(ProviderError::Unsupported { .. } | ProviderError::NoRecording(_)) => {
            cache.get(query(DataKind::Games)).await?
        }
        other => other?,
    };
    Ok(match &lookup.entry.fetched.dataset {
        Dataset::Teams(teams) => teams
            .iter()
            .map(|t| KnownTeam {
                name: t.name.clone(),
                abbreviation: t.abbreviation.clone(),
                short_name: t.short_name.clone(),
            })
            .collect(),
        Dataset::Games(games) => {
            let mut by_name = BTreeMap::new();
            for side in games.iter().flat_map(|g| [&g.home, &g.away]) {
                by_name.entry(side.name.clone()).or_insert_with(|| KnownTeam {
                    name: side.name.clone(),
                    abbreviation: side.abbreviation.clone(),
                    short_name: None,
                });
            }
            by_name.into_values().collect()
        }
        Dataset::Standings(_) => Vec::new(),
    })
}

/// The one team of the league `typed` names, or a 400 saying why not.
fn resolve(league: &League, typed: &str, teams: &[KnownTeam], query: &TeamQuery) -> Result<String, ApiError> {
    let named = |t: &&KnownTeam| {
        query.matches(&t.name, t.abbreviation.as_deref())
            || t.short_name.as_deref().is_some_and(|s| query.matches(s, None))
    };
    let found: Vec<&KnownTeam> = teams.iter().filter(named).collect();
    let exact = found.iter().find(|t| t.name.eq_ignore_ascii_case(typed.trim()));
    let list = |teams: &mut dyn Iterator<Item = &KnownTeam>| {
        teams
            .take(12)
            .map(|t| match &t.abbreviation {
                Some(a) => format!("{} ({a})", t.name),
                None => t.name.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let typed_short: String = typed.chars().take(40).collect();
    match (found.as_slice(), exact) {
        ([one], _) => Ok(one.name.clone()),
        (_, Some(one)) => Ok(one.name.clone()),
        ([], _) => Err(ApiError::invalid(
            "favourite_teams",
            format!(
                "league {} has no team {typed_short:?}; its teams include: {}",
                league.id,
                list(&mut teams.iter())
            ),
        )),
        (many, _) => Err(ApiError::invalid(
            "favourite_teams",
            format!(
                "{typed_short:?} names {} teams of league {}: {}; say which",
                many.len(),
                league.id,
                list(&mut many.iter().copied())
            ),
        )),
    }
}

/// Checks every favourite team against its league's teams and returns the preferences with
/// each team under its full name (`KC` → "Kansas City Chiefs").
pub async fn resolve_teams(
    catalogue: &Catalogue,
    cache: &SportsCache,
    mut prefs: Preferences,
) -> Result<Preferences, ApiError> {
    let mut teams_of: BTreeMap<String, Vec<KnownTeam>> = BTreeMap::new();
    for favourite in &mut prefs.favourite_teams {
        let league = catalogue
            .get(&favourite.league)
            .cloned()
            .ok_or_else(|| ApiError::invalid("favourite_teams", "unknown league"))?;
        if !teams_of.contains_key(league.id.as_str()) {
            teams_of.insert(league.id.to_string(), league_teams(cache, &league).await?);
        }
        let query = catalogue.team_query(&league, &favourite.team);
        favourite.team = resolve(&league, &favourite.team, &teams_of[league.id.as_str()], &query)?;
    }
    let mut seen = std::collections::HashSet::new();
    prefs
        .favourite_teams
        .retain(|t| seen.insert((t.league.clone(), t.team.clone())));
    Ok(prefs)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MyGamesParams {
    /// How many days from the first one (default 3: today and the next two).
    #[param(minimum = 1, maximum = 7)]
    pub days: Option<u32>,
    /// First day, `YYYY-MM-DD`, read in each league's zone; default: today there.
    #[serde(default, deserialize_with = "crate::domain::calendar::date_opt")]
    #[param(schema_with = crate::http::openapi::schemas::date)]
    pub from: Option<NaiveDate>,
}

/// One league asked, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyLeague {
    #[schema(example = "nfl")]
    pub league: String,
    #[schema(example = "America/New_York")]
    pub time_zone: String,
    /// The league-local days asked.
    #[schema(value_type = Vec<String>)]
    pub dates: Vec<NaiveDate>,
    /// True for a favourite league: all its games are listed.
    pub all_games: bool,
    /// Favourite teams in it (when not all games are listed, only theirs are).
    pub teams: Vec<String>,
}

/// A day of a league that could not be looked up; the rest of the answer stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct Unavailable {
    pub league: String,
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub problem: Problem,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyGamesResponse {
    pub leagues: Vec<MyLeague>,
    pub count: usize,
    /// By kick-off (games without one last), each game once.
    pub games: Vec<Game>,
    /// Days that could not be looked up (upstream trouble); empty when all answered.
    pub unavailable: Vec<Unavailable>,
}

/// The caller's favourite leagues and teams, by league, validated against the catalogue.
fn plan_leagues(catalogue: &Catalogue, prefs: &Preferences) -> Vec<(Arc<League>, bool, Vec<String>)> {
    let mut by_league: BTreeMap<String, (Arc<League>, bool, Vec<String>)> = BTreeMap::new();
    for id in &prefs.favourite_leagues {
        if let Some(league) = catalogue.get(id) {
            by_league
                .entry(league.id.to_string())
                .or_insert_with(|| (league.clone(), false, Vec::new()))
                .1 = true;
        }
    }
    for FavouriteTeam { league, team } in &prefs.favourite_teams {
        if let Some(league) = catalogue.get(league) {
            by_league
                .entry(league.id.to_string())
                .or_insert_with(|| (league.clone(), false, Vec::new()))
                .2
                .push(team.clone());
        }
    }
    by_league.into_values().collect()
}

/// Today's and the coming days' games of the caller's favourite leagues and teams.
#[utoipa::path(get, path = "/v1/me/games", tag = "me", security(("api_key" = []), ("bearer_key" = [])), params(MyGamesParams),
    responses(
        (status = 200, description = "Games of the favourites, each league on its own local days", body = MyGamesResponse),
        (status = 400, description = "Bad or unknown parameter, or `date-unsupported`: no configured provider can look up a day", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not available: no configured provider (or replay recording) serves the data a league or day needs", body = Problem, content_type = "application/problem+json"),
        GateRefusal,
        UpstreamFailure,
    ))]
pub async fn get_my_games(
    State(management): State<Arc<Management>>,
    State(catalogue): State<Arc<Catalogue>>,
    State(cache): State<Arc<SportsCache>>,
    Extension(caller): Extension<Caller>,
    ValidQuery(params): ValidQuery<MyGamesParams>,
) -> Result<Response, ApiError> {
    let id = super::me::require_key(&caller)?;
    let days = params.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::invalid("days", format!("days must be 1 to {MAX_DAYS}")));
    }
    let prefs = management.store.get_preferences(id).await?.unwrap_or_default();
    let now = Utc::now();
    let mut leagues = Vec::new();
    let mut lookups = Vec::new();
    for (league, all_games, teams) in plan_leagues(&catalogue, &prefs) {
        let first = params.from.unwrap_or_else(|| local_day(now, league.time_zone));
        let dates: Vec<NaiveDate> = (0..days)
            .filter_map(|n| first.checked_add_days(Days::new(u64::from(n))))
            .collect();
        let queries: Vec<TeamQuery> = teams.iter().map(|t| catalogue.team_query(&league, t)).collect();
        for date in &dates {
            lookups.push((league.clone(), *date, all_games, queries.clone()));
        }
        leagues.push(MyLeague {
            league: league.id.to_string(),
            time_zone: league.time_zone.name().to_owned(),
            dates,
            all_games,
            teams,
        });
    }
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let answers: Vec<_> = futures::stream::iter(lookups)
        .map(|(league, date, all_games, teams)| {
            let cache = cache.clone();
            async move {
                let query = UpstreamQuery {
                    kind: DataKind::Games,
                    league: league.clone(),
                    date: Some(date),
                };
                let answer = tokio::time::timeout_at(deadline, cache.get(query))
                    .await
                    .unwrap_or(Err(ProviderError::Timeout));
                let result = answer.map(|lookup| match &lookup.entry.fetched.dataset {
                    Dataset::Games(games) => games
                        .iter()
                        .filter(|g| all_games || teams.iter().any(|t| g.involves(t)))
                        .cloned()
                        .collect::<Vec<Game>>(),
                    _ => Vec::new(),
                });
                (league, date, result)
            }
        })
        .buffered(PARALLEL_LOOKUPS)
        .collect()
        .await;
    let asked = answers.len();
    let mut games = Vec::new();
    let mut unavailable = Vec::new();
    let mut first_error = None;
    for (league, date, result) in answers {
        match result {
            Ok(found) => games.extend(found),
            Err(err) => {
                let (_, problem) = ApiError::Upstream(err.clone()).problem();
                unavailable.push(Unavailable {
                    league: league.id.to_string(),
                    date,
                    problem,
                });
                first_error.get_or_insert(err);
            }
        }
    }
    // Nothing could be looked up: that is a failure, not "no games".
    if let Some(err) = first_error
        && unavailable.len() == asked
    {
        return Err(ApiError::Upstream(err));
    }
    let mut seen = std::collections::HashSet::new();
    games.retain(|g| seen.insert((g.league.clone(), g.id.clone())));
    games.sort_by(|a, b| {
        (a.starts_at.is_none(), a.starts_at, a.league.as_str(), a.id.as_str()).cmp(&(
            b.starts_at.is_none(),
            b.starts_at,
            b.league.as_str(),
            b.id.as_str(),
        ))
    });
    let body = MyGamesResponse {
        leagues,
        count: games.len(),
        games,
        unavailable,
    };
    let mut response = Json(body).into_response();
    // One caller's answer: never for shared caches.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    Ok(response)
}
