//! A game (fixture, match) as sportsgate serves it, whatever the upstream.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::team_match::TeamQuery;
use super::{LeagueId, ProviderKind};

/// Where a piece of data came from and when it was fetched upstream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Source {
    pub provider: ProviderKind,
    #[serde(serialize_with = "super::time::serialize")]
    pub fetched_at: DateTime<Utc>,
}

/// Lifecycle of a game, mapped from each upstream's own vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GameStatus {
    Scheduled,
    Live,
    Final,
    Postponed,
    Canceled,
    Unknown,
}

impl GameStatus {
    /// The statuses a caller may filter on (`status=` query parameter).
    pub const FILTERABLE: [GameStatus; 3] = [GameStatus::Scheduled, GameStatus::Live, GameStatus::Final];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Live => "live",
            Self::Final => "final",
            Self::Postponed => "postponed",
            Self::Canceled => "canceled",
            Self::Unknown => "unknown",
        }
    }

    /// Parses a `status=` filter value; only the filterable statuses are accepted (in any
    /// case, like every enumerated value).
    pub fn parse_filter(value: &str) -> Option<Self> {
        Self::FILTERABLE
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(value.trim()))
    }
}

/// One side of a game.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TeamSide {
    pub name: String,
    pub abbreviation: Option<String>,
    /// Points or goals; null until the game has started (or when the upstream gave none).
    pub score: Option<u32>,
    pub logo: Option<String>,
}

impl TeamSide {
    /// True when the typed team names this side (rules in `team_match`).
    pub fn matches(&self, team: &TeamQuery) -> bool {
        team.matches(&self.name, self.abbreviation.as_deref())
    }
}

/// A normalized game. Field names are part of the public contract (INTERFACE.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Game {
    /// Stable id within the provider (ESPN event id, or a digest of the SerpApi game).
    pub id: String,
    #[schema(value_type = String, example = "nfl")]
    pub league: LeagueId,
    pub status: GameStatus,
    /// Kick-off as an instant in UTC; null when the upstream text could not be placed in time.
    #[serde(serialize_with = "super::time::serialize_opt")]
    pub starts_at: Option<DateTime<Utc>>,
    /// The game day in the league's home time zone (what `date=` matches).
    pub local_date: Option<NaiveDate>,
    /// The date exactly as the upstream wrote it.
    pub date_text: Option<String>,
    /// The time exactly as the upstream wrote it.
    pub time_text: Option<String>,
    pub home: TeamSide,
    pub away: TeamSide,
    /// False when the upstream does not say which side is at home: `away` then holds the first
    /// listed team and `home` the second (the order the original `/sports` route used).
    pub home_away_known: bool,
    pub venue: Option<String>,
    pub stage: Option<String>,
    /// Live period/clock text ("11:50 - 2nd", "45'+1'"), null unless live.
    pub clock: Option<String>,
    pub source: Source,
}

impl Game {
    pub fn involves(&self, team: &TeamQuery) -> bool {
        self.home.matches(team) || self.away.matches(team)
    }
}
