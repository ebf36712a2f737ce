//! `/openapi.json` and the interactive docs at `/docs`: Swagger UI served from the binary
//! (`assets/swagger-ui/`, no CDN), so the docs work offline.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use bytes::Bytes;

use crate::http::extract::ValidPath;
use crate::http::openapi::live::LiveDocument;
use crate::http::problem::{ApiError, Problem};

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
#[utoipa::path(get, path = "/openapi.json", tag = "docs",
    responses((status = 200, description = "This document", content_type = "application/json", body = Object)))]
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

/// `/docs/` is an old spelling of `/docs`. The docs page lives at `/docs` (its files under
/// `/docs/…` by absolute paths), because a gateway route like `/docs/{proxy+}` does not match
/// a bare trailing slash: the page must be reachable without one.
pub async fn docs_redirect() -> Redirect {
    Redirect::permanent("/docs")
}

/// The interactive docs (Swagger UI, served from the binary: works offline).
#[utoipa::path(get, path = "/docs", tag = "docs",
    responses((status = 200, description = "The docs page", content_type = "text/html", body = String)))]
pub async fn docs_index() -> Response {
    docs_asset(ValidPath(AssetPath {
        file: "index.html".to_owned(),
    }))
    .await
}

/// What the docs page may load: its own scripts and styles, the document from this origin.
/// Swagger UI sets inline `style` attributes and draws icons from `data:` images.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AssetPath {
    /// One of the docs page's files.
    #[param(schema_with = asset_names)]
    file: String,
}

fn asset_names() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(ASSETS.iter().map(|(name, _, _)| *name)))
        .build()
}

/// A file of the docs page.
#[utoipa::path(get, path = "/docs/{file}", tag = "docs", params(AssetPath),
    responses(
        (status = 200, description = "The file", content(
            (String = "text/html"), (String = "text/javascript"), (String = "text/css"), (Vec<u8> = "image/png"))),
        (status = 404, description = "No such file", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn docs_asset(ValidPath(AssetPath { file }): ValidPath<AssetPath>) -> Response {
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
