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
        return Err(NormalizeError("ESPN standings: neither `children` nor `standings` present".into()));
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
