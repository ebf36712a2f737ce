//! `/openapi.json` and the interactive docs at `/docs`: Swagger UI served from the binary
//! (`assets/swagger-ui/`, no CDN), so the docs work offline.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use bytes::Bytes;

use crate::http::openapi::live::LiveDocument;
use crate::http::problem::ApiError;

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_bytes!("../../../assets/swagger-ui/index.html"),
    ),
    (
        "swagger-initializer.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../assets/swagger-ui/swagger-initializer.js"),
    ),
    (
        "swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../assets/swagger-ui/swagger-ui-bundle.js"),
    ),
    (
        "swagger-ui-standalone-preset.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../assets/swagger-ui/swagger-ui-standalone-preset.js"),
    ),
    (
        "swagger-ui.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../assets/swagger-ui/swagger-ui.css"),
    ),
    (
        "index.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../assets/swagger-ui/index.css"),
    ),
    (
        "favicon-32x32.png",
        "image/png",
        include_bytes!("../../../assets/swagger-ui/favicon-32x32.png"),
    ),
];

/// The OpenAPI 3.1 document of every route, with this server's leagues, plans and dates.
pub async fn openapi_json(State(document): State<Arc<LiveDocument>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300")),
        ],
        document.json(chrono::Utc::now().date_naive()),
    )
        .into_response()
}

pub async fn docs_redirect() -> Redirect {
    Redirect::permanent("/docs/")
}

pub async fn docs_index() -> Response {
    docs_asset(Path("index.html".to_owned())).await
}

/// What the docs page may load: its own scripts and styles, the document from this origin.
/// Swagger UI sets inline `style` attributes and draws icons from `data:` images.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub async fn docs_asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
                (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOCS_CSP)),
            ],
            Bytes::from_static(bytes),
        )
            .into_response(),
        None => ApiError::RouteNotFound.into_response(),
    }
}
