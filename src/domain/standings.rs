//! League tables: groups (conferences, divisions, or one table) of ranked rows.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Standings {
    /// Season label as the upstream gives it ("2020-21"), when known.
    pub season: Option<String>,
    pub groups: Vec<StandingGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StandingGroup {
    pub name: String,
    pub rows: Vec<StandingRow>,
}

/// One team's line in a table. Numbers the upstream does not give stay null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StandingRow {
    pub rank: Option<u32>,
    pub team: String,
    pub abbreviation: Option<String>,
    pub logo: Option<String>,
    pub played: Option<u32>,
    pub wins: Option<u32>,
    pub losses: Option<u32>,
    /// Draws in soccer, ties elsewhere.
    pub ties: Option<u32>,
    pub points: Option<f64>,
    pub points_for: Option<f64>,
    pub points_against: Option<f64>,
    /// Qualification/relegation note ("Champions League").
    pub note: Option<String>,
}
