//! Property tests of the scoreboard normalizer: whatever ESPN sends, no panic; every event
//! with two teams is a game, with the names byte for byte and `local_date` the day of
//! `starts_at` in the league's zone. Payloads here are generated, not recordings.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::domain::{LeagueId, ProviderKind};

/// A made-up league in `zone` (what the normalizers read of a league is its id and zone,
/// and for SerpApi its listed order).
pub(crate) fn league_in(zone: Tz, serpapi: Option<crate::domain::league::SerpapiQuery>) -> League {
    League {
        id: LeagueId::parse("prop").unwrap(),
        name: "Property league".into(),
        sport: "soccer".into(),
        time_zone: zone,
        serpapi,
        espn: None,
    }
}

fn league(zone: Tz) -> League {
    league_in(zone, None)
}

fn source() -> Source {
    Source {
        provider: ProviderKind::Espn,
        fetched_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
    }
}

/// Any JSON value, nested a few levels.
pub(crate) fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A team name as upstreams send them: any printable text, no surrounding spaces.
pub(crate) fn team_name() -> impl Strategy<Value = String> {
    "\\PC{1,24}".prop_filter("trimmed and non-empty", |s| !s.trim().is_empty() && s.trim() == s)
}

pub(crate) const ZONES: [Tz; 6] = [
    chrono_tz::America::New_York,
    chrono_tz::America::Los_Angeles,
    chrono_tz::Europe::London,
    chrono_tz::Europe::Berlin,
    chrono_tz::Australia::Sydney,
    chrono_tz::Asia::Kolkata,
];

/// An event with two labelled competitors, and noise (any JSON) in the fields around them.
fn event() -> impl Strategy<Value = (Value, String, String, DateTime<Utc>)> {
    (
        team_name(),
        team_name(),
        0i64..4_102_444_800,
        any::<bool>(),
        prop::option::of(any_json()),
        prop::option::of(any_json()),
        prop::option::of(any_json()),
        any::<bool>(),
    )
        .prop_map(|(home, away, secs, seconds_form, status, venue, notes, away_first)| {
            let at = DateTime::from_timestamp(secs - secs % 60, 0).unwrap();
            let date = if seconds_form {
                at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            } else {
                at.format("%Y-%m-%dT%H:%MZ").to_string()
            };
            let home_side =
                json!({"homeAway": "home", "score": "1", "team": {"displayName": home, "abbreviation": "H"}});
            let away_side = json!({"homeAway": "away", "team": {"displayName": away}});
            let competitors = if away_first {
                json!([away_side, home_side])
            } else {
                json!([home_side, away_side])
            };
            let mut competition = json!({"competitors": competitors});
            if let Some(venue) = venue {
                competition["venue"] = venue;
            }
            if let Some(notes) = notes {
                competition["notes"] = notes;
            }
            let mut event = json!({"id": secs.to_string(), "date": date, "competitions": [competition]});
            if let Some(status) = status {
                event["status"] = status;
            }
            (event, home, away, at)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_json_is_a_board_or_an_error_never_a_panic(value in any_json(), zone in 0..ZONES.len()) {
        let _ = parse_scoreboard(value.to_string().as_bytes(), &league(ZONES[zone]), &source());
        let board = json!({"events": [value]});
        let _ = parse_scoreboard(board.to_string().as_bytes(), &league(ZONES[zone]), &source());
    }

    #[test]
    fn every_event_with_two_teams_is_a_game_with_its_names_and_its_local_day(
        events in prop::collection::vec(event(), 0..6),
        zone in 0..ZONES.len(),
        extra in any_json(),
    ) {
        let zone = ZONES[zone];
        let mut board = json!({"events": events.iter().map(|e| e.0.clone()).collect::<Vec<_>>()});
        board["leagues"] = extra;
        let games = parse_scoreboard(board.to_string().as_bytes(), &league(zone), &source()).unwrap();
        prop_assert_eq!(games.len(), events.len());
        for (game, (_, home, away, at)) in games.iter().zip(&events) {
            prop_assert_eq!(&game.home.name, home);
            prop_assert_eq!(&game.away.name, away);
            prop_assert!(game.home_away_known);
            prop_assert_eq!(game.starts_at, Some(*at));
            prop_assert_eq!(game.local_date, Some(at.with_timezone(&zone).date_naive()));
        }
    }
}
