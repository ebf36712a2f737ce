//! `/admin/v1/stats`: what the admin dashboard charts. Requests per key and day come from
//! the usage store (every replica sharing it); 429s, cache lookups and upstream calls are
//! this replica's since it started; the SerpApi budget is the month's shared count.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::cache::SportsCache;
use crate::domain::ProviderKind;
use crate::http::extract::ValidQuery;
use crate::http::problem::{ApiError, Problem};
use crate::http::state::Started;
use crate::management::{Management, Rejection};
use crate::store::DailyUsage;

const DEFAULT_DAYS: u32 = 14;
const MAX_DAYS: u32 = 90;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// Days of daily usage, ending today (UTC): 1 to 90, default 14.
    #[param(minimum = 1, maximum = 90)]
    pub days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    /// First day (UTC) of `requests_per_day`.
    #[schema(value_type = String, example = "2026-11-10")]
    pub from: NaiveDate,
    /// Last day (UTC), today.
    #[schema(value_type = String, example = "2026-11-23")]
    pub to: NaiveDate,
    /// Requests per key and day (callers without a key summed as `anonymous`), oldest first.
    pub requests_per_day: Vec<DailyUsage>,
    /// When this replica started: the counts below are since then.
    pub since: DateTime<Utc>,
    /// 429 answers by plan.
    pub rejections: Vec<PlanRejections>,
    pub cache: CacheStats,
    pub upstream: UpstreamStats,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanRejections {
    pub plan: String,
    /// Over the plan's rate or burst.
    pub throttled: u64,
    /// Over the plan's daily or monthly quota.
    pub quota_exceeded: u64,
}

impl PlanRejections {
    fn none(plan: &str) -> Self {
        Self {
            plan: plan.to_owned(),
            throttled: 0,
            quota_exceeded: 0,
        }
    }
}

/// Lookups of the response cache by result.
#[derive(Debug, Serialize, ToSchema)]
pub struct CacheStats {
    /// Fresh from the cache.
    pub hit: u64,
    /// Stale, served while one background refresh ran.
    pub stale: u64,
    /// Fetched upstream.
    pub miss: u64,
    /// Waited for another request's upstream call.
    pub collapsed: u64,
    /// Stale, served because the upstream failed.
    pub stale_error: u64,
    /// Upstream failed and nothing was cached.
    pub error: u64,
    /// (hit + stale) / all lookups; `null` before the first lookup.
    pub hit_ratio: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpstreamStats {
    /// Fetches per provider, primary first.
    pub calls: Vec<ProviderCalls>,
    pub serpapi_budget: SerpapiBudget,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderCalls {
    pub provider: ProviderKind,
    pub ok: u64,
    pub error: u64,
    /// Not sent: the circuit was open or the budget spent.
    pub refused: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SerpapiBudget {
    /// SerpApi is the primary or the fallback provider.
    pub in_use: bool,
    /// `YYYY-MM` (UTC).
    pub month: String,
    /// Searches spent this month (every replica sharing the database).
    pub spent: u64,
    /// Searches allowed per month; `null` = no cap.
    pub limit: Option<u32>,
}

/// Usage and traffic figures for the admin dashboard.
#[utoipa::path(get, path = "/admin/v1/stats", tag = "admin", security(("admin_token" = [])), params(StatsParams),
    responses(
        (status = 200, body = Stats),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_stats(
    State(management): State<Arc<Management>>,
    State(cache): State<Arc<SportsCache>>,
    State(started): State<Started>,
    ValidQuery(params): ValidQuery<StatsParams>,
) -> Result<Json<Stats>, ApiError> {
    let days = params.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::invalid("days", "days must be 1 to 90"));
    }
    let now = Utc::now();
    let to = now.date_naive();
    let from = to - Days::new(u64::from(days - 1));
    let requests_per_day = management.usage.daily(from, to).await?;
    let chain = cache.chain();
    let month = now.format("%Y-%m").to_string();
    let in_use = chain.providers().contains(&ProviderKind::Serpapi);
    let spent = management
        .store
        .budget_spent(ProviderKind::Serpapi.as_str(), &month)
        .await?;
    let since = now - chrono::Duration::from_std(started.0.elapsed()).unwrap_or_default();
    Ok(Json(Stats {
        from,
        to,
        requests_per_day,
        since,
        rejections: rejections(&management),
        cache: cache_stats(&cache),
        upstream: UpstreamStats {
            calls: chain
                .providers()
                .into_iter()
                .map(|provider| {
                    let count = |outcome| chain.calls().get(&(provider, outcome));
                    ProviderCalls {
                        provider,
                        ok: count("ok"),
                        error: count("error"),
                        refused: count("refused"),
                    }
                })
                .collect(),
            serpapi_budget: SerpapiBudget {
                in_use,
                month,
                spent,
                limit: chain.serpapi_budget(),
            },
        },
    }))
}

/// Every plan in force, with zeros where nothing was refused.
fn rejections(management: &Management) -> Vec<PlanRejections> {
    let mut by_plan: BTreeMap<String, PlanRejections> = management
        .plans
        .iter()
        .map(|p| (p.name.clone(), PlanRejections::none(&p.name)))
        .collect();
    for ((plan, why), count) in management.rejections.snapshot() {
        let row = by_plan
            .entry(plan)
            .or_insert_with_key(|plan| PlanRejections::none(plan));
        match why {
            Rejection::Throttled => row.throttled += count,
            Rejection::QuotaExceeded => row.quota_exceeded += count,
        }
    }
    by_plan.into_values().collect()
}

fn cache_stats(cache: &SportsCache) -> CacheStats {
    let count = |result| cache.lookups().get(&result);
    let (hit, stale) = (count("hit"), count("stale"));
    let all: u64 = cache.lookups().snapshot().iter().map(|(_, n)| n).sum();
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let hit_ratio = (all > 0).then(|| (hit + stale) as f64 / all as f64);
    CacheStats {
        hit,
        stale,
        miss: count("miss"),
        collapsed: count("collapsed"),
        stale_error: count("stale_error"),
        error: count("error"),
        hit_ratio,
    }
}
