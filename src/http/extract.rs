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

/// `Json<T>` for a JSON object body, whose rejections (malformed JSON, not an object, wrong
/// types, unknown fields, missing content type, oversized body) are problem+json with the
/// fitting 4xx status.
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for ValidJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let bad = |detail: String| ApiError::InvalidBody {
            status: axum::http::StatusCode::BAD_REQUEST,
            detail,
        };
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(value)) => value,
            Err(rejection) => {
                return Err(ApiError::InvalidBody {
                    status: rejection.status(),
                    detail: crate::domain::text::shorten(&rejection.body_text(), 400),
                });
            }
        };
        // serde would also read a struct from an array, by position: `[]` or `["x"]` are no
        // request bodies this API documents.
        if !value.is_object() {
            return Err(bad("The body must be a JSON object.".into()));
        }
        T::deserialize(value)
            .map(Self)
            // serde may quote what was sent (an unknown field's name): bounded.
            .map_err(|e| {
                bad(crate::domain::text::shorten(
                    &format!("Failed to deserialize the JSON body into the target type: {e}"),
                    400,
                ))
            })
    }
}

/// For routes that take no query parameters: any parameter is a 400 naming it, rather than
/// silently ignored (a typo like `?dat=` must not look like it worked).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// `Path<T>` whose rejection (a segment that is not UTF-8 once percent-decoded) is a 400
/// problem like every other bad parameter, not axum's plain-text answer.
pub struct ValidPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ValidPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|_| ApiError::invalid("path", "A path segment is not valid UTF-8 once percent-decoded."))
    }
}
