//! Tests of `scoreboard` against the recorded upstream payloads.
use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone};

use super::*;
use crate::domain::{Catalogue, LeagueId, ProviderKind};

const NFL_WEEK_11: &str = "nfl-scoreboard-week11-live-scheduled-final-2022-11-20.json";
const NFL_WEEK_5: &str = "nfl-scoreboard-week5-all-scheduled-2023-10-05.json";
const MLB: &str = "mlb-scoreboard-live-raindelay-final-scheduled-2025-09-27.json";
const NBA_EMPTY: &str = "nba-scoreboard-no-games-2026-02-18.json";
const NBA: &str = "nba-scoreboard-scheduled-2026-02-23.json";
const NHL: &str = "nhl-scoreboard-preseason-single-scheduled-2025-09-20.json";
const EPL: &str = "soccer-eng1-scoreboard-final-scheduled-2025-09-27.json";
const WC_LIVE: &str = "soccer-fifa-world-scoreboard-live-final-scheduled-2026-07-12.json";
const WC_HALFTIME: &str = "soccer-fifa-world-scoreboard-halftime-2026-07-14.json";
const WC_SMALL: &str = "soccer-fifa-world-scoreboard-small-2026-07-01.json";
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/upstream/espn");

fn league(id: &str) -> League {
    let catalogue = Catalogue::load(&BTreeMap::new()).unwrap();
    catalogue.get(id).unwrap().as_ref().clone()
}

/// The World Cup is not in the bundled catalogue; ESPN's texts for it are US Eastern.
fn world_cup() -> League {
    League {
        id: LeagueId::parse("worldcup").unwrap(),
        name: "FIFA World Cup".into(),
        sport: "soccer".into(),
        time_zone: chrono_tz::America::New_York,
        serpapi: None,
        espn: None,
    }
}

fn source() -> Source {
    let fetched_at = Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap();
    Source {
        provider: ProviderKind::Espn,
        fetched_at,
    }
}

fn games(file: &str, league: &League) -> Vec<Game> {
    let body = std::fs::read(format!("{FIXTURES}/{file}")).unwrap();
    parse_scoreboard(&body, league, &source()).unwrap()
}

fn by_id<'a>(games: &'a [Game], id: &str) -> &'a Game {
    games.iter().find(|g| g.id == id).unwrap()
}

fn count(games: &[Game], status: GameStatus) -> usize {
    games.iter().filter(|g| g.status == status).count()
}

/// (home name, home score, away name, away score)
fn line(g: &Game) -> (&str, Option<u32>, &str, Option<u32>) {
    (&g.home.name, g.home.score, &g.away.name, g.away.score)
}

fn utc(text: &str) -> Option<DateTime<Utc>> {
    Some(DateTime::parse_from_rfc3339(text).unwrap().to_utc())
}

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A one-event NFL scoreboard, for cases no fixture shows.
fn one_event(date: &str, state: &str, name: &str) -> Game {
    let body = serde_json::json!({"events": [{
        "id": "1", "date": date,
        "status": {"type": {"name": name, "state": state,
            "detail": "Sun, March 10th at 1:00 PM EST", "shortDetail": "3/10 - 1:00 PM EST"}},
        "competitions": [{"competitors": [
            {"homeAway": "away", "score": "3", "team": {"displayName": "Away Team"}},
            {"homeAway": "home", "score": "5", "team": {"displayName": "Home Team"}}
        ]}]
    }]});
    let games = parse_scoreboard(body.to_string().as_bytes(), &league("nfl"), &source());
    games.unwrap().remove(0)
}

#[test]
fn every_scoreboard_fixture_yields_one_game_per_event_with_ids_league_and_source() {
    let cases = [
        (NFL_WEEK_11, league("nfl")),
        (NFL_WEEK_5, league("nfl")),
        (MLB, league("mlb")),
        (NBA_EMPTY, league("nba")),
        (NBA, league("nba")),
        (NHL, league("nhl")),
        (EPL, league("epl")),
        (WC_LIVE, world_cup()),
        (WC_HALFTIME, world_cup()),
        (WC_SMALL, world_cup()),
    ];
    let on_disk = std::fs::read_dir(FIXTURES).unwrap();
    let on_disk = on_disk.filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("scoreboard"));
    assert_eq!(on_disk.count(), cases.len(), "a scoreboard fixture is not covered");
    for (file, league) in cases {
        let raw: serde_json::Value =
            serde_json::from_slice(&std::fs::read(format!("{FIXTURES}/{file}")).unwrap()).unwrap();
        let events = raw["events"].as_array().unwrap();
        let event_ids: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
        let games = games(file, &league);
        let game_ids: Vec<&str> = games.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(game_ids, event_ids, "{file}");
        for g in &games {
            let at = format!("{file} {}", g.id);
            assert_eq!((&g.league, &g.source), (&league.id, &source()), "{at}");
            assert!(g.home_away_known && g.venue.is_some() && g.time_text.is_none(), "{at}");
            assert!(g.starts_at.is_some() && g.local_date.is_some(), "{at}");
            assert_ne!(g.status, GameStatus::Unknown, "{at}");
        }
    }
}

#[test]
fn scheduled_games_have_no_scores_and_finished_or_live_games_have_both() {
    for (file, league) in [
        (NFL_WEEK_11, league("nfl")),
        (MLB, league("mlb")),
        (EPL, league("epl")),
        (WC_LIVE, world_cup()),
    ] {
        for g in games(file, &league) {
            let scored = g.home.score.is_some() && g.away.score.is_some();
            let unscored = g.home.score.is_none() && g.away.score.is_none();
            let ok = match g.status {
                GameStatus::Scheduled => unscored && g.clock.is_none() && g.date_text.is_some(),
                GameStatus::Live => scored && g.clock.is_some() && g.date_text.is_none(),
                GameStatus::Final => scored && g.clock.is_none() && g.date_text.is_none(),
                _ => false,
            };
            assert!(ok, "{file} {}: {g:?}", g.id);
        }
    }
}

#[test]
fn nfl_week_11_has_eight_live_five_scheduled_and_one_final_game() {
    let games = games(NFL_WEEK_11, &league("nfl"));
    assert_eq!(games.len(), 14);
    assert_eq!(count(&games, GameStatus::Live), 8);
    assert_eq!(count(&games, GameStatus::Scheduled), 5);
    assert_eq!(count(&games, GameStatus::Final), 1);
}

#[test]
fn nfl_thursday_final_has_the_packers_at_home_losing_17_to_27() {
    let games = games(NFL_WEEK_11, &league("nfl"));
    let g = by_id(&games, "401437844");
    assert_eq!(g.status, GameStatus::Final);
    assert_eq!(line(g), ("Green Bay Packers", Some(17), "Tennessee Titans", Some(27)));
    assert_eq!(
        (g.home.abbreviation.as_deref(), g.away.abbreviation.as_deref()),
        (Some("GB"), Some("TEN"))
    );
    assert_eq!(
        g.home.logo.as_deref(),
        Some("https://a.espncdn.com/i/teamlogos/nfl/500/scoreboard/gb.png")
    );
    assert_eq!(g.starts_at, utc("2022-11-18T01:15:00Z"));
    // Thursday Night Football: after midnight UTC, still Thursday in New York.
    assert_eq!(g.local_date, day(2022, 11, 17));
    assert_eq!((g.venue.as_deref(), g.clock.as_deref()), (Some("Lambeau Field"), None));
}

#[test]
fn nfl_live_game_carries_its_scores_and_short_detail_as_clock() {
    let games = games(NFL_WEEK_11, &league("nfl"));
    let g = by_id(&games, "401437845");
    assert_eq!(g.status, GameStatus::Live);
    assert_eq!(line(g), ("Atlanta Falcons", Some(7), "Chicago Bears", Some(7)));
    assert_eq!(g.clock.as_deref(), Some("11:50 - 2nd"));
    assert_eq!(
        line(by_id(&games, "401437848")),
        ("Houston Texans", Some(0), "Washington Commanders", Some(14))
    );
}

#[test]
fn nfl_sunday_night_game_at_0120_utc_is_dated_the_sunday_in_new_york() {
    let games = games(NFL_WEEK_11, &league("nfl"));
    let g = by_id(&games, "401437854");
    assert_eq!(g.status, GameStatus::Scheduled);
    assert_eq!(g.starts_at, utc("2022-11-21T01:20:00Z"));
    assert_eq!(g.local_date, day(2022, 11, 20));
    assert_eq!(g.date_text.as_deref(), Some("Sun, November 20th at 8:20 PM EST"));
    assert_eq!(line(g), ("Los Angeles Chargers", None, "Kansas City Chiefs", None));
}

#[test]
fn neutral_site_games_keep_the_side_espn_labels_home() {
    let week_11 = games(NFL_WEEK_11, &league("nfl"));
    let detroit = by_id(&week_11, "401437847");
    assert_eq!(detroit.venue.as_deref(), Some("Ford Field"));
    assert_eq!(line(detroit), ("Buffalo Bills", Some(3), "Cleveland Browns", Some(10)));
    let mexico = by_id(&week_11, "401435642");
    assert_eq!(mexico.venue.as_deref(), Some("Estadio Azteca"));
    assert_eq!(line(mexico), ("Arizona Cardinals", None, "San Francisco 49ers", None));
    assert_eq!(mexico.local_date, day(2022, 11, 21));

    let week_5 = games(NFL_WEEK_5, &league("nfl"));
    let london = by_id(&week_5, "401547228");
    assert!(london.home_away_known);
    assert_eq!(line(london), ("Buffalo Bills", None, "Jacksonville Jaguars", None));
    assert_eq!(london.venue.as_deref(), Some("Tottenham Hotspur Stadium"));
    assert_eq!(london.stage.as_deref(), Some("International Series"));
    assert_eq!(
        (london.starts_at, london.local_date),
        (utc("2023-10-08T13:30:00Z"), day(2023, 10, 8))
    );
}

#[test]
fn nfl_week_5_is_fourteen_scheduled_games_without_scores() {
    let games = games(NFL_WEEK_5, &league("nfl"));
    assert_eq!((games.len(), count(&games, GameStatus::Scheduled)), (14, 14));
    let thursday = by_id(&games, "401547457");
    assert_eq!(thursday.local_date, day(2023, 10, 5));
    assert_eq!(thursday.date_text.as_deref(), Some("Thu, October 5th at 8:15 PM EDT"));
    assert_eq!(thursday.stage, None);
}

#[test]
fn mlb_rain_delay_counts_as_live_with_its_detail_as_clock() {
    let games = games(MLB, &league("mlb"));
    assert_eq!(games.len(), 8);
    assert_eq!(count(&games, GameStatus::Live), 4);
    assert_eq!(count(&games, GameStatus::Scheduled), 3);
    assert_eq!(count(&games, GameStatus::Final), 1);
    let rain = by_id(&games, "401697309");
    assert_eq!(rain.status, GameStatus::Live);
    assert_eq!(rain.clock.as_deref(), Some("Rain Delay, Top 1st"));
    assert_eq!(
        line(rain),
        ("Washington Nationals", Some(0), "Chicago White Sox", Some(0))
    );
}

#[test]
fn mlb_final_and_scheduled_games_read_as_espn_wrote_them() {
    let games = games(MLB, &league("mlb"));
    let yankees = by_id(&games, "401697308");
    assert_eq!(yankees.status, GameStatus::Final);
    assert_eq!(
        line(yankees),
        ("New York Yankees", Some(6), "Baltimore Orioles", Some(1))
    );
    assert_eq!(
        (yankees.starts_at, yankees.local_date),
        (utc("2025-09-27T17:05:00Z"), day(2025, 9, 27))
    );
    // MLB's `detail` says only "Scheduled"; the date lives in `shortDetail`.
    let fenway = by_id(&games, "401697310");
    assert_eq!(fenway.date_text.as_deref(), Some("9/27 - 4:10 PM EDT"));
    assert_eq!(line(fenway), ("Boston Red Sox", None, "Detroit Tigers", None));
}

#[test]
fn nba_day_without_games_is_an_empty_list() {
    assert_eq!(games(NBA_EMPTY, &league("nba")), vec![]);
}

#[test]
fn nba_evening_games_after_midnight_utc_fall_on_the_eastern_date() {
    let games = games(NBA, &league("nba"));
    assert_eq!(count(&games, GameStatus::Scheduled), 3);
    assert!(games.iter().all(|g| g.local_date == day(2026, 2, 23)));
    let g = by_id(&games, "401810683");
    assert_eq!(line(g), ("Detroit Pistons", None, "San Antonio Spurs", None));
    assert_eq!(g.starts_at, utc("2026-02-24T00:00:00Z"));
    assert_eq!(g.date_text.as_deref(), Some("Mon, February 23rd at 7:00 PM EST"));
}

#[test]
fn nhl_preseason_file_is_one_scheduled_game_in_dallas() {
    let games = games(NHL, &league("nhl"));
    assert_eq!(games.len(), 1);
    let g = &games[0];
    assert_eq!(g.status, GameStatus::Scheduled);
    assert_eq!(line(g), ("Dallas Stars", None, "St. Louis Blues", None));
    assert_eq!(
        (g.starts_at, g.local_date),
        (utc("2025-09-20T23:00:00Z"), day(2025, 9, 20))
    );
    assert_eq!(g.venue.as_deref(), Some("American Airlines Center"));
}

#[test]
fn premier_league_day_has_six_finals_and_one_scheduled_game_dated_in_london() {
    let games = games(EPL, &league("epl"));
    assert_eq!(
        (count(&games, GameStatus::Final), count(&games, GameStatus::Scheduled)),
        (6, 1)
    );
    let g = by_id(&games, "740649");
    assert_eq!(line(g), ("Brentford", Some(3), "Manchester United", Some(1)));
    assert_eq!(g.venue.as_deref(), Some("Gtech Community Stadium"));
    let spurs = by_id(&games, "740646");
    assert_eq!(
        (spurs.starts_at, spurs.local_date),
        (utc("2025-09-27T19:00:00Z"), day(2025, 9, 27))
    );
    // Soccer's shortDetail is the word "Scheduled"; the detail holds the date.
    assert_eq!(spurs.date_text.as_deref(), Some("Sat, September 27th at 3:00 PM EDT"));
    assert_eq!(spurs.stage, None);
}

#[test]
fn world_cup_live_file_has_one_live_four_scheduled_and_27_final_games() {
    let games = games(WC_LIVE, &world_cup());
    assert_eq!(games.len(), 32);
    assert_eq!(count(&games, GameStatus::Live), 1);
    assert_eq!(count(&games, GameStatus::Scheduled), 4);
    assert_eq!(count(&games, GameStatus::Final), 27);
    let live = by_id(&games, "760513");
    assert_eq!(line(live), ("Argentina", Some(1), "Switzerland", Some(0)));
    assert_eq!(live.clock.as_deref(), Some("45'+1'"));
    assert_eq!(live.stage.as_deref(), Some("FIFA World Cup, Quarterfinals"));
    assert_eq!(live.venue.as_deref(), Some("GEHA Field at Arrowhead Stadium"));
}

#[test]
fn world_cup_placeholder_teams_are_kept_as_espn_names_them() {
    let games = games(WC_LIVE, &world_cup());
    assert_eq!(
        line(by_id(&games, "760515")),
        ("England", None, "Quarterfinal 4 Winner", None)
    );
    let third = by_id(&games, "760516");
    assert_eq!(line(third), ("Semifinal 1 Loser", None, "Semifinal 2 Loser", None));
    assert_eq!(third.home.abbreviation.as_deref(), Some("SF L1"));
    assert_eq!(third.stage.as_deref(), Some("FIFA World Cup, 3rd-Place Match"));
}

#[test]
fn world_cup_shootouts_are_final_with_the_level_score_and_the_round_as_stage() {
    let games = games(WC_LIVE, &world_cup());
    let g = by_id(&games, "760489");
    assert_eq!(g.status, GameStatus::Final);
    assert_eq!(line(g), ("Germany", Some(1), "Paraguay", Some(1)));
    // The penalty note ("Paraguay advance 4-3 on penalties") is a result, not a stage.
    assert_eq!(g.stage.as_deref(), Some("FIFA World Cup, Round of 32"));
    assert_eq!(
        (g.starts_at, g.local_date),
        (utc("2026-06-29T20:30:00Z"), day(2026, 6, 29))
    );
}

#[test]
fn world_cup_halftime_counts_as_live_with_ht_as_clock() {
    let games = games(WC_HALFTIME, &world_cup());
    assert_eq!(games.len(), 32);
    assert_eq!(count(&games, GameStatus::Live), 1);
    assert_eq!(count(&games, GameStatus::Scheduled), 3);
    assert_eq!(count(&games, GameStatus::Final), 28);
    let g = by_id(&games, "760514");
    assert_eq!(g.clock.as_deref(), Some("HT"));
    assert_eq!(line(g), ("France", Some(0), "Spain", Some(1)));
}

#[test]
fn world_cup_small_file_has_one_final_and_two_scheduled_games() {
    let games = games(WC_SMALL, &world_cup());
    assert_eq!(
        (count(&games, GameStatus::Final), count(&games, GameStatus::Scheduled)),
        (1, 2)
    );
    assert_eq!(line(by_id(&games, "760495")), ("England", Some(2), "Congo DR", Some(1)));
    let late = by_id(&games, "760494");
    assert_eq!(
        (late.starts_at, late.local_date),
        (utc("2026-07-02T00:00:00Z"), day(2026, 7, 1))
    );
}

#[test]
fn local_dates_follow_the_us_dst_changes_not_a_fixed_offset() {
    let date_of = |at: &str| one_event(at, "pre", "STATUS_SCHEDULED").local_date;
    // Spring forward is 2024-03-10 07:00Z. Before it 04:30Z is 23:30 EST on the 9th
    // (EDT would say 00:30 on the 10th); after it 04:30Z is 00:30 EDT (EST would say 23:30).
    assert_eq!(date_of("2024-03-10T04:30Z"), day(2024, 3, 9));
    assert_eq!(date_of("2024-03-11T04:30Z"), day(2024, 3, 11));
    // Fall back is 2024-11-03 06:00Z: 04:30Z the next night is 23:30 EST on the 3rd.
    assert_eq!(date_of("2024-11-03T05:30Z"), day(2024, 11, 3));
    assert_eq!(date_of("2024-11-04T04:30Z"), day(2024, 11, 3));
    assert_eq!(date_of("2024-11-04T05:00Z"), day(2024, 11, 4));
}

#[test]
fn dates_with_seconds_or_offsets_parse_and_unparsable_ones_keep_the_game() {
    let starts_at = |at: &str| one_event(at, "pre", "STATUS_SCHEDULED").starts_at;
    assert_eq!(starts_at("2024-03-10T04:30:15Z"), utc("2024-03-10T04:30:15Z"));
    assert_eq!(starts_at("2024-03-09T23:30:00-05:00"), utc("2024-03-10T04:30:00Z"));
    let kept = one_event("next Sunday", "pre", "STATUS_SCHEDULED");
    assert_eq!(
        (kept.starts_at, kept.local_date, kept.home.name.as_str()),
        (None, None, "Home Team")
    );
}

#[test]
fn status_maps_on_state_first_then_refines_by_name() {
    for (state, name, expected) in [
        ("pre", "STATUS_SCHEDULED", GameStatus::Scheduled),
        ("in", "STATUS_FIRST_HALF", GameStatus::Live),
        ("in", "STATUS_RAIN_DELAY", GameStatus::Live),
        ("post", "STATUS_FINAL_AET", GameStatus::Final),
        ("post", "STATUS_POSTPONED", GameStatus::Postponed),
        ("pre", "STATUS_POSTPONED", GameStatus::Postponed),
        ("post", "STATUS_CANCELED", GameStatus::Canceled),
        ("post", "STATUS_CANCELLED", GameStatus::Canceled),
        ("pre", "STATUS_DELAYED", GameStatus::Scheduled),
        ("pre", "STATUS_SUSPENDED", GameStatus::Scheduled),
        ("post", "STATUS_SUSPENDED", GameStatus::Unknown),
        ("later", "STATUS_WHATEVER", GameStatus::Unknown),
    ] {
        assert_eq!(
            one_event("2024-03-10T18:00Z", state, name).status,
            expected,
            "{state} {name}"
        );
    }
}

#[test]
fn only_live_and_final_games_show_the_scores_espn_sends() {
    for (state, name) in [
        ("post", "STATUS_POSTPONED"),
        ("", "STATUS_NEW"),
        ("pre", "STATUS_SCHEDULED"),
    ] {
        let g = one_event("2024-03-10T18:00Z", state, name);
        assert_eq!((g.home.score, g.away.score, g.clock), (None, None, None), "{name}");
    }
    for (state, name) in [("in", "STATUS_IN_PROGRESS"), ("post", "STATUS_FINAL")] {
        let g = one_event("2024-03-10T18:00Z", state, name);
        assert_eq!(line(&g), ("Home Team", Some(5), "Away Team", Some(3)), "{name}");
    }
}

#[test]
fn unlabelled_competitors_fall_back_to_listed_order_marked_unknown() {
    let body = br#"{"events":[{"id":"9","competitions":[{"competitors":[
        {"team":{"displayName":"First"}},{"team":{"displayName":"Second"}}]}]}]}"#;
    let g = &parse_scoreboard(body, &league("nfl"), &source()).unwrap()[0];
    assert!(!g.home_away_known);
    assert_eq!((g.away.name.as_str(), g.home.name.as_str()), ("First", "Second"));
    assert_eq!((g.status, g.starts_at), (GameStatus::Unknown, None));
}

#[test]
fn bodies_that_are_not_a_scoreboard_are_errors_that_quote_no_payload_value() {
    let nfl = league("nfl");
    for body in [
        &b"<html>rate limited</html>"[..],
        b"",
        b"{}",
        b"[]",
        br#"{"events": "secret-value"}"#,
    ] {
        let err = parse_scoreboard(body, &nfl, &source()).unwrap_err().0;
        assert!(err.starts_with("ESPN scoreboard"), "{err}");
        assert!(!err.contains("secret") && !err.contains("html"), "{err}");
    }
    let missing = parse_scoreboard(b"{\"leagues\": []}", &nfl, &source()).unwrap_err().0;
    assert!(missing.contains("`events`"), "{missing}");
}

#[test]
fn one_odd_field_costs_no_game_and_an_event_without_an_id_is_skipped_alone() {
    let body = br#"{"events": [
        {"id": {"secret-value": 1}},
        {"id": "1", "date": 7, "status": "final", "competitions": [{"venue": "x", "notes": {}, "competitors": [
            {"homeAway": 7, "team": {"displayName": "First", "logos": "none"}},
            {"homeAway": "away", "team": {"displayName": "Second"}}]}]}
    ]}"#;
    let games = parse_scoreboard(body, &league("nfl"), &source()).unwrap();
    assert_eq!(games.len(), 1);
    let g = &games[0];
    assert_eq!(
        (g.id.as_str(), g.home.name.as_str(), g.away.name.as_str()),
        ("1", "First", "Second")
    );
    assert_eq!(
        (g.status, g.starts_at, g.venue.as_deref()),
        (GameStatus::Unknown, None, None)
    );
}
