//! ESPN standings (`apis/v2/sports/{sport}/{league}/standings`) → [`Standings`].

use serde::Deserialize;

use super::scoreboard::{Logo, decode, non_empty};
use crate::domain::{StandingGroup, StandingRow, Standings};
use crate::providers::NormalizeError;

/// Normalizes a standings payload into one group per leaf table.
///
/// ESPN nests tables as `children[]` (one child for a single-table league, conferences for
/// others, conferences → divisions at deeper levels), or answers with a root that holds its
/// own `standings`. Every node that has `standings` and no children becomes a group named by
/// that node. Stats are looked up by `name`; rows are sorted by rank where ranks exist, rows
/// without one keep their upstream order after the ranked ones.
pub fn parse_standings(body: &[u8]) -> Result<Standings, NormalizeError> {
    let root: Node = decode(body, "standings")?;
    if root.children.is_none() && root.standings.is_none() {
        return Err(NormalizeError(
            "ESPN standings: neither `children` nor `standings` present".into(),
        ));
    }
    let mut leaves = Vec::new();
    collect_leaves(&root, &mut leaves);
    let season = season_label(&root, &leaves);
    let groups = leaves.into_iter().map(group).collect();
    Ok(Standings { season, groups })
}

#[derive(Deserialize)]
struct Node {
    name: Option<String>,
    children: Option<Vec<Node>>,
    standings: Option<Table>,
    #[serde(default)]
    seasons: Vec<Season>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Table {
    display_name: Option<String>,
    /// The season's year (2020 for 2020-21).
    season: Option<serde_json::Value>,
    season_display_name: Option<String>,
    #[serde(default)]
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Season {
    year: Option<serde_json::Value>,
    display_name: Option<String>,
}

#[derive(Deserialize)]
struct Entry {
    team: EntryTeam,
    note: Option<EntryNote>,
    #[serde(default)]
    stats: Vec<Stat>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntryTeam {
    display_name: Option<String>,
    name: Option<String>,
    short_display_name: Option<String>,
    abbreviation: Option<String>,
    #[serde(default)]
    logos: Vec<Logo>,
}

#[derive(Deserialize)]
struct EntryNote {
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stat {
    name: Option<String>,
    value: Option<f64>,
    display_value: Option<String>,
}

fn collect_leaves<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    match &node.children {
        Some(children) if !children.is_empty() => children.iter().for_each(|c| collect_leaves(c, out)),
        _ if node.standings.is_some() => out.push(node),
        _ => {}
    }
}

/// The table's own `seasonDisplayName` when given, else the root `seasons[]` entry of the
/// table's year. Soccer display names repeat the league ("2020-21 English Premier League");
/// that suffix is dropped so the label reads "2020-21".
fn season_label(root: &Node, leaves: &[&Node]) -> Option<String> {
    let tables = || leaves.iter().filter_map(|leaf| leaf.standings.as_ref());
    if let Some(label) = tables().find_map(|t| non_empty(t.season_display_name.clone())) {
        return Some(label);
    }
    let year = tables().find_map(|t| t.season.as_ref().and_then(year_of))?;
    let season = root
        .seasons
        .iter()
        .find(|s| s.year.as_ref().and_then(year_of) == Some(year))?;
    let label = non_empty(season.display_name.clone())?;
    let league = root.name.as_deref().map(str::trim).unwrap_or_default();
    match label.strip_suffix(league).map(str::trim_end) {
        Some(short) if !league.is_empty() && !short.is_empty() => Some(short.to_owned()),
        _ => Some(label),
    }
}

fn year_of(raw: &serde_json::Value) -> Option<i64> {
    match raw {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn group(node: &Node) -> StandingGroup {
    let table = node.standings.as_ref();
    let name = non_empty(node.name.clone())
        .or_else(|| table.and_then(|t| non_empty(t.display_name.clone())))
        .unwrap_or_default();
    let mut rows: Vec<StandingRow> = table.map(|t| t.entries.iter().map(row).collect()).unwrap_or_default();
    // Stable: ties in rank, and unranked rows, keep ESPN's order.
    rows.sort_by_key(|r| (r.rank.is_none(), r.rank));
    StandingGroup { name, rows }
}

fn row(entry: &Entry) -> StandingRow {
    let stat = |name: &str| {
        entry
            .stats
            .iter()
            .find(|s| s.name.as_deref() == Some(name))
            .and_then(stat_value)
    };
    let count = |name: &str| stat(name).and_then(whole);
    let team = &entry.team;
    StandingRow {
        rank: count("rank"),
        team: non_empty(team.display_name.clone())
            .or_else(|| non_empty(team.name.clone()))
            .or_else(|| non_empty(team.short_display_name.clone()))
            .or_else(|| non_empty(team.abbreviation.clone()))
            .unwrap_or_default(),
        abbreviation: non_empty(team.abbreviation.clone()),
        logo: team.logos.iter().find_map(|l| non_empty(l.href.clone())),
        played: count("gamesPlayed"),
        wins: count("wins"),
        losses: count("losses"),
        ties: count("ties"),
        points: stat("points"),
        points_for: stat("pointsFor"),
        points_against: stat("pointsAgainst"),
        note: entry.note.as_ref().and_then(|n| non_empty(n.description.clone())),
    }
}

/// `value` is the number; `displayValue` ("+46", "" for none) only stands in when it is absent.
fn stat_value(stat: &Stat) -> Option<f64> {
    stat.value
        .or_else(|| stat.display_value.as_deref().and_then(|d| d.trim().parse().ok()))
        .filter(|v| v.is_finite())
}

fn whole(value: f64) -> Option<u32> {
    (value >= 0.0 && value.fract() == 0.0 && value <= f64::from(u32::MAX)).then_some(value as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eng1() -> Standings {
        parse_standings(include_bytes!(
            "../../../tests/data/upstream/espn/standings-soccer-eng1-2020-21-season.json"
        ))
        .unwrap()
    }

    fn entry(team: &str, stats: serde_json::Value) -> serde_json::Value {
        serde_json::json!({"team": {"displayName": team, "abbreviation": team[..3].to_uppercase()}, "stats": stats})
    }

    fn stat(name: &str, value: f64) -> serde_json::Value {
        serde_json::json!({"name": name, "value": value, "displayValue": value.to_string()})
    }

    #[test]
    fn premier_league_2020_21_is_one_group_of_twenty_rows_led_by_manchester_city() {
        let standings = eng1();
        assert_eq!(standings.season.as_deref(), Some("2020-21"));
        assert_eq!(standings.groups.len(), 1);
        let group = &standings.groups[0];
        assert_eq!(group.name, "English Premier League 2020-2021");
        assert_eq!(group.rows.len(), 20);
        let city = &group.rows[0];
        assert_eq!(city.rank, Some(1));
        assert_eq!(
            (city.team.as_str(), city.abbreviation.as_deref()),
            ("Manchester City", Some("MNC"))
        );
        assert_eq!(city.points, Some(83.0));
        assert_eq!(
            (city.played, city.wins, city.ties, city.losses),
            (Some(37), Some(26), Some(5), Some(6))
        );
        assert_eq!((city.points_for, city.points_against), (Some(78.0), Some(32.0)));
        assert_eq!(city.note.as_deref(), Some("Champions League"));
        assert_eq!(
            city.logo.as_deref(),
            Some("https://a.espncdn.com/i/teamlogos/soccer/500/382.png")
        );
    }

    #[test]
    fn premier_league_rows_run_from_rank_1_to_20_with_notes_only_where_espn_gave_one() {
        let rows = &eng1().groups[0].rows;
        let ranks: Vec<Option<u32>> = rows.iter().map(|r| r.rank).collect();
        assert_eq!(ranks, (1..=20).map(Some).collect::<Vec<_>>());
        let relegated: Vec<&str> = rows
            .iter()
            .filter(|r| r.note.as_deref() == Some("Relegation"))
            .map(|r| r.team.as_str())
            .collect();
        assert_eq!(relegated, ["Fulham", "West Bromwich Albion", "Sheffield United"]);
        assert_eq!(rows[7].team, "Leeds United");
        assert_eq!(rows[7].note, None);
        assert!(
            rows.iter()
                .all(|r| r.played.is_some() && r.points.is_some() && r.logo.is_some())
        );
        // Played = wins + draws + losses for every club.
        assert!(
            rows.iter()
                .all(|r| r.played == Some(r.wins.unwrap() + r.ties.unwrap() + r.losses.unwrap()))
        );
    }

    #[test]
    fn nested_conferences_and_divisions_flatten_to_leaf_groups_named_by_the_leaf() {
        let body = serde_json::json!({
            "name": "National Football League",
            "children": [
                {"name": "American Football Conference", "children": [
                    {"name": "AFC East", "standings": {"season": 2024, "entries": [
                        entry("Miami", serde_json::json!([stat("wins", 8.0), stat("losses", 9.0)])),
                        entry("Buffalo", serde_json::json!([stat("losses", 4.0), stat("wins", 13.0)])),
                    ]}},
                    {"name": "AFC North", "standings": {"entries": [entry("Baltimore", serde_json::json!([]))]}}
                ]},
                {"name": "National Football Conference", "standings": {"entries": [entry("Detroit", serde_json::json!([]))]}}
            ]
        });
        let standings = parse_standings(body.to_string().as_bytes()).unwrap();
        let names: Vec<&str> = standings.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["AFC East", "AFC North", "National Football Conference"]);
        let east = &standings.groups[0].rows;
        // Stats are found by name whatever their position.
        assert_eq!(
            (east[1].team.as_str(), east[1].wins, east[1].losses),
            ("Buffalo", Some(13), Some(4))
        );
        assert_eq!(
            (east[0].wins, east[0].losses, east[0].rank, east[0].ties),
            (Some(8), Some(9), None, None)
        );
        assert_eq!(standings.season, None);
    }

    #[test]
    fn a_root_with_its_own_table_is_one_group_and_rows_sort_by_rank() {
        let body = serde_json::json!({
            "name": "Major League Soccer",
            "standings": {"seasonDisplayName": "2025", "entries": [
                entry("Second", serde_json::json!([stat("rank", 2.0)])),
                entry("Unranked", serde_json::json!([])),
                entry("First", serde_json::json!([stat("rank", 1.0), stat("points", 1.5)])),
            ]}
        });
        let standings = parse_standings(body.to_string().as_bytes()).unwrap();
        assert_eq!(standings.season.as_deref(), Some("2025"));
        assert_eq!(standings.groups.len(), 1);
        assert_eq!(standings.groups[0].name, "Major League Soccer");
        let teams: Vec<&str> = standings.groups[0].rows.iter().map(|r| r.team.as_str()).collect();
        assert_eq!(teams, ["First", "Second", "Unranked"]);
        assert_eq!(standings.groups[0].rows[0].points, Some(1.5));
    }

    #[test]
    fn a_missing_value_falls_back_to_the_display_value_and_fractions_are_no_count() {
        let body = serde_json::json!({"standings": {"entries": [entry("Team", serde_json::json!([
            {"name": "wins", "displayValue": "12"},
            {"name": "losses", "value": 2.5},
            {"name": "ties", "value": null, "displayValue": ""},
        ]))]}});
        let row = &parse_standings(body.to_string().as_bytes()).unwrap().groups[0].rows[0];
        assert_eq!((row.wins, row.losses, row.ties), (Some(12), None, None));
    }

    #[test]
    fn bodies_that_are_not_standings_are_errors_that_quote_no_payload_value() {
        for body in [
            &b"not json"[..],
            b"[]",
            br#"{"name": "secret-value"}"#,
            br#"{"children": "secret-value"}"#,
        ] {
            let err = parse_standings(body).unwrap_err();
            assert!(err.0.starts_with("ESPN standings"), "{err}");
            assert!(!err.0.contains("secret"), "{err}");
        }
        assert_eq!(parse_standings(br#"{"children": []}"#).unwrap().groups, vec![]);
    }
}
