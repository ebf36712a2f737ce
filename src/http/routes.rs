//! Route handlers, one file per resource. Routing itself is in `http/router.rs`.

pub mod games;
pub mod health;
pub mod leagues;
pub mod legacy;
pub mod standings;
pub mod teams;

use std::sync::Arc;

use crate::domain::{Catalogue, League};
use crate::http::problem::ApiError;

/// The league named in a path, or a 404 problem listing the valid ids.
fn find_league(catalogue: &Catalogue, id: &str) -> Result<Arc<League>, ApiError> {
    catalogue.get(id).cloned().ok_or_else(|| ApiError::UnknownLeague {
        given: id.chars().take(64).collect(),
        valid: catalogue.ids().into_iter().map(str::to_owned).collect(),
    })
}
