//! Property tests of the SerpApi card normalizer: whatever arrives, no panic; every game
//! entry with two teams is a game with its names byte for byte; a kick-off that is known
//! falls on `local_date` in the league's zone. Payloads here are generated, not recordings.

use chrono::DateTime;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::domain::ProviderKind;
use crate::domain::league::SerpapiQuery;
use crate::providers::espn::scoreboard::props::{ZONES, any_json, league_in, team_name};

fn league(zone: Tz) -> League {
    let query = SerpapiQuery {
        query: "prop".into(),
        listed_order: ListedOrder::HomeFirst,
    };
    league_in(zone, Some(query))
}

fn source() -> Source {
    Source {
        provider: ProviderKind::Serpapi,
        fetched_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
    }
}

/// Date and time texts of the shapes Google writes, and junk.
fn when_text() -> impl Strategy<Value = (Option<String>, Option<String>)> {
    let date = prop_oneof![
        Just("today".to_owned()),
        Just("tomorrow".to_owned()),
        Just("yesterday, 11:30\u{202f}AM".to_owned()),
        (1u32..=12, 1u32..=28).prop_map(|(m, d)| format!("{m}/{d}")),
        (1u32..=28).prop_map(|d| format!("Sat, Jul {d}")),
        (1u32..=28).prop_map(|d| format!("{d} Feb")),
        "\\PC{0,10}",
    ];
    let time = prop_oneof![
        (1u32..=12, 0u32..60).prop_map(|(h, m)| format!("{h}:{m:02} PM")),
        (1u32..=12, 0u32..60).prop_map(|(h, m)| format!("{h}:{m:02}\u{202f}am")),
        "\\PC{0,8}",
    ];
    (prop::option::of(date), prop::option::of(time))
}

fn game_entry() -> impl Strategy<Value = (Value, String, String)> {
    (
        team_name(),
        team_name(),
        when_text(),
        prop::option::of(any_json()),
        prop::option::of(any_json()),
    )
        .prop_map(|(home, away, (date, time), status, stadium)| {
            let mut entry = json!({"teams": [{"name": home, "score": "2"}, {"name": away}]});
            if let Some(date) = date {
                entry["date"] = json!(date);
            }
            if let Some(time) = time {
                entry["time"] = json!(time);
            }
            if let Some(status) = status {
                entry["status"] = status;
            }
            if let Some(stadium) = stadium {
                entry["stadium"] = stadium;
            }
            (entry, home, away)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_json_is_games_or_an_error_never_a_panic(value in any_json(), zone in 0..ZONES.len()) {
        let league = league(ZONES[zone]);
        let _ = parse_games(value.to_string().as_bytes(), &league, ZONES[0], &source());
        let card = json!({"sports_results": {"games": [value.clone()], "game_spotlight": value}});
        let _ = parse_games(card.to_string().as_bytes(), &league, ZONES[0], &source());
    }

    #[test]
    fn every_entry_with_two_teams_is_a_game_with_its_names_and_a_consistent_day(
        entries in prop::collection::vec(game_entry(), 0..6),
        spotlight in prop::option::of(game_entry()),
        zone in 0..ZONES.len(),
        search_zone in 0..ZONES.len(),
    ) {
        let zone = ZONES[zone];
        // Stray entries that are not objects (numbers, lists, null) sit between the games.
        let mut listed: Vec<Value> = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            listed.push(entry.0.clone());
            listed.push(if i % 2 == 0 { json!(i) } else { Value::Null });
        }
        let mut card = json!({"games": listed});
        if let Some(spotlight) = &spotlight {
            card["game_spotlight"] = spotlight.0.clone();
        }
        let response = json!({
            "search_metadata": {"status": "Success", "created_at": "2024-04-15 10:32:00 UTC"},
            "sports_results": card,
        });
        let games = parse_games(response.to_string().as_bytes(), &league(zone), ZONES[search_zone], &source()).unwrap();
        let expected: Vec<&(Value, String, String)> = spotlight.iter().chain(&entries).collect();
        prop_assert_eq!(games.len(), expected.len());
        for (game, (_, home, away)) in games.iter().zip(expected) {
            prop_assert_eq!(&game.home.name, home);
            prop_assert_eq!(&game.away.name, away);
            if let Some(at) = game.starts_at {
                prop_assert_eq!(game.local_date, Some(at.with_timezone(&zone).date_naive()));
            }
        }
        let ids: std::collections::HashSet<&str> = games.iter().map(|g| g.id.as_str()).collect();
        prop_assert_eq!(ids.len(), games.len(), "ids are unique");
    }
}
