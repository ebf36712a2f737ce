//! Logs (tracing, JSON lines by default) and Prometheus metrics, each set up once.

pub mod logging;
pub mod metrics;
pub mod tally;
