//! The web pages: the scoreboard at `/` and the admin dashboard at `/admin`, with their
//! scripts, styles and icon from `assets/web/`, embedded in the binary (no CDN, works
//! offline). The pages only call the public HTTP API. Every answer here carries a strict
//! Content-Security-Policy: only this origin's scripts, styles, images and API, no inline
//! code, no framing.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use include_dir::{Dir, include_dir};

use crate::http::problem::ApiError;

static WEB: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/assets/web");

/// No inline script or style, nothing from another origin; team logos (third-party URLs in
/// the data) are drawn as monograms instead, so a viewer's browser never calls out.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Sets the pages' policy and isolates their window from other origins' (COOP); the other
/// page headers (`nosniff`, no framing, no referrer) are the defaults every response gets
/// (`middleware/security_headers.rs`).
pub async fn page_policy(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    response
}

/// The scoreboard web page (HTML; scripts and styles under `/assets/`).
#[utoipa::path(get, path = "/", tag = "pages",
    responses((status = 200, description = "The scoreboard page", content_type = "text/html")))]
pub async fn scoreboard(request: HeaderMap) -> Response {
    serve("index.html", &request)
}

/// The admin dashboard web page (HTML); the admin token is typed into the page.
#[utoipa::path(get, path = "/admin", tag = "pages",
    responses((status = 200, description = "The admin dashboard page", content_type = "text/html")))]
pub async fn admin_dashboard(request: HeaderMap) -> Response {
    serve("admin.html", &request)
}

/// `/assets/{file}`: the pages' scripts, styles and icon.
pub async fn asset(Path(file): Path<String>, request: HeaderMap) -> Response {
    serve(&file, &request)
}

/// The file with an ETag; `no-cache`, so a browser revalidates (a cheap 304) and an upgraded
/// binary's pages are seen at once.
fn serve(name: &str, request: &HeaderMap) -> Response {
    let Some(file) = WEB.get_file(name).filter(|_| !name.contains('/')) else {
        return ApiError::RouteNotFound.into_response();
    };
    let Some(content_type) = content_type(name) else {
        return ApiError::RouteNotFound.into_response();
    };
    let etag = etag_of(name, file.contents());
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (header::ETAG, etag.clone()),
    ];
    let matches = request
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes());
    if matches {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, Bytes::from_static(file.contents())).into_response()
}

fn content_type(name: &str) -> Option<&'static str> {
    Some(match name.rsplit_once('.')?.1 {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        _ => return None,
    })
}

/// A strong ETag per file, hashed once.
fn etag_of(name: &str, contents: &[u8]) -> HeaderValue {
    static TAGS: OnceLock<dashmap::DashMap<String, HeaderValue>> = OnceLock::new();
    let tags = TAGS.get_or_init(dashmap::DashMap::new);
    if let Some(tag) = tags.get(name) {
        return tag.clone();
    }
    let tag = HeaderValue::from_str(&format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(contents)))
        .expect("a hex ETag is a valid header");
    tags.insert(name.to_owned(), tag.clone());
    tag
}
