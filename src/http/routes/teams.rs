//! `GET /v1/leagues/{league}/teams`: a league's teams.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use serde::Serialize;
use utoipa::ToSchema;

use super::serve_league;
use crate::cache::{Entry, SportsCache};
use crate::domain::{Catalogue, Source, Team};
use crate::http::extract::{NoParams, ValidPath, ValidQuery};
use crate::http::openapi::responses::{GateRefusal, UpstreamFailure};
use crate::http::problem::{ApiError, Problem};
use crate::providers::{DataKind, Dataset};

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamsResponse<'a> {
    pub league: &'a str,
    pub source: &'a Source,
    pub count: usize,
    pub teams: &'a [Team],
}

fn render(entry: &Entry) -> Bytes {
    let teams = match &entry.fetched.dataset {
        Dataset::Teams(t) => t.as_slice(),
        _ => &[],
    };
    let doc = TeamsResponse {
        league: entry.query.league.id.as_str(),
        source: &entry.fetched.source,
        count: teams.len(),
        teams,
    };
    serde_json::to_vec(&doc).expect("teams serialize").into()
}

/// A league's teams.
#[utoipa::path(get, path = "/v1/leagues/{league}/teams", tag = "teams", security((), ("api_key" = []), ("bearer_key" = [])),
    params(("league" = String, Path, description = "League id, see /v1/leagues", example = "nfl")),
    responses(
        (status = 200, description = "Teams", body = TeamsResponse),
        (status = 304, description = "Not modified"),
        (status = 404, description = "Unknown league, or no provider serves teams for it", body = Problem, content_type = "application/problem+json"),
        GateRefusal,
        UpstreamFailure,
    ))]
pub async fn list_teams(
    State(catalogue): State<Arc<Catalogue>>,
    State(cache): State<Arc<SportsCache>>,
    ValidPath(league): ValidPath<String>,
    ValidQuery(_none): ValidQuery<NoParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    serve_league(&catalogue, &cache, &league, DataKind::Teams, &headers, render).await
}
