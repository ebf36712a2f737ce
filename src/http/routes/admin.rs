//! `/admin/v1/*`: key management, usage, cache purge. Behind the admin token
//! (`http/middleware/admin.rs`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use secrecy::ExposeSecret;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::cache::SportsCache;
use crate::domain::api_key::KeyView;
use crate::http::extract::{NoParams, ValidJson, ValidQuery};
use crate::http::problem::{ApiError, Problem};
use crate::http::routes::me::PlanView;
use crate::management::Management;
use crate::management::keys::NewKey;
use crate::store::{KeyPatch, UsageFilter, UsageRow};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    pub name: String,
    /// Plan name; default `free`.
    pub plan: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedKey {
    pub key: KeyView,
    /// The secret token, shown this once: only its hash is stored.
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchKeyRequest {
    pub name: Option<String>,
    pub plan: Option<String>,
    /// A time sets the expiry; `null` removes it; absent leaves it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

/// Tells an explicit `null` (Some(None)) from an absent field (None).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeysResponse {
    pub keys: Vec<KeyView>,
}

/// List keys (never their secrets).
#[utoipa::path(get, path = "/admin/v1/keys", tag = "admin", security(("admin_token" = [])),
    responses((status = 200, body = KeysResponse), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list_keys(
    State(management): State<Arc<Management>>,
    ValidQuery(_none): ValidQuery<NoParams>,
) -> Result<Json<KeysResponse>, ApiError> {
    let keys = management.keys.list().await?;
    Ok(Json(KeysResponse {
        keys: keys.iter().map(KeyView::from).collect(),
    }))
}

/// Create a key; the response holds its token, shown once.
#[utoipa::path(post, path = "/admin/v1/keys", tag = "admin", security(("admin_token" = [])), request_body = CreateKeyRequest,
    responses(
        (status = 201, body = CreatedKey),
        (status = 400, description = "Bad name, unknown plan, past expiry, malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_key(
    State(management): State<Arc<Management>>,
    ValidQuery(_none): ValidQuery<NoParams>,
    ValidJson(body): ValidJson<CreateKeyRequest>,
) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
    let new = NewKey {
        name: body.name,
        plan: body.plan.unwrap_or_else(|| "free".into()),
        expires_at: body.expires_at,
    };
    let issued = management.keys.issue(new).await?;
    let created = CreatedKey {
        key: KeyView::from(&issued.record),
        token: issued.token.expose_secret().to_owned(),
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// Change a key's name, plan or expiry (effective within a second).
#[utoipa::path(patch, path = "/admin/v1/keys/{id}", tag = "admin", security(("admin_token" = [])), request_body = PatchKeyRequest,
    params(("id" = String, Path, description = "Key id")),
    responses(
        (status = 200, body = KeyView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn patch_key(
    State(management): State<Arc<Management>>,
    Path(id): Path<String>,
    ValidQuery(_none): ValidQuery<NoParams>,
    ValidJson(body): ValidJson<PatchKeyRequest>,
) -> Result<Json<KeyView>, ApiError> {
    if body.expires_at.flatten().is_some_and(|e| e <= Utc::now()) {
        return Err(ApiError::invalid("expires_at", "must be in the future"));
    }
    let patch = KeyPatch {
        name: body.name,
        plan: body.plan,
        expires_at: body.expires_at,
    };
    let record = management.keys.patch(&id, patch).await?;
    Ok(Json(KeyView::from(&record)))
}

/// Revoke a key (effective at once on this replica, within a second on others).
#[utoipa::path(delete, path = "/admin/v1/keys/{id}", tag = "admin", security(("admin_token" = [])),
    params(("id" = String, Path, description = "Key id")),
    responses((status = 204, description = "Revoked"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke_key(
    State(management): State<Arc<Management>>,
    Path(id): Path<String>,
    ValidQuery(_none): ValidQuery<NoParams>,
) -> Result<StatusCode, ApiError> {
    management.keys.revoke(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UsageParams {
    /// A key id, or a subject (`key:<id>`, `ip:<address>`).
    pub key: Option<String>,
    /// First day (UTC), `YYYY-MM-DD`.
    pub from: Option<NaiveDate>,
    /// Last day (UTC), inclusive.
    pub to: Option<NaiveDate>,
    /// At most this many rows (default 1000, at most 10000).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageResponse {
    pub rows: Vec<UsageRow>,
}

/// Usage per subject, day and route, newest day first.
#[utoipa::path(get, path = "/admin/v1/usage", tag = "admin", security(("admin_token" = [])), params(UsageParams),
    responses((status = 200, body = UsageResponse), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn get_usage(
    State(management): State<Arc<Management>>,
    ValidQuery(params): ValidQuery<UsageParams>,
) -> Result<Json<UsageResponse>, ApiError> {
    let limit = params.limit.unwrap_or(1000);
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::invalid("limit", "limit must be 1 to 10000"));
    }
    if let (Some(from), Some(to)) = (params.from, params.to)
        && from > to
    {
        return Err(ApiError::invalid("from", "from must not be after to"));
    }
    // Key ids, like every id, in any case; an `ip:` subject is an address, kept as given.
    let subject = params.key.map(|k| match k.split_once(':') {
        Some((kind, rest)) if kind.eq_ignore_ascii_case("key") => format!("key:{}", rest.to_ascii_lowercase()),
        Some((kind, rest)) => format!("{}:{rest}", kind.to_ascii_lowercase()),
        None => format!("key:{}", k.to_ascii_lowercase()),
    });
    let rows = management
        .usage
        .rows(&UsageFilter {
            subject,
            from: params.from,
            to: params.to,
            limit,
        })
        .await?;
    Ok(Json(UsageResponse { rows }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlansResponse {
    pub plans: Vec<PlanView>,
    /// The plan of callers without a key (per client IP); null when a key is required.
    pub anonymous_plan: Option<String>,
}

/// The usage plans in force (built-ins and the config file's).
#[utoipa::path(get, path = "/admin/v1/plans", tag = "admin", security(("admin_token" = [])),
    responses((status = 200, body = PlansResponse), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list_plans(State(management): State<Arc<Management>>) -> Json<PlansResponse> {
    Json(PlansResponse {
        plans: management.plans.iter().map(|p| PlanView::from(p.as_ref())).collect(),
        anonymous_plan: management.anonymous_plan().map(|p| p.name.clone()),
    })
}

/// Purge the response cache: the next request of every kind goes upstream.
#[utoipa::path(delete, path = "/admin/v1/cache", tag = "admin", security(("admin_token" = [])),
    responses((status = 204, description = "Purged")))]
pub async fn purge_cache(State(cache): State<SportsCache>, ValidQuery(_none): ValidQuery<NoParams>) -> StatusCode {
    cache.purge().await;
    StatusCode::NO_CONTENT
}
