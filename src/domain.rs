//! The normalized sports data model every provider converts into and every route serves.

pub mod api_key;
pub mod calendar;
pub mod game;
pub mod league;
pub mod plan;
pub mod preferences;
pub mod standings;
pub mod subject;
pub mod team;
pub mod team_match;
pub mod text;
pub mod time;

pub use game::{Game, GameStatus, Source, TeamSide};
pub use league::{Catalogue, League, LeagueId, ProviderKind};
pub use standings::{StandingGroup, StandingRow, Standings};
pub use team::Team;
