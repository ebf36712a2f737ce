//! `/v1/me`: the caller's own key, plan, limits and usage; saved preferences; recent queries.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::cache::SportsCache;
use crate::domain::Catalogue;
use crate::domain::api_key::KeyView;
use crate::domain::plan::{Plan, QuotaWindow};
use crate::domain::preferences::Preferences;
use crate::http::extract::{NoParams, ValidJson, ValidQuery};
use crate::http::openapi::responses::{BodyRejection, GateRefusal, UpstreamFailure};
use crate::http::problem::{ApiError, Problem};
use crate::management::{Caller, Management};
use crate::store::{HistoryEntry, UsageFilter};

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub name: String,
    /// `N/second|minute|hour`, or null when unmetered.
    pub rate: Option<String>,
    pub burst: u32,
    /// `N/day|month`, or null.
    pub quota: Option<String>,
}

impl From<&Plan> for PlanView {
    fn from(plan: &Plan) -> Self {
        Self {
            name: plan.name.clone(),
            rate: plan.rate.map(|r| r.to_string()),
            burst: plan.burst,
            quota: plan.quota.map(|q| q.to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuotaView {
    pub window: QuotaWindow,
    pub limit: u64,
    pub used: u64,
    pub remaining: u64,
    #[serde(serialize_with = "crate::domain::time::serialize")]
    pub resets_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RouteUsage {
    pub route: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    /// `key:<id>`, or `ip:<address>` for callers without a key.
    pub subject: String,
    /// The caller's key; null for anonymous callers.
    pub key: Option<KeyView>,
    pub plan: PlanView,
    /// The quota window in force (this request included); null if the plan has no quota.
    pub quota: Option<QuotaView>,
    /// Requests today (UTC) per route, this one included.
    pub today: Vec<RouteUsage>,
}

pub(super) fn require_key(caller: &Caller) -> Result<&str, ApiError> {
    caller.key.as_ref().map(|k| k.id.as_str()).ok_or(ApiError::Unauthorized(
        "This route needs an API key: send it in x-api-key or Authorization: Bearer.",
    ))
}

/// The caller's key, plan, quota and usage today.
#[utoipa::path(get, path = "/v1/me", tag = "me", security((), ("api_key" = []), ("bearer_key" = [])),
    responses((status = 200, body = MeResponse), GateRefusal))]
pub async fn get_me(
    State(management): State<Arc<Management>>,
    Extension(caller): Extension<Caller>,
    ValidQuery(_none): ValidQuery<NoParams>,
) -> Result<Json<MeResponse>, ApiError> {
    let now = Utc::now();
    let quota = match caller.plan.quota {
        Some(q) => {
            let state = management.quota(&caller, q, now).await;
            Some(QuotaView {
                window: q.window,
                limit: state.limit,
                used: state.used,
                remaining: state.remaining(),
                resets_at: state.window.resets_at(),
            })
        }
        None => None,
    };
    let today = now.date_naive();
    let filter = UsageFilter {
        subject: Some(caller.subject.to_string()),
        from: Some(today),
        to: Some(today),
        limit: 1000,
    };
    let mut routes: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for row in management.usage.rows(&filter).await? {
        *routes.entry(row.key.route).or_default() += row.count;
    }
    Ok(Json(MeResponse {
        subject: caller.subject.to_string(),
        key: caller.key.as_deref().map(KeyView::from),
        plan: PlanView::from(caller.plan.as_ref()),
        quota,
        today: routes
            .into_iter()
            .map(|(route, count)| RouteUsage { route, count })
            .collect(),
    }))
}

/// The caller's saved favourites (empty until saved).
#[utoipa::path(get, path = "/v1/me/preferences", tag = "me", security(("api_key" = []), ("bearer_key" = [])),
    responses((status = 200, body = Preferences), GateRefusal))]
pub async fn get_preferences(
    State(management): State<Arc<Management>>,
    Extension(caller): Extension<Caller>,
    ValidQuery(_none): ValidQuery<NoParams>,
) -> Result<Json<Preferences>, ApiError> {
    let id = require_key(&caller)?;
    Ok(Json(management.store.get_preferences(id).await?.unwrap_or_default()))
}

/// Replaces the caller's favourites. Leagues must exist in the catalogue; each team must name
/// one team of its league and is saved under that team's full name (`KC` → "Kansas City
/// Chiefs").
#[utoipa::path(put, path = "/v1/me/preferences", tag = "me", security(("api_key" = []), ("bearer_key" = [])), request_body = Preferences,
    responses(
        (status = 200, body = Preferences),
        (status = 400, description = "Malformed JSON, unknown field, wrong type, unknown league, or a team that names no team (or several) of its league", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not available: no configured provider (or replay recording) serves the data a favourite team's league needs (its team list)", body = Problem, content_type = "application/problem+json"),
        GateRefusal,
        BodyRejection,
        UpstreamFailure,
    ))]
pub async fn put_preferences(
    State(management): State<Arc<Management>>,
    State(catalogue): State<Arc<Catalogue>>,
    State(cache): State<Arc<SportsCache>>,
    Extension(caller): Extension<Caller>,
    ValidQuery(_none): ValidQuery<NoParams>,
    ValidJson(prefs): ValidJson<Preferences>,
) -> Result<Json<Preferences>, ApiError> {
    let id = require_key(&caller)?;
    let prefs = prefs
        .canonical(&catalogue)
        .map_err(|(field, detail)| ApiError::invalid(field, detail))?;
    let prefs = super::favourites::resolve_teams(&catalogue, &cache, prefs).await?;
    management.store.put_preferences(id, &prefs).await?;
    Ok(Json(prefs))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// How many entries, newest first (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryResponse {
    pub entries: Vec<HistoryEntry>,
}

/// The caller's recent queries, newest first (kept for a bounded time and count).
#[utoipa::path(get, path = "/v1/me/history", tag = "me", security(("api_key" = []), ("bearer_key" = [])), params(HistoryParams),
    responses(
        (status = 200, body = HistoryResponse),
        (status = 400, description = "Bad or unknown query parameter", body = Problem, content_type = "application/problem+json"),
        GateRefusal,
    ))]
pub async fn get_history(
    State(management): State<Arc<Management>>,
    Extension(caller): Extension<Caller>,
    ValidQuery(params): ValidQuery<HistoryParams>,
) -> Result<Json<HistoryResponse>, ApiError> {
    let id = require_key(&caller)?;
    let limit = params.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid("limit", "limit must be 1 to 100"));
    }
    Ok(Json(HistoryResponse {
        entries: management.usage.history(id, limit).await?,
    }))
}
