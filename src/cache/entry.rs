//! One cached upstream answer: the normalized data, its freshness, and the response bodies
//! rendered from it (each rendered once per refresh, then shared by every hit).

use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use axum::http::HeaderValue;
use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::freshness::Freshness;
use crate::config::CacheSettings;
use crate::providers::{Dataset, Fetched, UpstreamQuery};

/// A rendered response body and its strong validator.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub body: Bytes,
    /// Quoted strong ETag, e.g. `"9f86d081884c7d65"`, ready to send: every answer carries
    /// it, so it is built once per render rather than once per request.
    pub etag: HeaderValue,
}

impl Rendered {
    pub fn new(body: impl Into<Bytes>) -> Self {
        let body = body.into();
        let etag = format!("\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(&body));
        let etag = HeaderValue::from_maybe_shared(Bytes::from(etag)).expect("hex digits in quotes");
        Self { body, etag }
    }

    /// The ETag as text (always ASCII).
    pub fn etag_str(&self) -> &str {
        self.etag.to_str().unwrap_or_default()
    }
}

/// The response shapes rendered from one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The `/v1` document.
    V1 = 0,
    /// The original Flask app's `/sports` document.
    Legacy = 1,
}

#[derive(Debug)]
pub struct Entry {
    pub query: UpstreamQuery,
    pub fetched: Fetched,
    stored_at: Instant,
    /// When the upstream answered, by the wall clock (what the shared tier compares).
    pub stored_wall: DateTime<Utc>,
    /// Fresh lifetime chosen at refresh time (live games get the short one).
    pub ttl: Duration,
    views: [OnceLock<Rendered>; 2],
    /// Serialized size of the normalized data, measured once (the weigher runs at insert,
    /// before any view is rendered).
    data_bytes: usize,
    /// Set while a background revalidation runs, so stale hits start only one.
    pub(super) revalidating: AtomicBool,
}

impl Entry {
    pub fn new(query: UpstreamQuery, fetched: Fetched, ttl: Duration) -> Self {
        let data_bytes = serialized_len(&fetched.dataset);
        Self {
            data_bytes,
            query,
            fetched,
            stored_at: Instant::now(),
            stored_wall: Utc::now(),
            ttl,
            views: [OnceLock::new(), OnceLock::new()],
            revalidating: AtomicBool::new(false),
        }
    }

    /// An entry fetched elsewhere at `fetched_at` (from the shared tier): it ages from then.
    pub fn restored(query: UpstreamQuery, fetched: Fetched, ttl: Duration, fetched_at: DateTime<Utc>) -> Self {
        let mut entry = Self::new(query, fetched, ttl);
        let age = (Utc::now() - fetched_at).to_std().unwrap_or_default();
        entry.stored_at = Instant::now().checked_sub(age).unwrap_or(entry.stored_at);
        entry.stored_wall = fetched_at;
        entry
    }

    /// Seconds since the upstream answered.
    pub fn age(&self) -> Duration {
        self.stored_at.elapsed()
    }

    pub fn freshness(&self, settings: &CacheSettings) -> Freshness {
        Freshness::of(self.age(), self.ttl, settings)
    }

    /// The body of `view`, rendered by `render` on first use after each refresh.
    pub fn rendered(&self, view: View, render: impl FnOnce(&Self) -> Bytes) -> &Rendered {
        self.views[view as usize].get_or_init(|| Rendered::new(render(self)))
    }

    /// Approximate memory held, for the cache's weigher: the normalized data and up to two
    /// rendered bodies, each about the data's serialized size.
    pub fn weight(&self) -> u32 {
        u32::try_from(self.data_bytes.saturating_mul(3).max(1024)).unwrap_or(u32::MAX)
    }
}

/// Bytes the dataset serializes to, counted without building the string.
fn serialized_len(dataset: &Dataset) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    let result = match dataset {
        Dataset::Games(g) => serde_json::to_writer(&mut counter, g),
        Dataset::Standings(s) => serde_json::to_writer(&mut counter, s),
        Dataset::Teams(t) => serde_json::to_writer(&mut counter, t),
    };
    result.map_or(0, |()| counter.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_bodies_get_equal_etags_and_different_bodies_different_ones() {
        let a = Rendered::new(Bytes::from_static(b"{\"a\":1}"));
        let b = Rendered::new(Bytes::from_static(b"{\"a\":1}"));
        let c = Rendered::new(Bytes::from_static(b"{\"a\":2}"));
        assert_eq!(a.etag, b.etag);
        assert_ne!(a.etag, c.etag);
        let tag = a.etag_str();
        assert!(tag.starts_with('"') && tag.ends_with('"') && tag.len() == 34);
    }
}
