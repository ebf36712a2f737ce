//! `GET /v1/leagues/{league}/standings`: league tables.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use serde::Serialize;
use utoipa::ToSchema;

use super::serve_league;
use crate::cache::{Entry, SportsCache};
use crate::domain::{Catalogue, Source, StandingGroup};
use crate::http::extract::{NoParams, ValidPath, ValidQuery};
use crate::http::openapi::responses::{GateRefusal, UpstreamFailure};
use crate::http::problem::{ApiError, Problem};
use crate::providers::{DataKind, Dataset};

#[derive(Debug, Serialize, ToSchema)]
pub struct StandingsResponse<'a> {
    pub league: &'a str,
    pub source: &'a Source,
    pub season: Option<&'a str>,
    pub groups: &'a [StandingGroup],
}

fn render(entry: &Entry) -> Bytes {
    let (season, groups) = match &entry.fetched.dataset {
        Dataset::Standings(s) => (s.season.as_deref(), s.groups.as_slice()),
        _ => (None, &[][..]),
    };
    let doc = StandingsResponse {
        league: entry.query.league.id.as_str(),
        source: &entry.fetched.source,
        season,
        groups,
    };
    serde_json::to_vec(&doc).expect("standings serialize").into()
}

/// A league's standings, as groups (conferences, divisions, or one table) of rows.
#[utoipa::path(get, path = "/v1/leagues/{league}/standings", tag = "standings", security((), ("api_key" = []), ("bearer_key" = [])),
    params(("league" = String, Path, description = "League id, see /v1/leagues", example = "epl")),
    responses(
        (status = 200, description = "Standings", body = StandingsResponse),
        (status = 304, description = "Not modified"),
        (status = 404, description = "Unknown league, or no provider serves standings for it", body = Problem, content_type = "application/problem+json"),
        GateRefusal,
        UpstreamFailure,
    ))]
pub async fn get_standings(
    State(catalogue): State<Arc<Catalogue>>,
    State(cache): State<Arc<SportsCache>>,
    ValidPath(league): ValidPath<String>,
    ValidQuery(_none): ValidQuery<NoParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    serve_league(&catalogue, &cache, &league, DataKind::Standings, &headers, render).await
}
