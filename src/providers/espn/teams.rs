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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn nfl() -> Vec<Team> {
        parse_teams(include_bytes!("../../../tests/data/upstream/espn/teams-nfl-2024.json")).unwrap()
    }

    #[test]
    fn nfl_2024_has_32_teams_with_distinct_ids_logos_and_colours() {
        let teams = nfl();
        assert_eq!(teams.len(), 32);
        assert_eq!(teams.iter().map(|t| t.id.as_str()).collect::<HashSet<_>>().len(), 32);
        assert!(
            teams
                .iter()
                .all(|t| t.logo.is_some() && t.color.is_some() && t.abbreviation.is_some())
        );
    }

    #[test]
    fn arizona_reads_as_espn_lists_it() {
        let teams = nfl();
        assert_eq!(
            teams[0],
            Team {
                id: "22".into(),
                name: "Arizona Cardinals".into(),
                short_name: Some("Cardinals".into()),
                abbreviation: Some("ARI".into()),
                location: Some("Arizona".into()),
                logo: Some("https://a.espncdn.com/i/teamlogos/nfl/500/ari.png".into()),
                color: Some("a4113e".into()),
            }
        );
        let niners = teams.iter().find(|t| t.abbreviation.as_deref() == Some("SF")).unwrap();
        assert_eq!(
            (niners.name.as_str(), niners.short_name.as_deref()),
            ("San Francisco 49ers", Some("49ers"))
        );
    }

    #[test]
    fn numeric_ids_are_accepted_and_odd_colours_are_dropped() {
        let body = br##"{"sports":[{"leagues":[{"teams":[
            {"team":{"id":7,"name":"Nickname","color":"#FFB81C"}},
            {"team":{"id":"8","displayName":"Other","color":"red","logos":[]}}]}]}]}"##;
        let teams = parse_teams(body).unwrap();
        assert_eq!(
            (teams[0].id.as_str(), teams[0].name.as_str(), teams[0].color.as_deref()),
            ("7", "Nickname", Some("FFB81C"))
        );
        assert_eq!((teams[1].color.as_deref(), teams[1].logo.as_deref()), (None, None));
    }

    #[test]
    fn bodies_that_are_not_a_teams_answer_are_errors_that_quote_no_payload_value() {
        for body in [
            &b"{"[..],
            b"{}",
            br#"{"sports": "secret-value"}"#,
            br#"{"sports":[{"leagues":[{"teams":[{"team":{"name":"secret"}}]}]}]}"#,
        ] {
            let err = parse_teams(body).unwrap_err();
            assert!(err.0.starts_with("ESPN teams"), "{err}");
            assert!(!err.0.contains("secret"), "{err}");
        }
        assert_eq!(parse_teams(br#"{"sports": []}"#).unwrap(), vec![]);
    }
}
