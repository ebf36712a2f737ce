//! The API-management gates: in front of the data routes, identify the caller, apply the
//! plan's rate and quota, tell the caller its limits in headers and account the request; in
//! front of the account routes, identify the caller only (they never count against the plan).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::Method;
use axum::http::uri::PathAndQuery;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::route_label::route_label;
use crate::http::problem::ApiError;
use crate::management::{Caller, Management, Rejection};
use crate::ratelimit::{Admission, headers};

pub async fn gate(
    State(management): State<Arc<Management>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let now = Utc::now();
    let caller = match management.identify(request.headers(), peer.ip()).await {
        Ok(caller) => caller,
        Err(err) => return ApiError::from(err).into_response(),
    };
    let (mut response, state) = match management.admit(&caller, now).await {
        Admission::Admitted(state) => {
            // No copies: the route label is interned, a method and a path share their bytes.
            let route = route_label(request.extensions().get::<MatchedPath>());
            let method = request.method().clone();
            let line = request.uri().path_and_query().cloned();
            request.extensions_mut().insert(caller.clone());
            // Accounted on drop, so a request whose client goes away (or whose handler panics)
            // is still recorded against the quota unit it reserved.
            let mut accounted = Accounted {
                management: management.clone(),
                caller: caller.clone(),
                route,
                method,
                line,
                now,
                status: 499,
            };
            let response = next.run(request).await;
            accounted.status = response.status().as_u16();
            drop(accounted);
            (response, state)
        }
        Admission::Throttled(state, retry_after) => {
            management.count_rejection(&caller.plan, Rejection::Throttled);
            let rate = caller.plan.rate.map_or_else(String::new, |r| r.to_string());
            let detail = format!(
                "Plan {} allows {rate} with bursts of {}; retry in {} s.",
                caller.plan.name,
                caller.plan.burst,
                retry_after.as_secs().max(1)
            );
            let error = ApiError::RateLimited {
                plan: caller.plan.name.clone(),
                retry_after,
                detail,
            };
            (error.into_response(), state)
        }
        Admission::QuotaExceeded(state, quota) => {
            management.count_rejection(&caller.plan, Rejection::QuotaExceeded);
            let resets_at = quota.window.resets_at();
            let retry_after = (resets_at - now).to_std().unwrap_or_default();
            let detail = format!(
                "Plan {} allows {} requests a {}; all are used. The quota resets at {}.",
                caller.plan.name,
                quota.limit,
                quota.window.kind.unit(),
                crate::domain::time::rfc3339(resets_at)
            );
            let error = ApiError::QuotaExceeded {
                plan: caller.plan.name.clone(),
                retry_after,
                detail,
            };
            (error.into_response(), state)
        }
        Admission::Unavailable(retry_after) => return ApiError::LimitsUnavailable(retry_after).into_response(),
    };
    headers::apply(response.headers_mut(), &caller.plan, &state, now);
    if caller.key.is_some() {
        keep_out_of_shared_caches(response.headers_mut());
    }
    vary_on_credentials(response.headers_mut());
    response
}

/// The account routes (`/v1/me`, its preferences and history; `/v1/me/games` reads upstream
/// data and is behind [`gate`]): the caller must be identified (a bad key is a 401), but
/// nothing is counted against its plan, so a caller whose quota is spent can still see where
/// it stands. Answers are per caller: never stored by any cache.
pub async fn account_gate(
    State(management): State<Arc<Management>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let caller = match management.identify(request.headers(), peer.ip()).await {
        Ok(caller) => caller,
        Err(err) => return ApiError::from(err).into_response(),
    };
    let mut response = match management.admit_account(&caller) {
        Ok(()) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(retry_after) => ApiError::RateLimited {
            plan: caller.plan.name.clone(),
            retry_after,
            detail: format!(
                "Account routes allow 5 requests a second per caller; retry in {} s.",
                crate::ratelimit::headers::ceil_secs(retry_after).max(1)
            ),
        }
        .into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    vary_on_credentials(headers);
    response
}

/// Answers depend on who asks: a shared cache must key them on the credentials.
fn vary_on_credentials(headers: &mut axum::http::HeaderMap) {
    headers.append(
        axum::http::header::VARY,
        axum::http::HeaderValue::from_static("authorization, x-api-key"),
    );
}

/// A keyed answer carries that caller's limit headers, and where keys are required a shared
/// cache must not hand it to callers without one: `public` becomes `private`.
fn keep_out_of_shared_caches(headers: &mut axum::http::HeaderMap) {
    let Some(value) = headers
        .get(axum::http::header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
    else {
        return;
    };
    if let Some(rest) = value.strip_prefix("public")
        && let Ok(private) = axum::http::HeaderValue::from_str(&["private", rest].concat())
    {
        headers.insert(axum::http::header::CACHE_CONTROL, private);
    }
}

/// Records an admitted request when dropped; `status` stays 499 ("client closed request")
/// unless a response was produced.
struct Accounted {
    management: Arc<Management>,
    caller: Caller,
    route: &'static str,
    method: Method,
    line: Option<PathAndQuery>,
    now: DateTime<Utc>,
    status: u16,
}

impl Drop for Accounted {
    fn drop(&mut self) {
        self.management.record(
            &self.caller,
            self.route,
            self.method.as_str(),
            self.line.as_ref().map_or("", PathAndQuery::as_str),
            self.status,
            self.now,
        );
    }
}
