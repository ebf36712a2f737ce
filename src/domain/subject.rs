//! Subjects: what limits and usage are counted against, `key:<id>` for an API key or
//! `ip:<network>` for an anonymous caller. One place for the form, so the limiter, the usage
//! book and the store tell them apart the same way.

const KEY: &str = "key:";
const ANONYMOUS: &str = "ip:";

/// The subject of an API key.
pub fn of_key(id: &str) -> String {
    [KEY, id].concat()
}

/// The subject of an anonymous caller's network (`client_ip::subject_net`).
pub fn of_network(network: impl std::fmt::Display) -> String {
    format!("{ANONYMOUS}{network}")
}

/// Whether `subject` is an anonymous caller's (unbounded in number, unlike keys).
pub fn is_anonymous(subject: &str) -> bool {
    subject.starts_with(ANONYMOUS)
}
