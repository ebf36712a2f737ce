//! Extractors whose rejections are problem+json like every other error.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::problem::ApiError;

/// `Query<T>` that answers a bad or unknown parameter with a 400 problem naming it.
/// `T` should be `#[serde(deny_unknown_fields)]` so typos are caught, not ignored.
pub struct ValidQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ValidQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|q| ValidQuery(q.0))
            .map_err(|rejection| {
                // serde's message names the field and what was expected, never more.
                let text = rejection.body_text();
                let detail = text
                    .trim_start_matches("Failed to deserialize query string: ")
                    .to_owned();
                let parameter = detail
                    .split('`')
                    .nth(1)
                    .map_or_else(|| "query".to_owned(), str::to_owned);
                ApiError::invalid(parameter, detail)
            })
    }
}

/// `Json<T>` whose rejections (malformed JSON, wrong types, unknown fields, missing
/// content type, oversized body) are problem+json with the fitting 4xx status.
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for ValidJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => {
                let status = match rejection.status() {
                    // Well-formed JSON of the wrong shape is a plain bad request here.
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY => axum::http::StatusCode::BAD_REQUEST,
                    other => other,
                };
                Err(ApiError::InvalidBody {
                    status,
                    // serde may quote what was sent (an unknown field's name): bounded.
                    detail: crate::http::problem::shorten(&rejection.body_text(), 400),
                })
            }
        }
    }
}

/// For routes that take no query parameters: any parameter is a 400 naming it, rather than
/// silently ignored (a typo like `?dat=` must not look like it worked).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}
