//! `GET /sports`: the original Flask app's route, kept compatible. It served the NFL
//! schedule from SerpApi as `{"message", "games": [{away_team, home_team, venue, date, time}]}`
//! with `away_team` the first listed team, `home_team` the second, and times in US Eastern
//! with an `" ET"` suffix.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use chrono_tz::America::New_York;
use serde::Serialize;
use utoipa::ToSchema;

use super::{find_league, serve_view};
use crate::cache::{Entry, SportsCache, View};
use crate::domain::{Catalogue, Game};
use crate::http::extract::{NoParams, ValidQuery};
use crate::http::openapi::responses::{GateRefusal, UpstreamFailure};
use crate::http::problem::ApiError;
use crate::providers::{DataKind, Dataset, UpstreamQuery};

const FOUND: &str = "NFL schedule fetched successfully.";
const EMPTY: &str = "No NFL schedule available.";

#[derive(Debug, Serialize, ToSchema)]
pub struct LegacyGame {
    pub away_team: String,
    pub home_team: String,
    pub venue: String,
    /// "Sun, Nov 20"
    pub date: String,
    /// "1:00 PM ET"
    pub time: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegacyResponse {
    #[schema(example = "NFL schedule fetched successfully.")]
    pub message: &'static str,
    pub games: Vec<LegacyGame>,
}

impl From<&Game> for LegacyGame {
    fn from(g: &Game) -> Self {
        // A known instant is rendered in Eastern time, as the original did; otherwise the
        // upstream's own texts are passed through.
        let eastern = g.starts_at.map(|t| t.with_timezone(&New_York));
        let date = eastern
            .map(|t| t.format("%a, %b %-d").to_string())
            .or_else(|| g.date_text.clone())
            .unwrap_or_else(|| "TBD".into());
        let time = match (eastern, &g.time_text) {
            (Some(t), _) => format!("{} ET", t.format("%-I:%M %p")),
            (None, Some(text)) => format!("{text} ET"),
            (None, None) => "TBD".into(),
        };
        Self {
            away_team: g.away.name.clone(),
            home_team: g.home.name.clone(),
            venue: g.venue.clone().unwrap_or_else(|| "Unknown".into()),
            date,
            time,
        }
    }
}

fn render(entry: &Entry) -> Bytes {
    let games: Vec<LegacyGame> = match &entry.fetched.dataset {
        Dataset::Games(games) => games.iter().map(LegacyGame::from).collect(),
        _ => Vec::new(),
    };
    let message = if games.is_empty() { EMPTY } else { FOUND };
    serde_json::to_vec(&LegacyResponse { message, games })
        .expect("legacy serialize")
        .into()
}

/// The NFL schedule in the original `/sports` format.
#[utoipa::path(get, path = "/sports", tag = "legacy", security((), ("api_key" = []), ("bearer_key" = [])),
    responses(
        (status = 200, description = "NFL schedule (original format)", body = LegacyResponse),
        (status = 304, description = "Not modified"),
        GateRefusal,
        UpstreamFailure,
    ))]
pub async fn get_sports(
    State(catalogue): State<Arc<Catalogue>>,
    State(cache): State<Arc<SportsCache>>,
    ValidQuery(_none): ValidQuery<NoParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let league = find_league(&catalogue, "nfl")?;
    let query = UpstreamQuery {
        kind: DataKind::Games,
        league,
        date: None,
    };
    serve_view(&cache, query, View::Legacy, &headers, render).await
}
