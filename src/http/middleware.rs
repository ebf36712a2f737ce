//! Cross-cutting request handling.

pub mod access_log;
