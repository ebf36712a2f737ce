//! League tables: groups (conferences, divisions, or one table) of ranked rows.

use serde::{Deserialize, Serialize, Serializer};
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
    /// Whole numbers are written as integers (`83`), fractions as decimals (`1.5`).
    #[serde(serialize_with = "number")]
    pub points: Option<f64>,
    #[serde(serialize_with = "number")]
    pub points_for: Option<f64>,
    #[serde(serialize_with = "number")]
    pub points_against: Option<f64>,
    /// Qualification/relegation note ("Champions League").
    pub note: Option<String>,
}

/// A number as a JSON integer when it is whole (`83`, not `83.0`), else as a decimal.
fn number<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    // Beyond 2^53 an f64 has no fraction to lose; stay with i64's exact range below that.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match *value {
        Some(v) if v.fract() == 0.0 && v.abs() <= EXACT => s.serialize_i64(v as i64),
        Some(v) => s.serialize_f64(v),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_points_are_integers_and_fractions_stay_decimals() {
        let row = StandingRow {
            rank: Some(1),
            team: "Manchester City".into(),
            abbreviation: None,
            logo: None,
            played: Some(37),
            wins: None,
            losses: None,
            ties: None,
            points: Some(83.0),
            points_for: Some(-0.0),
            points_against: Some(1.5),
            note: None,
        };
        let json = serde_json::to_value(&row).unwrap();
        assert_eq!(json["points"].to_string(), "83");
        assert_eq!(json["points_for"].to_string(), "0");
        assert_eq!(json["points_against"].to_string(), "1.5");
        assert!(json["wins"].is_null());
    }
}
