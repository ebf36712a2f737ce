//! The state every handler can reach; handlers take only the parts they use (`FromRef`).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::FromRef;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::cache::SportsCache;
use crate::domain::Catalogue;
use crate::http::openapi::live::LiveDocument;
use crate::management::Management;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub catalogue: Arc<Catalogue>,
    pub cache: Arc<SportsCache>,
    pub metrics: PrometheusHandle,
    pub management: Arc<Management>,
    pub started: Started,
    pub openapi: Arc<LiveDocument>,
}

/// When the process started serving (for `/readyz`'s uptime).
#[derive(Clone, Copy)]
pub struct Started(pub Instant);
