//! Turns a cache answer into an HTTP response: the rendered body plus headers that tell the
//! truth about it (`ETag`, `Cache-Control`, `Age`, `Cache-Status`, `X-Cache`), and `304`
//! for a matching `If-None-Match`.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::cache::{CacheResult, Lookup, Rendered};
use crate::config::CacheSettings;
use crate::domain::ProviderKind;
use crate::providers::ProviderError;

/// What the access log and metrics learn about a cached response.
#[derive(Debug, Clone, Copy)]
pub struct CacheNote {
    pub result: CacheResult,
    pub provider: ProviderKind,
}

static CACHE_STATUS: HeaderName = HeaderName::from_static("cache-status");
static X_CACHE: HeaderName = HeaderName::from_static("x-cache");

/// Every cached answer goes through here, so headers are inserted as ready values (the
/// ETag is built once per render; numbers and the two computed texts once per request).
pub fn respond(lookup: &Lookup, rendered: &Rendered, request: &HeaderMap, settings: &CacheSettings) -> Response {
    let entry = &lookup.entry;
    let age = entry.age().as_secs();
    // Seconds of freshness left; negative once stale (RFC 9211 `ttl`).
    let ttl = i64::try_from(entry.ttl.as_secs()).unwrap_or(i64::MAX) - i64::try_from(age).unwrap_or(i64::MAX);
    // The full lifetime: a downstream cache subtracts `Age` itself (RFC 9111 §4.2.3).
    let max_age = entry.ttl.as_secs();
    let not_modified = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| etag_matches(v, rendered.etag_str()));

    let mut response = if not_modified {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        let mut response = Response::new(Body::from(rendered.body.clone()));
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    };
    let mut digits = itoa::Buffer::new();
    let mut cache_control = String::with_capacity(80);
    for (text, seconds) in [
        ("public, max-age=", max_age),
        (", stale-while-revalidate=", settings.stale_while_revalidate.as_secs()),
        (", stale-if-error=", settings.stale_if_error.as_secs()),
    ] {
        cache_control.push_str(text);
        cache_control.push_str(digits.format(seconds));
    }
    let headers = response.headers_mut();
    // Room for these, the limit and security headers the layers add, and the request id:
    // growing the map on the way out rehashes it more than once.
    headers.reserve(24);
    headers.insert(header::ETAG, rendered.etag.clone());
    headers.insert(header::CACHE_CONTROL, text_value(cache_control));
    headers.insert(header::AGE, HeaderValue::from(age));
    headers.insert(
        CACHE_STATUS.clone(),
        text_value(cache_status(lookup.result, ttl, lookup.upstream_error.as_ref())),
    );
    headers.insert(X_CACHE.clone(), HeaderValue::from_static(x_cache(lookup.result)));
    response.extensions_mut().insert(CacheNote {
        result: lookup.result,
        provider: entry.fetched.source.provider,
    });
    response
}

/// A header value from text built here (digits, names, punctuation), without copying it.
fn text_value(text: String) -> HeaderValue {
    HeaderValue::from_maybe_shared(bytes::Bytes::from(text)).expect("cache headers are valid")
}

fn x_cache(result: CacheResult) -> &'static str {
    match result {
        CacheResult::Hit => "HIT",
        CacheResult::Miss | CacheResult::Collapsed => "MISS",
        CacheResult::Stale | CacheResult::StaleIfError => "STALE",
    }
}

/// RFC 9211 `Cache-Status`.
fn cache_status(result: CacheResult, ttl: i64, error: Option<&ProviderError>) -> String {
    match result {
        CacheResult::Hit => format!("sportsgate; hit; ttl={ttl}"),
        CacheResult::Miss => format!("sportsgate; fwd=miss; stored; ttl={ttl}"),
        CacheResult::Collapsed => format!("sportsgate; fwd=miss; collapsed; ttl={ttl}"),
        CacheResult::Stale => format!("sportsgate; hit; ttl={ttl}; detail=stale-while-revalidate"),
        CacheResult::StaleIfError => match error {
            Some(ProviderError::Status { status, .. }) => {
                format!("sportsgate; fwd=stale; fwd-status={status}; ttl={ttl}; detail=stale-if-error")
            }
            _ => format!("sportsgate; fwd=stale; ttl={ttl}; detail=stale-if-error"),
        },
    }
}

/// `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored.
fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match.trim() == "*"
        || if_none_match
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_accepts_lists_weak_tags_and_star() {
        let tag = "\"abc\"";
        assert!(etag_matches("\"abc\"", tag));
        assert!(etag_matches("\"x\", W/\"abc\"", tag));
        assert!(etag_matches("*", tag));
        assert!(!etag_matches("\"abd\"", tag));
    }

    #[test]
    fn cache_status_reports_collapsed_and_stale_if_error_with_the_upstream_status() {
        assert_eq!(
            cache_status(CacheResult::Collapsed, 5, None),
            "sportsgate; fwd=miss; collapsed; ttl=5"
        );
        let err = ProviderError::Status {
            status: 500,
            retry_after: None,
        };
        assert_eq!(
            cache_status(CacheResult::StaleIfError, -30, Some(&err)),
            "sportsgate; fwd=stale; fwd-status=500; ttl=-30; detail=stale-if-error"
        );
    }
}
