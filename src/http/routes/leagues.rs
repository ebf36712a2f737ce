//! `GET /v1/leagues`: the league catalogue.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::cache::SportsCache;
use crate::domain::{Catalogue, ProviderKind};
use crate::http::extract::{NoParams, ValidQuery};
use crate::http::openapi::responses::GateRefusal;
use crate::providers::Coverage;

#[derive(Debug, Serialize, ToSchema)]
pub struct LeagueSummary {
    pub id: String,
    pub name: String,
    pub sport: String,
    pub time_zone: String,
    /// Upstreams that know this league.
    pub providers: Vec<ProviderKind>,
    /// What each provider in force (primary first) serves for this league: kinds of data
    /// and which days `date=` can ask for. A kind no provider lists answers 404.
    pub serves: Vec<Coverage>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeaguesResponse {
    pub leagues: Vec<LeagueSummary>,
    /// The providers in force, primary first.
    pub active_providers: Vec<ProviderKind>,
}

/// List the leagues sportsgate serves.
#[utoipa::path(get, path = "/v1/leagues", tag = "leagues", security((), ("api_key" = []), ("bearer_key" = [])),
    responses((status = 200, description = "The league catalogue", body = LeaguesResponse), GateRefusal))]
pub async fn list_leagues(
    State(catalogue): State<Arc<Catalogue>>,
    State(cache): State<Arc<SportsCache>>,
    ValidQuery(_none): ValidQuery<NoParams>,
) -> Json<LeaguesResponse> {
    let leagues = catalogue
        .iter()
        .map(|l| LeagueSummary {
            id: l.id.to_string(),
            name: l.name.clone(),
            sport: l.sport.clone(),
            time_zone: l.time_zone.name().to_owned(),
            providers: l.providers(),
            serves: cache.chain().coverage(l),
        })
        .collect();
    Json(LeaguesResponse {
        leagues,
        active_providers: cache.chain().providers(),
    })
}
