//! The HTTP error type: every failure a route can meet, mapped once to an RFC 9457
//! `application/problem+json` response. Details for operators are logged, not sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::text::shorten;
use crate::management::GateError;
use crate::management::keys::KeyError;
use crate::providers::ProviderError;
use crate::ratelimit::headers::ceil_secs;
use crate::store::StoreError;

const PROBLEM_JSON: &str = "application/problem+json";

/// RFC 9457 problem details. `type` is a relative URI naming the problem kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// For `unknown-league`: the ids that exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_leagues: Option<Vec<String>>,
    /// For `invalid-parameter`: the parameter at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("unknown league {given:?}")]
    UnknownLeague { given: String, valid: Vec<String> },
    #[error("invalid parameter {parameter}: {detail}")]
    InvalidParameter { parameter: String, detail: String },
    #[error("no such route")]
    RouteNotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("not available: {0}")]
    NotAvailable(String),
    #[error(transparent)]
    Upstream(#[from] ProviderError),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("rate limited on plan {plan}")]
    RateLimited {
        plan: String,
        retry_after: std::time::Duration,
        detail: String,
    },
    #[error("quota exceeded on plan {plan}")]
    QuotaExceeded {
        plan: String,
        retry_after: std::time::Duration,
        detail: String,
    },
    #[error("store unavailable: {0}")]
    StoreUnavailable(String),
    /// The shared limits cannot be decided (Redis away, configured fail-closed).
    #[error("shared limits unavailable")]
    LimitsUnavailable(std::time::Duration),
    #[error("invalid body: {detail}")]
    InvalidBody { status: StatusCode, detail: String },
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// The request as a whole outlived the server's request deadline.
    #[error("request deadline exceeded")]
    RequestTimeout(std::time::Duration),
}

impl ApiError {
    /// A 400 naming the parameter; both texts are cut to a bounded length, since they may
    /// echo what the caller sent.
    pub fn invalid(parameter: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::InvalidParameter {
            parameter: shorten(&parameter.into(), 64),
            detail: shorten(&detail.into(), 400),
        }
    }

    /// The status and problem document this error answers with.
    pub fn problem(&self) -> (StatusCode, Problem) {
        let p = |status: StatusCode, slug: &str, title: &'static str, detail: String| Problem {
            kind: format!("/problems/{slug}"),
            title,
            status: status.as_u16(),
            detail,
            valid_leagues: None,
            parameter: None,
        };
        match self {
            Self::UnknownLeague { given, valid } => {
                let mut problem = p(
                    StatusCode::NOT_FOUND,
                    "unknown-league",
                    "Unknown league",
                    format!("There is no league {given:?}. Valid leagues: {}.", valid.join(", ")),
                );
                problem.valid_leagues = Some(valid.clone());
                (StatusCode::NOT_FOUND, problem)
            }
            Self::InvalidParameter { parameter, detail } => {
                let mut problem = p(
                    StatusCode::BAD_REQUEST,
                    "invalid-parameter",
                    "Invalid parameter",
                    detail.clone(),
                );
                problem.parameter = Some(parameter.clone());
                (StatusCode::BAD_REQUEST, problem)
            }
            Self::RouteNotFound => (
                StatusCode::NOT_FOUND,
                p(
                    StatusCode::NOT_FOUND,
                    "not-found",
                    "Not found",
                    "No route matches this path; see /docs.".into(),
                ),
            ),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                p(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method-not-allowed",
                    "Method not allowed",
                    "This route does not accept that method.".into(),
                ),
            ),
            Self::NotAvailable(detail) => (
                StatusCode::NOT_FOUND,
                p(StatusCode::NOT_FOUND, "not-available", "Not available", detail.clone()),
            ),
            Self::Upstream(err) => {
                let (status, mut problem) = upstream_problem(err, p);
                if matches!(err, ProviderError::DateUnsupported { .. }) {
                    problem.parameter = Some("date".into());
                }
                (status, problem)
            }
            Self::Unauthorized(detail) => (
                StatusCode::UNAUTHORIZED,
                p(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "Unauthorized",
                    (*detail).to_owned(),
                ),
            ),
            Self::RateLimited { detail, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                p(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate-limited",
                    "Too many requests: slow down",
                    detail.clone(),
                ),
            ),
            Self::QuotaExceeded { detail, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                p(
                    StatusCode::TOO_MANY_REQUESTS,
                    "quota-exceeded",
                    "Quota exceeded: wait for the reset",
                    detail.clone(),
                ),
            ),
            Self::StoreUnavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                p(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store-unavailable",
                    "Service unavailable",
                    "The key and usage store is unavailable right now. Try again later.".into(),
                ),
            ),
            Self::LimitsUnavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                p(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "limits-unavailable",
                    "Service unavailable",
                    "Rate limits cannot be checked right now. Try again shortly.".into(),
                ),
            ),
            Self::InvalidBody { status, detail } => (
                *status,
                p(*status, "invalid-body", "Invalid request body", detail.clone()),
            ),
            Self::NotFound(detail) => (
                StatusCode::NOT_FOUND,
                p(StatusCode::NOT_FOUND, "not-found", "Not found", detail.clone()),
            ),
            Self::Conflict(detail) => (
                StatusCode::CONFLICT,
                p(StatusCode::CONFLICT, "conflict", "Conflict", detail.clone()),
            ),
            Self::RequestTimeout(deadline) => (
                StatusCode::GATEWAY_TIMEOUT,
                p(
                    StatusCode::GATEWAY_TIMEOUT,
                    "request-timeout",
                    "Request timeout",
                    format!(
                        "The request could not be answered within {} s. Try again later.",
                        deadline.as_secs_f64()
                    ),
                ),
            ),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                p(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    "Something went wrong on our side.".into(),
                ),
            ),
        }
    }
}

/// Upstream failures in plain words; which upstream URL or what it answered stays in the log.
fn upstream_problem(
    err: &ProviderError,
    p: impl Fn(StatusCode, &str, &'static str, String) -> Problem,
) -> (StatusCode, Problem) {
    let (status, slug, title, detail) = match err {
        ProviderError::Unsupported { kind, league, .. } => (
            StatusCode::NOT_FOUND,
            "not-available",
            "Not available",
            format!("The configured providers do not serve {kind} for league {league}."),
        ),
        ProviderError::DateUnsupported { providers, .. } => (
            StatusCode::BAD_REQUEST,
            "date-unsupported",
            "Date not supported",
            format!(
                "The configured providers ({providers}) cannot look up games by date: SerpApi shows only \
                 recent and upcoming games, never a whole given day. Ask without date=, or configure \
                 espn as the primary or fallback provider."
            ),
        ),
        ProviderError::NoRecording(what) => (
            StatusCode::NOT_FOUND,
            "not-available",
            "Not available",
            format!("The replay provider has no recording of {what}."),
        ),
        ProviderError::Timeout => (
            StatusCode::GATEWAY_TIMEOUT,
            "upstream-timeout",
            "Upstream timeout",
            "The sports data provider did not answer in time, and no earlier copy is available.".into(),
        ),
        ProviderError::CircuitOpen { .. } | ProviderError::BudgetExhausted(_) | ProviderError::NotConfigured(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "upstream-unavailable",
            "Upstream unavailable",
            "The sports data provider is unavailable right now, and no earlier copy is available. Try again later."
                .into(),
        ),
        ProviderError::Connect(_) | ProviderError::Status { .. } | ProviderError::Malformed(_) => (
            StatusCode::BAD_GATEWAY,
            "upstream-error",
            "Upstream error",
            "The sports data provider failed to answer properly, and no earlier copy is available.".into(),
        ),
    };
    (status, p(status, slug, title, detail))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, problem) = self.problem();
        if status.is_server_error() {
            tracing::warn!(error = %self, status = status.as_u16(), "request failed");
        }
        let mut response = (status, Json(problem)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        let retry_after = match &self {
            Self::RateLimited { retry_after, .. }
            | Self::QuotaExceeded { retry_after, .. }
            | Self::LimitsUnavailable(retry_after) => Some(ceil_secs(*retry_after)),
            // An open circuit's cooldown or a spent budget's month end; else a modest guess.
            Self::Upstream(err) if status == StatusCode::SERVICE_UNAVAILABLE => {
                Some(err.retry_after().map_or(30, ceil_secs))
            }
            _ if status == StatusCode::SERVICE_UNAVAILABLE => Some(30),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"sportsgate\""),
            );
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(what) => Self::Conflict(format!("{what} already exists")),
            other => Self::StoreUnavailable(other.to_string()),
        }
    }
}

impl From<GateError> for ApiError {
    fn from(err: GateError) -> Self {
        match err {
            GateError::KeyRequired => {
                Self::Unauthorized("An API key is required: send it in x-api-key or Authorization: Bearer.")
            }
            // One message for every refusal, so a caller cannot probe which ids exist.
            GateError::InvalidKey(_) => Self::Unauthorized("The API key is invalid, revoked or expired."),
            GateError::Store(e) => e.into(),
        }
    }
}

impl From<KeyError> for ApiError {
    fn from(err: KeyError) -> Self {
        match err {
            KeyError::Invalid { field, message } => Self::InvalidParameter {
                parameter: field.to_owned(),
                detail: message,
            },
            KeyError::NotFound(id) => Self::NotFound(format!(
                "There is no key {:?}.",
                id.chars().take(40).collect::<String>()
            )),
            KeyError::Revoked(id) => Self::Conflict(format!(
                "The key {:?} is revoked; revocation is final.",
                id.chars().take(40).collect::<String>()
            )),
            KeyError::Store(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_failures_map_to_gateway_statuses_with_plain_details() {
        let cases = [
            (ProviderError::Timeout, 504),
            (ProviderError::Connect("connection failed".into()), 502),
            (
                ProviderError::Status {
                    status: 500,
                    retry_after: None,
                },
                502,
            ),
            (
                ProviderError::CircuitOpen {
                    provider: crate::domain::ProviderKind::Espn,
                    retry_after: std::time::Duration::from_secs(3),
                },
                503,
            ),
            (
                ProviderError::BudgetExhausted(crate::domain::ProviderKind::Serpapi),
                503,
            ),
        ];
        for (err, status) in cases {
            let (code, problem) = ApiError::Upstream(err).problem();
            assert_eq!(code.as_u16(), status);
            assert!(!problem.detail.contains("http"), "{}", problem.detail);
        }
    }
}
