//! What the layers around every route add to each operation of the document: the refusals
//! made before a route runs (`middleware/hygiene.rs`, the request deadline), the headers every
//! response carries, and the limit headers of the data routes' answers.

use serde_json::{Map, Value, json};

use crate::http::middleware::hygiene::{MAX_BODY_BYTES, MAX_HEADER_BYTES};

/// Where an operation sits, by path (as `http/router.rs` lays the routes out).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Area {
    /// Behind the API-management gate: counted, limited, limit headers on the answer.
    Data,
    /// Identified but not counted; `private, no-store`.
    Account,
    Admin,
    Operations,
}

impl Area {
    fn of(path: &str) -> Self {
        // `/v1/me/games` reads upstream data, so it is counted like the data routes.
        if path == "/sports" || path.starts_with("/v1/leagues") || path == "/v1/me/games" {
            Self::Data
        } else if path.starts_with("/v1/me") {
            Self::Account
        } else if path.starts_with("/admin/") {
            Self::Admin
        } else {
            Self::Operations
        }
    }

    fn cache_control(self) -> &'static str {
        match self {
            Self::Data => {
                "Cached data: `public` (`private` for a keyed caller), with `max-age`, `stale-while-revalidate` and `stale-if-error`; errors: `no-store`"
            }
            Self::Account => "`private, no-store`: answers depend on who asks (with `Vary: authorization, x-api-key`)",
            Self::Admin | Self::Operations => "`no-store` unless the route says otherwise",
        }
    }
}

pub fn add_edge_responses(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let area = Area::of(path);
        let operations = item.as_object_mut().into_iter().flat_map(|ops| ops.values_mut());
        for responses in operations.filter_map(|op| op.get_mut("responses").and_then(Value::as_object_mut)) {
            add_refusals(responses);
            for (status, response) in responses.iter_mut() {
                let Some(response) = response.as_object_mut() else {
                    continue;
                };
                let headers = response.entry("headers").or_insert_with(|| json!({}));
                if let Some(headers) = headers.as_object_mut() {
                    add_headers(headers, area, status);
                }
            }
        }
    }
}

/// Refusals any operation can meet before (or instead of) its handler; an operation that
/// documents a status itself keeps its own description.
fn add_refusals(responses: &mut Map<String, Value>) {
    let problem = |description: String| {
        json!({
            "description": description,
            "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
        })
    };
    let refusals = [
        (
            "400",
            "Malformed request: an unknown query parameter, a path segment that is not UTF-8, or more than one `Host` header".to_owned(),
        ),
        (
            "413",
            format!("Declared body (`Content-Length`) over {MAX_BODY_BYTES} bytes, refused before `100 Continue`"),
        ),
        ("417", "An `Expect` other than `100-continue`".to_owned()),
        ("431", format!("Request headers over {MAX_HEADER_BYTES} bytes")),
        (
            "504",
            "The request could not be answered within the server's request deadline".to_owned(),
        ),
    ];
    for (status, description) in refusals {
        responses.entry(status).or_insert_with(|| problem(description));
    }
}

fn add_headers(headers: &mut Map<String, Value>, area: Area, status: &str) {
    let header = |description: &str, kind: &str| json!({ "description": description, "schema": { "type": kind } });
    headers.insert(
        "X-Request-Id".into(),
        header(
            "The request's id: the caller's own `X-Request-Id` if it sent a sane one",
            "string",
        ),
    );
    headers
        .entry("Cache-Control")
        .or_insert_with(|| header(area.cache_control(), "string"));
    // Limits are known once the caller is identified and the store answered.
    if area != Area::Data || status == "401" || status == "503" {
        return;
    }
    let limits = [
        (
            "RateLimit-Policy",
            "The plan's limits (IETF httpapi draft form), e.g. `\"burst\";q=20;w=20, \"daily\";q=5000;w=86400`",
            "string",
        ),
        (
            "RateLimit",
            "What is left of each limit, e.g. `\"daily\";r=4321;t=3600`",
            "string",
        ),
        ("X-RateLimit-Limit", "The tightest limit's size", "integer"),
        (
            "X-RateLimit-Remaining",
            "Requests left under the tightest limit",
            "integer",
        ),
        (
            "X-RateLimit-Reset",
            "When the tightest limit is full again (Unix seconds)",
            "integer",
        ),
    ];
    for (name, description, kind) in limits {
        headers.entry(name).or_insert_with(|| header(description, kind));
    }
}
