//! How long an answer stays fresh, and what may be done with it after.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::CacheSettings;
use crate::domain::GameStatus;
use crate::providers::{DataKind, Dataset};

/// Where an entry stands in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Serve it; `remaining` until it goes stale.
    Fresh { remaining: Duration },
    /// Serve it and refresh in the background (stale-while-revalidate).
    Revalidate { stale_for: Duration },
    /// Refresh first; serve it only if the refresh fails (stale-if-error).
    StaleIfError { stale_for: Duration },
    /// Too old to serve at all.
    Expired,
}

impl Freshness {
    pub fn of(age: Duration, ttl: Duration, s: &CacheSettings) -> Self {
        match age.checked_sub(ttl) {
            None => Self::Fresh { remaining: ttl - age },
            Some(stale_for) if stale_for < s.stale_while_revalidate => Self::Revalidate { stale_for },
            Some(stale_for) if stale_for < s.stale_if_error => Self::StaleIfError { stale_for },
            Some(_) => Self::Expired,
        }
    }
}

/// How long the cache keeps an entry at most: fresh life plus the longer stale window.
pub fn retention(ttl: Duration, s: &CacheSettings) -> Duration {
    ttl + s.stale_while_revalidate.max(s.stale_if_error)
}

/// The fresh lifetime of an answer: games get the short "live" lifetime while a game is in
/// progress or about to start (scores move), the schedule lifetime otherwise.
pub fn ttl_for(kind: DataKind, data: &Dataset, s: &CacheSettings, now: DateTime<Utc>) -> Duration {
    match (kind, data) {
        (DataKind::Games, Dataset::Games(games)) => {
            let soon = now + chrono::Duration::from_std(s.ttl_schedule).unwrap_or_default();
            let hot = games.iter().any(|g| {
                g.status == GameStatus::Live
                    || (g.status == GameStatus::Scheduled
                        && g.starts_at
                            .is_some_and(|t| t <= soon && t > now - chrono::Duration::hours(6)))
            });
            if hot { s.ttl_live } else { s.ttl_schedule }
        }
        (DataKind::Standings, _) => s.ttl_standings,
        (DataKind::Teams, _) => s.ttl_teams,
        (DataKind::Games, _) => s.ttl_schedule,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> CacheSettings {
        CacheSettings {
            ttl_live: Duration::from_secs(15),
            ttl_schedule: Duration::from_secs(300),
            ttl_standings: Duration::from_secs(3600),
            ttl_teams: Duration::from_secs(86_400),
            stale_while_revalidate: Duration::from_secs(60),
            stale_if_error: Duration::from_secs(3600),
            stale_if_error_wait: Duration::from_secs(2),
            max_bytes: 1 << 20,
        }
    }

    #[test]
    fn an_entry_moves_from_fresh_to_revalidate_to_stale_if_error_to_expired() {
        let s = settings();
        let ttl = Duration::from_secs(10);
        assert_eq!(
            Freshness::of(Duration::from_secs(4), ttl, &s),
            Freshness::Fresh {
                remaining: Duration::from_secs(6)
            }
        );
        assert_eq!(
            Freshness::of(Duration::from_secs(30), ttl, &s),
            Freshness::Revalidate {
                stale_for: Duration::from_secs(20)
            }
        );
        assert_eq!(
            Freshness::of(Duration::from_secs(100), ttl, &s),
            Freshness::StaleIfError {
                stale_for: Duration::from_secs(90)
            }
        );
        assert_eq!(Freshness::of(Duration::from_secs(4000), ttl, &s), Freshness::Expired);
    }

    #[test]
    fn standings_and_teams_use_their_own_lifetimes() {
        let s = settings();
        let now = Utc::now();
        let empty = Dataset::Teams(vec![]);
        assert_eq!(ttl_for(DataKind::Teams, &empty, &s, now), s.ttl_teams);
        assert_eq!(
            ttl_for(DataKind::Games, &Dataset::Games(vec![]), &s, now),
            s.ttl_schedule
        );
    }
}
