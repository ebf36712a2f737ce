//! Cross-cutting request handling.

pub mod access_log;
pub mod admin;
pub mod gate;
pub mod header_limit;
pub mod request_id;
