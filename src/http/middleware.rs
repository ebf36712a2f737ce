//! Cross-cutting request handling.

pub mod access_log;
pub mod request_id;
