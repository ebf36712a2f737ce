//! `/admin/v1/*`: key management, usage, cache purge. Behind the admin token
//! (`http/middleware/admin.rs`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::cache::SportsCache;
use crate::domain::api_key::KeyView;
use crate::domain::calendar;
use crate::domain::subject;
use crate::http::extract::{NoParams, ValidJson, ValidPath, ValidQuery};
use crate::http::openapi::responses::{AdminRefusal, BodyRejection, StoreFailure};
use crate::http::openapi::schemas;
use crate::http::problem::{ApiError, Problem};
use crate::http::routes::me::PlanView;
use crate::management::Management;
use crate::management::keys::NewKey;
use crate::store::{KeyPatch, UsageFilter, UsageRow};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    #[schema(schema_with = schemas::label)]
    pub name: String,
    /// Plan name; default `free`.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = String)]
    pub plan: Option<String>,
    /// When the key stops working (RFC 3339, in the future); null or absent: never.
    #[serde(default, deserialize_with = "instant")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedKey {
    pub key: KeyView,
    /// The secret token, shown this once: only its hash is stored.
    pub token: String,
}

/// Absent fields are left as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchKeyRequest {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(schema_with = schemas::label)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = String)]
    pub plan: Option<String>,
    /// A time (RFC 3339, in the future) sets the expiry; `null` removes it.
    #[serde(default, deserialize_with = "present_instant")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

/// A field that may be absent (None) but not null.
fn not_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// An RFC 3339 instant, parsed as strictly as the document states it; null is None.
fn instant<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| {
            calendar::parse_instant(&s)
                .ok_or_else(|| serde::de::Error::custom("expires_at must be an RFC 3339 date-time"))
        })
        .transpose()
}

/// Tells an explicit `null` (Some(None)) from an absent field (None).
fn present_instant<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<DateTime<Utc>>>, D::Error> {
    instant(d).map(Some)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeysResponse {
    pub keys: Vec<KeyView>,
}

/// List keys (never their secrets).
#[utoipa::path(get, path = "/admin/v1/keys", tag = "admin", security(("admin_token" = [])),
    responses((status = 200, body = KeysResponse), AdminRefusal, StoreFailure))]
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
        (status = 400, description = "Malformed JSON, unknown field, wrong type, bad name, unknown plan or past expiry", body = Problem, content_type = "application/problem+json"),
        AdminRefusal,
        BodyRejection,
        StoreFailure,
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

/// Change a key's name, plan or expiry (effective within a second); a revoked key stays as
/// it is.
#[utoipa::path(patch, path = "/admin/v1/keys/{id}", tag = "admin", security(("admin_token" = [])), request_body = PatchKeyRequest,
    params(("id" = String, Path, description = "Key id: 12 lower-case letters or digits", pattern = "^[a-z0-9]{12}$", example = "k3y1d0000000")),
    responses(
        (status = 200, body = KeyView),
        (status = 400, description = "Malformed JSON, unknown field, wrong type, bad name, unknown plan or past expiry", body = Problem, content_type = "application/problem+json"),
        AdminRefusal,
        (status = 404, description = "No such key (or the admin API is off)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The key is revoked (revocation is final)", body = Problem, content_type = "application/problem+json"),
        BodyRejection,
        StoreFailure,
    ))]
pub async fn patch_key(
    State(management): State<Arc<Management>>,
    ValidPath(id): ValidPath<String>,
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
    params(("id" = String, Path, description = "Key id: 12 lower-case letters or digits", pattern = "^[a-z0-9]{12}$", example = "k3y1d0000000")),
    responses(
        (status = 204, description = "Revoked"),
        AdminRefusal,
        (status = 404, description = "No such key (or the admin API is off)", body = Problem, content_type = "application/problem+json"),
        StoreFailure,
    ))]
pub async fn revoke_key(
    State(management): State<Arc<Management>>,
    ValidPath(id): ValidPath<String>,
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
    #[param(schema_with = schemas::date)]
    pub from: Option<String>,
    /// Last day (UTC), inclusive; a `to` before `from` selects nothing.
    #[param(schema_with = schemas::date)]
    pub to: Option<String>,
    /// At most this many rows (default 1000).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageResponse {
    pub rows: Vec<UsageRow>,
}

/// Usage per subject, day and route, newest day first.
#[utoipa::path(get, path = "/admin/v1/usage", tag = "admin", security(("admin_token" = [])), params(UsageParams),
    responses(
        (status = 200, body = UsageResponse),
        (status = 400, description = "Bad or unknown query parameter", body = Problem, content_type = "application/problem+json"),
        AdminRefusal,
        StoreFailure,
    ))]
pub async fn get_usage(
    State(management): State<Arc<Management>>,
    ValidQuery(params): ValidQuery<UsageParams>,
) -> Result<Json<UsageResponse>, ApiError> {
    let limit = params.limit.unwrap_or(1000);
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::invalid("limit", "limit must be 1 to 10000"));
    }
    let day = |name: &str, value: Option<String>| {
        value
            .map(|v| {
                calendar::parse_date(&v).ok_or_else(|| ApiError::invalid(name, format!("{name} must be YYYY-MM-DD")))
            })
            .transpose()
    };
    let (from, to) = (day("from", params.from)?, day("to", params.to)?);
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Ok(Json(UsageResponse { rows: Vec::new() }));
    }
    // Key ids, like every id, in any case; an `ip:` subject is an address, kept as given.
    let subject = params.key.map(|k| match k.split_once(':') {
        Some((kind, rest)) if kind.eq_ignore_ascii_case("key") => subject::of_key(&rest.to_ascii_lowercase()),
        Some((kind, rest)) => format!("{}:{rest}", kind.to_ascii_lowercase()),
        None => subject::of_key(&k.to_ascii_lowercase()),
    });
    let rows = management
        .usage
        .rows(&UsageFilter {
            subject,
            from,
            to,
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
    responses((status = 204, description = "Purged"), AdminRefusal))]
pub async fn purge_cache(State(cache): State<Arc<SportsCache>>, ValidQuery(_none): ValidQuery<NoParams>) -> StatusCode {
    cache.purge().await;
    StatusCode::NO_CONTENT
}
