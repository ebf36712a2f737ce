//! The route a request matched, as a `&'static str` label for metrics, logs and usage.

use std::collections::HashSet;
use std::sync::{OnceLock, RwLock};

use axum::extract::MatchedPath;

/// The matched route template as the label (`/v1/me`, `/admin/v1/keys/{id}`), unmatched
/// paths `unmatched`: bounded by the routes the router has, whatever callers send.
pub fn route_label(matched: Option<&MatchedPath>) -> &'static str {
    matched.map_or("unmatched", |path| intern(path.as_str()))
}

/// Route templates as `&'static str`, so the metrics facade does not allocate a label per
/// request. Only templates of the router reach here, so what is leaked is bounded.
fn intern(template: &str) -> &'static str {
    static TEMPLATES: OnceLock<RwLock<HashSet<&'static str>>> = OnceLock::new();
    let templates = TEMPLATES.get_or_init(RwLock::default);
    if let Some(found) = templates.read().expect("route labels").get(template) {
        return found;
    }
    let mut write = templates.write().expect("route labels");
    if let Some(found) = write.get(template) {
        return found;
    }
    let leaked: &'static str = Box::leak(template.to_owned().into_boxed_str());
    write.insert(leaked);
    leaked
}
