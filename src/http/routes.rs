//! Route handlers, one file per resource. Routing itself is in `http/router.rs`.

pub mod admin;
pub mod docs;
pub mod favourites;
pub mod games;
pub mod health;
pub mod leagues;
pub mod legacy;
pub mod me;
pub mod pages;
pub mod standings;
pub mod stats;
pub mod teams;

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;

use crate::cache::{Entry, SportsCache, View};
use crate::domain::{Catalogue, League};
use crate::http::cached::respond;
use crate::http::problem::ApiError;
use crate::providers::{DataKind, UpstreamQuery};

/// Answers a league-wide `kind` (no date) for the league named in the path.
async fn serve_league(
    catalogue: &Catalogue,
    cache: &SportsCache,
    league: &str,
    kind: DataKind,
    headers: &HeaderMap,
    render: fn(&Entry) -> Bytes,
) -> Result<Response, ApiError> {
    let league = find_league(catalogue, league)?;
    serve_view(
        cache,
        UpstreamQuery {
            kind,
            league,
            date: None,
        },
        View::V1,
        headers,
        render,
    )
    .await
}

/// Answers `query` from the cache with `view`, rendered by `render` once per refresh.
async fn serve_view(
    cache: &SportsCache,
    query: UpstreamQuery,
    view: View,
    headers: &HeaderMap,
    render: fn(&Entry) -> Bytes,
) -> Result<Response, ApiError> {
    let lookup = cache.get(query).await?;
    let rendered = lookup.entry.rendered(view, render);
    Ok(respond(&lookup, rendered, headers, cache.settings()))
}

/// The league named in a path, or a 404 problem listing the valid ids.
fn find_league(catalogue: &Catalogue, id: &str) -> Result<Arc<League>, ApiError> {
    catalogue.get(id).cloned().ok_or_else(|| ApiError::UnknownLeague {
        given: id.chars().take(64).collect(),
        valid: catalogue.ids().into_iter().map(str::to_owned).collect(),
    })
}
