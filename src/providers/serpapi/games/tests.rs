//! Tests of `games` against the recorded upstream payloads.
use super::*;
use crate::domain::{Catalogue, ProviderKind};
use chrono_tz::America::{Chicago, New_York};
use chrono_tz::Asia::Singapore;
use chrono_tz::Europe::London;

const VILLA_UK: &str = "team-aston-villa-spotlight-final-2024-04-14.json";
const VILLA_US: &str = "team-aston-villa-games-plus-spotlight-2024-04-15.json";
const UNITED: &str = "team-man-united-games-list-2024-04-19.json";
const ARSENAL_SG: &str = "team-arsenal-spotlight-upcoming-sg-2022-01-20.json";
const NO_CARD: &str = "no-sports-results-liverpool-kg-sg-2022-01-20.json";
const BUNDESLIGA_2: &str = "league-2-bundesliga-games-list-us-2023-08-03.json";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/upstream/serpapi/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn league(id: &str) -> League {
    Catalogue::load(&Default::default())
        .unwrap()
        .get(id)
        .unwrap()
        .as_ref()
        .clone()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn source(fetched_at: &str) -> Source {
    Source {
        provider: ProviderKind::Serpapi,
        fetched_at: utc(fetched_at),
    }
}

fn parse(name: &str, league_id: &str, zone: Tz, fetched_at: &str) -> Vec<Game> {
    parse_games(&fixture(name), &league(league_id), zone, &source(fetched_at)).unwrap()
}

fn find<'a>(games: &'a [Game], home: &str, away: &str) -> &'a Game {
    games
        .iter()
        .find(|g| g.home.name == home && g.away.name == away)
        .unwrap_or_else(|| panic!("no {home} v {away} in {games:#?}"))
}

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A full response around `games`, read for the EPL with a fetch time nothing may use.
fn synthetic(games: &str, created_at: &str, zone: Tz) -> Vec<Game> {
    let body = format!(
        r#"{{"search_metadata": {{"status": "Success", "created_at": "{created_at}"}},
            "sports_results": {{"games": {games}}}}}"#
    );
    let src = source("2030-01-01T00:00:00Z");
    parse_games(body.as_bytes(), &league("epl"), zone, &src).unwrap()
}

/// (home, home score, away, away score).
fn sides(g: &Game) -> (&str, Option<u32>, &str, Option<u32>) {
    (&g.home.name, g.home.score, &g.away.name, g.away.score)
}

#[test]
fn the_spotlight_and_the_games_list_are_both_kept() {
    let games = parse(VILLA_UK, "epl", London, "2024-04-14T18:59:00Z");
    assert_eq!(games.len(), 3, "1 spotlight + 2 games");
    let spot = &games[0];
    assert_eq!(sides(spot), ("Arsenal", Some(0), "Aston Villa", Some(2)));
    assert_eq!((spot.status, spot.clock.as_deref()), (GameStatus::Final, None));
    assert_eq!(spot.venue.as_deref(), Some("Emirates Stadium"));
    // A raw U+202F in this file (the 04-15 file writes it as a \u escape).
    assert_eq!(spot.date_text.as_deref(), Some("today, 4:30\u{202f}PM"));
    assert_eq!(spot.time_text, None);
    // No search_metadata here: "today" is the fetch day; 16:30 BST.
    assert_eq!(spot.starts_at, Some(utc("2024-04-14T15:30:00Z")));
    assert!(spot.home_away_known);
    let logo = spot.home.logo.as_deref().unwrap();
    assert!(logo.starts_with("https://ssl.gstatic.com/"), "{logo}");
    let losc = find(&games, "LOSC", "Aston Villa");
    assert_eq!(losc.starts_at, Some(utc("2024-04-18T16:45:00Z")));
    assert_eq!(losc.stage.as_deref(), Some("Quarter-final · Leg 2 of 2"));
    assert_eq!((losc.status, losc.home.score), (GameStatus::Scheduled, None));
    let villa = find(&games, "Aston Villa", "Bournemouth");
    assert_eq!(villa.venue.as_deref(), Some("Villa Park"));
}

#[test]
fn a_bare_array_of_games_plus_spotlight_reads_the_narrow_space_time() {
    let games = parse(VILLA_US, "epl", New_York, "2024-04-15T10:32:00Z");
    assert_eq!(games.len(), 3);
    let arsenal = find(&games, "Arsenal", "Aston Villa");
    let written = Some("yesterday, 11:30\u{202f}AM");
    assert_eq!(arsenal.date_text.as_deref(), written, "kept exactly as written");
    assert_eq!(arsenal.starts_at, Some(utc("2024-04-14T15:30:00Z")));
    assert_eq!(arsenal.local_date, day(2024, 4, 14));
    assert_eq!(sides(arsenal), ("Arsenal", Some(0), "Aston Villa", Some(2)));
    assert_eq!(arsenal.status, GameStatus::Final);
    let losc = find(&games, "LOSC", "Aston Villa");
    assert_eq!(losc.time_text.as_deref(), Some("12:45 PM"));
    // 12:45 EDT = 17:45 BST, as the UK search of the day before said.
    assert_eq!(losc.starts_at, Some(utc("2024-04-18T16:45:00Z")));
    let villa = find(&games, "Aston Villa", "Bournemouth");
    assert_eq!(villa.starts_at, Some(utc("2024-04-21T14:00:00Z")));
}

#[test]
fn the_same_game_has_the_same_id_in_searches_from_different_zones_and_days() {
    let uk = parse(VILLA_UK, "epl", London, "2024-04-14T18:59:00Z");
    let us = parse(VILLA_US, "epl", New_York, "2024-04-15T10:32:00Z");
    let pairs = [
        ("Arsenal", "Aston Villa"),
        ("LOSC", "Aston Villa"),
        ("Aston Villa", "Bournemouth"),
    ];
    for (home, away) in pairs {
        let (a, b) = (find(&uk, home, away), find(&us, home, away));
        assert_eq!(a.id, b.id, "{home} v {away}");
        assert_eq!(a.starts_at, b.starts_at, "{home} v {away}");
    }
}

#[test]
fn a_man_united_games_list_keeps_finished_and_upcoming_games() {
    let games = parse(UNITED, "epl", New_York, "2024-04-19T06:41:00Z");
    assert_eq!(games.len(), 6);
    let finals: Vec<_> = games.iter().filter(|g| g.status == GameStatus::Final).collect();
    assert_eq!(finals.len(), 3);
    for g in finals {
        assert!(g.starts_at.is_none() && g.time_text.is_none() && g.home.score.is_some());
    }
    let chelsea = find(&games, "Chelsea", "Man United");
    assert_eq!(sides(chelsea), ("Chelsea", Some(4), "Man United", Some(3)));
    assert_eq!(chelsea.date_text.as_deref(), Some("Apr 4"));
    assert_eq!(chelsea.local_date, day(2024, 4, 4), "no weekday, no time: as written");
    let cherries = find(&games, "Bournemouth", "Man United");
    assert_eq!(cherries.venue.as_deref(), Some("Vitality Stadium"));
    let semi = find(&games, "Coventry", "Man United");
    assert_eq!(semi.stage.as_deref(), Some("Semi-Finals"));
    assert_eq!(semi.status, GameStatus::Scheduled);
    assert_eq!(semi.starts_at, Some(utc("2024-04-21T14:30:00Z")));
    let blades = find(&games, "Man United", "Sheffield United");
    assert_eq!(blades.starts_at, Some(utc("2024-04-24T19:00:00Z")));
    let ids: std::collections::HashSet<_> = games.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids.len(), 6);
}

#[test]
fn a_league_with_unknown_listed_order_puts_the_first_team_away() {
    let games = parse(UNITED, "nfl", New_York, "2024-04-19T06:41:00Z");
    let chelsea = games.iter().find(|g| g.away.name == "Chelsea").unwrap();
    assert_eq!(sides(chelsea), ("Man United", Some(3), "Chelsea", Some(4)));
    assert!(games.iter().all(|g| !g.home_away_known && g.league.as_str() == "nfl"));
}

#[test]
fn singapore_day_first_dates_get_their_year_from_created_at() {
    // The fetch time is far off on purpose: created_at must win.
    let games = parse(ARSENAL_SG, "epl", Singapore, "2030-01-01T00:00:00Z");
    assert_eq!(games.len(), 3);
    let cup = find(&games, "Arsenal", "Liverpool");
    assert_eq!(cup.date_text.as_deref(), Some("tomorrow, 3:45 am"));
    assert_eq!(cup.starts_at, Some(utc("2022-01-20T19:45:00Z")), "19:45 GMT");
    assert_eq!(cup.local_date, day(2022, 1, 20), "London's day, not Singapore's 21st");
    let stage = Some("Semi-final · Leg 2 of 2Aggregate: 0 - 0");
    assert_eq!(cup.stage.as_deref(), stage);
    assert_eq!(cup.status, GameStatus::Scheduled);
    let burnley = find(&games, "Arsenal", "Burnley");
    assert_eq!(burnley.starts_at, Some(utc("2022-01-23T14:00:00Z")));
    let wolves = find(&games, "Wolves", "Arsenal");
    assert_eq!(wolves.starts_at, Some(utc("2022-02-10T19:45:00Z")));
    assert_eq!(wolves.local_date, day(2022, 2, 10));
    for g in &games {
        assert!(g.venue.is_none() && g.home.score.is_none() && g.away.score.is_none());
    }
}

#[test]
fn a_search_without_a_sports_card_is_no_games_not_an_error() {
    assert!(parse(NO_CARD, "epl", Singapore, "2022-01-20T07:06:00Z").is_empty());
}

#[test]
fn the_bundesliga_file_with_all_string_scalars_is_read() {
    let games = parse(BUNDESLIGA_2, "bundesliga", Chicago, "2030-01-01T00:00:00Z");
    assert_eq!(games.len(), 6);
    let finals = games.iter().filter(|g| g.status == GameStatus::Final);
    assert_eq!(finals.count(), 4);
    let opener = find(&games, "Düsseldorf", "Hertha");
    assert_eq!(sides(opener), ("Düsseldorf", Some(1), "Hertha", Some(0)));
    assert_eq!(opener.venue.as_deref(), Some("merkur spiel arena"));
    assert_eq!(opener.local_date, day(2023, 7, 29));
    assert_eq!(find(&games, "Fürth", "Paderborn").home.score, Some(5));
    let hertha = find(&games, "Hertha", "Wehen Wiesbaden");
    assert_eq!(hertha.status, GameStatus::Scheduled);
    // 11:30 CDT = 18:30 CEST.
    assert_eq!(hertha.starts_at, Some(utc("2023-08-04T16:30:00Z")));
    assert_eq!(hertha.local_date, day(2023, 8, 4));
    assert_eq!(hertha.venue.as_deref(), Some("Olympiastadion Berlin"));
    for g in &games {
        assert_eq!(
            (g.league.as_str(), g.source.provider),
            ("bundesliga", ProviderKind::Serpapi)
        );
    }
}

#[test]
fn an_error_response_is_refused_without_echoing_its_text() {
    let src = source("2024-04-15T10:32:00Z");
    let epl = league("epl");
    for body in [
        r#"{"search_metadata": {"status": "Error"}, "error": "Invalid API key secret123"}"#,
        r#"{"error": "Invalid API key secret123"}"#,
        r#"{"search_metadata": {"status": "Error"}, "error": "Google hasn't returned any results for this query."}"#,
        r#"{"search_metadata": {"status": "Error"}}"#,
    ] {
        let err = parse_games(body.as_bytes(), &epl, New_York, &src).unwrap_err();
        assert_eq!(err.0, "SerpApi reported an error");
    }
    let empty =
        r#"{"search_metadata": {"status": "Success"}, "error": "Google hasn't returned any results for this query."}"#;
    assert_eq!(parse_games(empty.as_bytes(), &epl, New_York, &src).unwrap(), vec![]);
    for body in ["<html>secret123</html>", "", "\"secret123\""] {
        let err = parse_games(body.as_bytes(), &epl, New_York, &src).unwrap_err();
        assert!(!err.0.contains("secret123"), "{err}");
    }
    // Entries that are not objects cannot be games and are skipped, costing no other game.
    assert_eq!(
        parse_games(br#"[1, "secret123"]"#, &epl, New_York, &src).unwrap(),
        vec![]
    );
}

#[test]
fn statuses_map_from_googles_words() {
    use GameStatus::*;
    let cases = [
        (
            Final,
            &["FT", "Full-time", "Final", "Final/OT", "AET", "FT-Pens", "Ended"][..],
        ),
        (
            Live,
            &[
                "Live",
                "Half-time",
                "HT",
                "45'",
                "90+3'",
                "2nd",
                "Q3",
                "Top 7th",
                "11:50 - 2nd",
            ],
        ),
        (Postponed, &["Postponed"]),
        (Canceled, &["Cancelled", "Canceled"]),
        (Unknown, &["Suspended", "?"]),
    ];
    for (want, raws) in cases {
        for raw in raws {
            assert_eq!(status_of(raw), want, "{raw}");
        }
    }
}

#[test]
fn a_live_game_carries_its_status_text_as_clock() {
    let games = synthetic(
        r#"[{"date": "today, 3:00 PM", "status": "67'",
             "teams": [{"name": "A", "score": "1"}, {"name": "B", "score": "0"}]},
            {"date": "Live", "teams": [{"name": "C"}, {"name": "D"}]}]"#,
        "2024-04-15 20:00:00 UTC",
        New_York,
    );
    assert_eq!(
        (games[0].status, games[0].clock.as_deref()),
        (GameStatus::Live, Some("67'"))
    );
    assert_eq!(games[0].starts_at, Some(utc("2024-04-15T19:00:00Z")));
    assert_eq!(sides(&games[0]), ("A", Some(1), "B", Some(0)));
    let live = &games[1];
    assert_eq!(
        (live.status, live.starts_at, live.local_date),
        (GameStatus::Live, None, day(2024, 4, 15))
    );
}

#[test]
fn a_game_without_status_is_scheduled_unless_its_day_has_passed() {
    let games = synthetic(
        r#"[{"date": "Apr 10", "teams": [{"name": "A"}, {"name": "B"}]},
            {"date": "today", "teams": [{"name": "A"}, {"name": "C"}]},
            {"date": "whenever", "teams": [{"name": "A"}, {"name": "D"}]}]"#,
        "2024-04-15 12:00:00 UTC",
        New_York,
    );
    let statuses: Vec<_> = games.iter().map(|g| g.status).collect();
    use GameStatus::{Scheduled, Unknown};
    assert_eq!(statuses, [Unknown, Scheduled, Scheduled]);
    assert_eq!((games[2].starts_at, games[2].local_date), (None, None));
}

#[test]
fn a_game_keeps_its_id_from_tomorrow_to_today_to_finished() {
    let read = |fields: &str, created_at: &str| {
        let game = format!(r#"[{{{fields}, "teams": [{{"name": "Arsenal"}}, {{"name": "Liverpool"}}]}}]"#);
        synthetic(&game, created_at, Singapore).remove(0)
    };
    let tomorrow = read(r#""date": "tomorrow, 3:45 am""#, "2022-01-20 06:46:16 UTC");
    let today = read(r#""date": "today, 3:45 am""#, "2022-01-20 18:00:00 UTC");
    let done = read(r#""date": "Fri, 21 Jan", "status": "FT""#, "2022-01-25 00:00:00 UTC");
    assert_eq!(tomorrow.starts_at, today.starts_at);
    assert_eq!(tomorrow.id, today.id);
    assert_eq!(tomorrow.id, done.id, "the finished game dropped its time");
    assert_eq!(tomorrow.id.len(), 16);
}

#[test]
fn a_game_with_missing_teams_is_kept_with_tbd_and_distinct_ids() {
    let games = synthetic(
        r#"[{"date": "Sat, Apr 20", "teams": [{"name": "Only"}]},
            {"date": "Sat, Apr 20"}, {"date": "Sat, Apr 20", "teams": []}]"#,
        "2024-04-15 12:00:00 UTC",
        New_York,
    );
    assert_eq!(games.len(), 3);
    assert_eq!(sides(&games[0]), ("Only", None, "TBD", None));
    assert_eq!(sides(&games[1]), ("TBD", None, "TBD", None));
    assert_ne!(games[1].id, games[2].id, "two TBD v TBD entries on one day");
}

#[test]
fn a_response_without_created_at_falls_back_to_the_fetch_time() {
    let body = br#"{"sports_results": {"games": [{"date": "tomorrow", "time": "3:00 PM"}]}}"#;
    let src = source("2024-04-14T18:59:00Z");
    let games = parse_games(body, &league("epl"), London, &src).unwrap();
    assert_eq!(games[0].starts_at, Some(utc("2024-04-15T14:00:00Z")));
}
