//! Logs (tracing, JSON lines by default) and Prometheus metrics, each set up once.

pub mod access;
pub mod log_sink;
pub mod logging;
pub mod metrics;
pub mod tally;
