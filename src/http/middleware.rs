//! Cross-cutting request handling.

pub mod access_log;
pub mod admin;
pub mod deadline;
pub mod gate;
pub mod guard;
pub mod hygiene;
pub mod metrics_auth;
pub mod request_id;
pub mod route_label;
pub mod security_headers;
