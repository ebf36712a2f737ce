//! ESPN teams (`apis/site/v2/sports/{sport}/{league}/teams`) → [`Team`]s.

use serde::Deserialize;

use super::scoreboard::{Logo, decode, id_text, non_empty};
use crate::domain::Team;
use crate::providers::NormalizeError;

/// Normalizes a teams payload: every `sports[].leagues[].teams[].team`, in upstream order
/// (the league endpoint answers with one sport and one league). `color` is kept only when it
/// is six hex digits.
pub fn parse_teams(body: &[u8]) -> Result<Vec<Team>, NormalizeError> {
    let payload: Payload = decode(body, "teams")?;
    Ok(payload
        .sports
        .into_iter()
        .flat_map(|sport| sport.leagues)
        .flat_map(|league| league.teams)
        .map(|entry| team(entry.team))
        .collect())
}

#[derive(Deserialize)]
struct Payload {
    // Required: without it the body is not a teams answer.
    sports: Vec<Sport>,
}

#[derive(Deserialize)]
struct Sport {
    #[serde(default)]
    leagues: Vec<LeagueTeams>,
}

#[derive(Deserialize)]
struct LeagueTeams {
    #[serde(default)]
    teams: Vec<TeamEntry>,
}

#[derive(Deserialize)]
struct TeamEntry {
    team: WireTeam,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireTeam {
    #[serde(deserialize_with = "id_text")]
    id: String,
    display_name: Option<String>,
    name: Option<String>,
    short_display_name: Option<String>,
    abbreviation: Option<String>,
    location: Option<String>,
    color: Option<String>,
    #[serde(default)]
    logos: Vec<Logo>,
}

fn team(wire: WireTeam) -> Team {
    let short_name = non_empty(wire.short_display_name);
    Team {
        id: wire.id,
        name: non_empty(wire.display_name)
            .or_else(|| non_empty(wire.name))
            .or_else(|| short_name.clone())
            .unwrap_or_default(),
        short_name,
        abbreviation: non_empty(wire.abbreviation),
        location: non_empty(wire.location),
        // The first logo is the full-colour default one in every payload seen.
        logo: wire.logos.into_iter().find_map(|l| non_empty(l.href)),
        color: hex_color(wire.color),
    }
}

/// ESPN writes colours as bare hex ("a4113e", "FFB81C"); a leading '#' is tolerated.
fn hex_color(raw: Option<String>) -> Option<String> {
    let raw = non_empty(raw)?;
    let hex = raw.strip_prefix('#').unwrap_or(&raw);
    (hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| hex.to_owned())
}
