//! In-process counters that the admin dashboard reads (`/admin/v1/stats`). Prometheus keeps
//! the same counts for scrapers, but its recorder is process-wide and may be fenced off for
//! operators; a tally belongs to one app, so what `/admin/v1/stats` shows is that app's
//! traffic since it started.

use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};

use dashmap::DashMap;

/// Counts by label. Incrementing an existing label takes a shard read lock and one atomic add.
#[derive(Debug)]
pub struct Tally<K: Eq + Hash> {
    counts: DashMap<K, AtomicU64>,
}

impl<K: Eq + Hash> Default for Tally<K> {
    fn default() -> Self {
        Self { counts: DashMap::new() }
    }
}

impl<K: Eq + Hash + Clone> Tally<K> {
    pub fn add(&self, label: K) {
        if let Some(count) = self.counts.get(&label) {
            count.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.counts
            .entry(label)
            .or_insert_with(|| AtomicU64::new(0))
            .fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self, label: &K) -> u64 {
        self.counts.get(label).map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// Every label with its count (unordered).
    pub fn snapshot(&self) -> Vec<(K, u64)> {
        self.counts
            .iter()
            .map(|e| (e.key().clone(), e.value().load(Ordering::Relaxed)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_label_apart() {
        let t = Tally::default();
        t.add("hit");
        t.add("hit");
        t.add("miss");
        assert_eq!(t.get(&"hit"), 2);
        assert_eq!(t.get(&"miss"), 1);
        assert_eq!(t.get(&"stale"), 0);
        let mut all = t.snapshot();
        all.sort_unstable();
        assert_eq!(all, vec![("hit", 2), ("miss", 1)]);
    }
}
