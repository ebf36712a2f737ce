//! ESPN scoreboard (`apis/site/v2/sports/{sport}/{league}/scoreboard`) → [`Game`]s.
//!
//! Also holds the small decoding helpers the standings and teams normalizers share.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::domain::{Game, GameStatus, League, Source, TeamSide};
use crate::providers::NormalizeError;

/// Normalizes a scoreboard: one [`Game`] per ESPN event, in upstream order, none dropped.
///
/// * Home and away come from each competitor's `homeAway`, never from list order.
/// * Scores are kept only for live and final games: ESPN sends `"0"` before kick-off.
/// * `date_text` is ESPN's human kick-off text (`status.type.detail`, else `shortDetail`,
///   e.g. "Sun, November 20th at 4:05 PM EST"), and only while the game is scheduled: once
///   it starts these fields hold the clock or "Final", not a date. `time_text` stays `None`:
///   ESPN folds the time into that same text, and splitting it would be our words, not theirs.
/// * `clock` is `status.type.shortDetail` while live ("11:50 - 2nd", "HT", "Rain Delay, Top 1st").
/// * `stage` is the competition's `altGameNote` ("FIFA World Cup, Quarterfinals"), else its
///   first note headline ("International Series").
pub fn parse_scoreboard(body: &[u8], league: &League, source: &Source) -> Result<Vec<Game>, NormalizeError> {
    let board: Scoreboard = decode(body, "scoreboard")?;
    Ok(board.events.into_iter().map(|event| game(event, league, source)).collect())
}

#[derive(Deserialize)]
struct Scoreboard {
    // Required: a body without `events` is not a scoreboard, while `[]` is a day off.
    events: Vec<Event>,
}

#[derive(Deserialize)]
struct Event {
    #[serde(deserialize_with = "id_text")]
    id: String,
    date: Option<String>,
    status: Option<Status>,
    #[serde(default)]
    competitions: Vec<Competition>,
    venue: Option<EventVenue>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Competition {
    date: Option<String>,
    start_date: Option<String>,
    status: Option<Status>,
    venue: Option<CompetitionVenue>,
    #[serde(default)]
    competitors: Vec<Competitor>,
    alt_game_note: Option<String>,
    #[serde(default)]
    notes: Vec<Note>,
}

#[derive(Deserialize)]
struct Status {
    #[serde(rename = "type")]
    kind: Option<StatusType>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct StatusType {
    name: Option<String>,
    state: Option<String>,
    detail: Option<String>,
    short_detail: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Competitor {
    home_away: Option<String>,
    // A string in every fixture; a number is tolerated.
    score: Option<serde_json::Value>,
    team: Option<CompetitorTeam>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompetitorTeam {
    display_name: Option<String>,
    name: Option<String>,
    short_display_name: Option<String>,
    abbreviation: Option<String>,
    logo: Option<String>,
    #[serde(default)]
    logos: Vec<Logo>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompetitionVenue {
    full_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventVenue {
    display_name: Option<String>,
}

#[derive(Deserialize)]
struct Note {
    headline: Option<String>,
}

fn game(event: Event, league: &League, source: &Source) -> Game {
    let mut competitions = event.competitions.into_iter();
    let competition = competitions.next().unwrap_or_default();
    // The event's status and the competition's are copies; the event's is the documented one.
    let kind = event
        .status
        .or(competition.status)
        .and_then(|s| s.kind)
        .unwrap_or_default();
    let status = map_status(kind.state.as_deref(), kind.name.as_deref());
    let starts_at = [event.date, competition.date, competition.start_date]
        .into_iter()
        .flatten()
        .find_map(|raw| parse_instant(&raw));
    let local_date = starts_at.map(|at| at.with_timezone(&league.time_zone).date_naive());
    let date_text = if status == GameStatus::Scheduled {
        [kind.detail.clone(), kind.short_detail.clone()]
            .into_iter()
            .flatten()
            .find(|text| text.bytes().any(|b| b.is_ascii_digit()))
    } else {
        None
    };
    let clock = if status == GameStatus::Live {
        non_empty(kind.short_detail).or_else(|| non_empty(kind.detail))
    } else {
        None
    };
    let venue = competition
        .venue
        .and_then(|v| non_empty(v.full_name))
        .or_else(|| event.venue.and_then(|v| non_empty(v.display_name)));
    let stage = non_empty(competition.alt_game_note).or_else(|| {
        competition
            .notes
            .into_iter()
            .find_map(|n| non_empty(n.headline))
    });
    let (home, away, home_away_known) = sides(competition.competitors, status);
    Game {
        id: event.id,
        league: league.id.clone(),
        status,
        starts_at,
        local_date,
        date_text,
        time_text: None,
        home,
        away,
        home_away_known,
        venue,
        stage,
        clock,
        source: source.clone(),
    }
}

/// `state` decides the broad phase; `name` only refines what `state` cannot say.
fn map_status(state: Option<&str>, name: Option<&str>) -> GameStatus {
    let by_state = match state {
        Some("pre") => GameStatus::Scheduled,
        Some("in") => GameStatus::Live,
        Some("post") => GameStatus::Final,
        _ => GameStatus::Unknown,
    };
    match name {
        Some("STATUS_POSTPONED") => GameStatus::Postponed,
        Some("STATUS_CANCELED" | "STATUS_CANCELLED") => GameStatus::Canceled,
        // A suspended or delayed game is never finished, whatever `state` says.
        Some("STATUS_SUSPENDED" | "STATUS_DELAYED") if by_state == GameStatus::Final => GameStatus::Unknown,
        _ => by_state,
    }
}

/// Picks home and away by `homeAway`. Should a side be unlabelled (never seen), falls back
/// to the listed order with `home_away_known = false`, as the domain model defines it.
fn sides(competitors: Vec<Competitor>, status: GameStatus) -> (TeamSide, TeamSide, bool) {
    let has_score = matches!(status, GameStatus::Live | GameStatus::Final);
    let labelled = |side: &str| {
        competitors
            .iter()
            .position(|c| c.home_away.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(side)))
    };
    let pair = competitors.len() == 2;
    let (home, away, known) = match (labelled("home"), labelled("away")) {
        (Some(h), Some(a)) if h != a => (Some(h), Some(a), true),
        // With two competitors, one label settles the other side.
        (Some(h), None) if pair => (Some(h), Some(1 - h), true),
        (None, Some(a)) if pair => (Some(1 - a), Some(a), true),
        _ => (competitors.get(1).map(|_| 1), competitors.first().map(|_| 0), false),
    };
    let mut slots: Vec<Option<Competitor>> = competitors.into_iter().map(Some).collect();
    let mut take = |index: Option<usize>| {
        let competitor = index.and_then(|i| slots.get_mut(i)).and_then(Option::take);
        side(competitor, has_score)
    };
    let home = take(home);
    let away = take(away);
    (home, away, known)
}

fn side(competitor: Option<Competitor>, has_score: bool) -> TeamSide {
    let Some(competitor) = competitor else {
        // ESPN's own word for a side not yet known.
        return TeamSide { name: "TBD".into(), abbreviation: None, score: None, logo: None };
    };
    let score = if has_score { competitor.score.as_ref().and_then(score_value) } else { None };
    let Some(team) = competitor.team else {
        return TeamSide { name: "TBD".into(), abbreviation: None, score, logo: None };
    };
    let logo = non_empty(team.logo).or_else(|| team.logos.into_iter().find_map(|l| non_empty(l.href)));
    TeamSide {
        name: non_empty(team.display_name)
            .or_else(|| non_empty(team.name))
            .or_else(|| non_empty(team.short_display_name))
            .unwrap_or_else(|| "TBD".into()),
        abbreviation: non_empty(team.abbreviation),
        score,
        logo,
    }
}

fn score_value(raw: &serde_json::Value) -> Option<u32> {
    match raw {
        serde_json::Value::String(s) => s.trim().parse().ok(),
        serde_json::Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        _ => None,
    }
}

/// ESPN writes UTC instants without seconds ("2022-11-20T18:00Z"), which RFC 3339 rejects.
fn parse_instant(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%MZ")
        .map(|naive| naive.and_utc())
        .or_else(|_| DateTime::parse_from_rfc3339(raw).map(|at| at.with_timezone(&Utc)))
        .ok()
}

// ---- helpers shared with `standings` and `teams` ----

/// A logo entry of ESPN's `logos[]` arrays.
#[derive(Deserialize)]
pub(super) struct Logo {
    pub(super) href: Option<String>,
}

/// Decodes an ESPN body into a wire struct. The error names what was expected and where,
/// never the payload's own values: serde's "invalid type: string \"…\"" messages quote them.
pub(super) fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, NormalizeError> {
    serde_json::from_slice(body).map_err(|e| {
        let at = format!("line {}, column {}", e.line(), e.column());
        let message = match e.classify() {
            serde_json::error::Category::Data => {
                let text = e.to_string();
                // "missing field `events`" names our field, not theirs: safe and useful.
                match text.strip_prefix("missing field ") {
                    Some(rest) => format!("ESPN {what}: missing field {}", rest.split(' ').next().unwrap_or("")),
                    None => format!("ESPN {what}: unexpected value shape at {at}"),
                }
            }
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                format!("ESPN {what} is not valid JSON ({at})")
            }
            serde_json::error::Category::Io => format!("ESPN {what} could not be read"),
        };
        NormalizeError(message)
    })
}

/// ESPN ids are strings; a bare number is accepted as its decimal text.
pub(super) fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        _ => Err(serde::de::Error::custom("an id that is neither a string nor a number")),
    }
}

/// Trims, and treats an empty string as absent (ESPN sends `""` for unknown values).
pub(super) fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
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

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/data/upstream/espn/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn league(id: &str) -> League {
        Catalogue::load(&BTreeMap::new()).unwrap().get(id).unwrap().as_ref().clone()
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
        Source { provider: ProviderKind::Espn, fetched_at: Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap() }
    }

    fn games(file: &str, league: &League) -> Vec<Game> {
        parse_scoreboard(&fixture(file), league, &source()).unwrap()
    }

    fn by_id<'a>(games: &'a [Game], id: &str) -> &'a Game {
        games.iter().find(|g| g.id == id).unwrap_or_else(|| panic!("no game {id}"))
    }

    fn count(games: &[Game], status: GameStatus) -> usize {
        games.iter().filter(|g| g.status == status).count()
    }

    fn utc(text: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc))
    }

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    /// A one-event scoreboard, for cases no fixture shows.
    fn one_event(date: &str, state: &str, name: &str) -> Vec<u8> {
        serde_json::json!({"events": [{
            "id": "1", "date": date,
            "status": {"type": {"name": name, "state": state, "detail": "Sun, March 10th at 1:00 PM EST",
                "shortDetail": "3/10 - 1:00 PM EST"}},
            "competitions": [{"competitors": [
                {"homeAway": "away", "score": "3", "team": {"displayName": "Away Team", "abbreviation": "AWY"}},
                {"homeAway": "home", "score": "5", "team": {"displayName": "Home Team", "abbreviation": "HOM"}}
            ]}]
        }]})
        .to_string()
        .into_bytes()
    }

    fn status_of(state: &str, name: &str) -> GameStatus {
        parse_scoreboard(&one_event("2024-03-10T18:00Z", state, name), &league("nfl"), &source()).unwrap()[0].status
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
        let on_disk = std::fs::read_dir(format!("{}/tests/data/upstream/espn", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("scoreboard"))
            .count();
        assert_eq!(on_disk, cases.len(), "a scoreboard fixture is not covered");
        for (file, league) in cases {
            let raw: serde_json::Value = serde_json::from_slice(&fixture(file)).unwrap();
            let event_ids: Vec<&str> =
                raw["events"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
            let games = games(file, &league);
            let game_ids: Vec<&str> = games.iter().map(|g| g.id.as_str()).collect();
            assert_eq!(game_ids, event_ids, "{file}");
            for g in &games {
                assert_eq!(g.league, league.id, "{file}");
                assert_eq!(g.source, source(), "{file}");
                assert!(g.home_away_known, "{file} {}", g.id);
                assert!(g.starts_at.is_some() && g.local_date.is_some(), "{file} {}", g.id);
                assert_ne!(g.status, GameStatus::Unknown, "{file} {}", g.id);
                assert!(g.venue.is_some(), "{file} {}", g.id);
                assert!(g.time_text.is_none());
            }
        }
    }

    #[test]
    fn scheduled_games_have_no_scores_and_finished_or_live_games_have_both() {
        for (file, league) in [(NFL_WEEK_11, league("nfl")), (MLB, league("mlb")), (EPL, league("epl")), (WC_LIVE, world_cup())] {
            for g in games(file, &league) {
                let scored = g.home.score.is_some() && g.away.score.is_some();
                match g.status {
                    GameStatus::Scheduled => {
                        assert!(g.home.score.is_none() && g.away.score.is_none(), "{file} {}", g.id);
                        assert!(g.clock.is_none() && g.date_text.is_some(), "{file} {}", g.id);
                    }
                    GameStatus::Live => assert!(scored && g.clock.is_some(), "{file} {}", g.id),
                    GameStatus::Final => assert!(scored && g.clock.is_none() && g.date_text.is_none(), "{file} {}", g.id),
                    other => panic!("{file} {}: unexpected {other:?}", g.id),
                }
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
        assert_eq!((g.home.name.as_str(), g.home.abbreviation.as_deref(), g.home.score), ("Green Bay Packers", Some("GB"), Some(17)));
        assert_eq!((g.away.name.as_str(), g.away.abbreviation.as_deref(), g.away.score), ("Tennessee Titans", Some("TEN"), Some(27)));
        assert_eq!(g.home.logo.as_deref(), Some("https://a.espncdn.com/i/teamlogos/nfl/500/scoreboard/gb.png"));
        assert_eq!(g.starts_at, utc("2022-11-18T01:15:00Z"));
        // Thursday Night Football: after midnight UTC, still Thursday in New York.
        assert_eq!(g.local_date, day(2022, 11, 17));
        assert_eq!(g.venue.as_deref(), Some("Lambeau Field"));
        assert_eq!(g.clock, None);
    }

    #[test]
    fn nfl_live_game_carries_its_scores_and_short_detail_as_clock() {
        let games = games(NFL_WEEK_11, &league("nfl"));
        let g = by_id(&games, "401437845");
        assert_eq!(g.status, GameStatus::Live);
        assert_eq!((g.home.name.as_str(), g.home.score), ("Atlanta Falcons", Some(7)));
        assert_eq!((g.away.name.as_str(), g.away.score), ("Chicago Bears", Some(7)));
        assert_eq!(g.clock.as_deref(), Some("11:50 - 2nd"));
        assert_eq!(g.date_text, None);
        let houston = by_id(&games, "401437848");
        assert_eq!((houston.home.score, houston.away.score), (Some(0), Some(14)));
    }

    #[test]
    fn nfl_sunday_night_game_at_0120_utc_is_dated_the_sunday_in_new_york() {
        let games = games(NFL_WEEK_11, &league("nfl"));
        let g = by_id(&games, "401437854");
        assert_eq!(g.status, GameStatus::Scheduled);
        assert_eq!(g.starts_at, utc("2022-11-21T01:20:00Z"));
        assert_eq!(g.local_date, day(2022, 11, 20));
        assert_eq!(g.date_text.as_deref(), Some("Sun, November 20th at 8:20 PM EST"));
        assert_eq!((g.home.name.as_str(), g.away.name.as_str()), ("Los Angeles Chargers", "Kansas City Chiefs"));
        assert_eq!((g.home.score, g.away.score), (None, None));
    }

    #[test]
    fn neutral_site_games_keep_the_side_espn_labels_home() {
        let week_11 = games(NFL_WEEK_11, &league("nfl"));
        let detroit = by_id(&week_11, "401437847");
        assert_eq!(detroit.venue.as_deref(), Some("Ford Field"));
        assert_eq!((detroit.home.name.as_str(), detroit.home.score), ("Buffalo Bills", Some(3)));
        assert_eq!((detroit.away.name.as_str(), detroit.away.score), ("Cleveland Browns", Some(10)));
        let mexico = by_id(&week_11, "401435642");
        assert_eq!(mexico.venue.as_deref(), Some("Estadio Azteca"));
        assert_eq!((mexico.home.abbreviation.as_deref(), mexico.away.abbreviation.as_deref()), (Some("ARI"), Some("SF")));
        assert_eq!(mexico.local_date, day(2022, 11, 21));

        let week_5 = games(NFL_WEEK_5, &league("nfl"));
        let london = by_id(&week_5, "401547228");
        assert!(london.home_away_known);
        assert_eq!((london.home.name.as_str(), london.away.name.as_str()), ("Buffalo Bills", "Jacksonville Jaguars"));
        assert_eq!(london.venue.as_deref(), Some("Tottenham Hotspur Stadium"));
        assert_eq!(london.stage.as_deref(), Some("International Series"));
        assert_eq!(london.starts_at, utc("2023-10-08T13:30:00Z"));
        assert_eq!(london.local_date, day(2023, 10, 8));
    }

    #[test]
    fn nfl_week_5_is_fourteen_scheduled_games_without_scores() {
        let games = games(NFL_WEEK_5, &league("nfl"));
        assert_eq!(games.len(), 14);
        assert_eq!(count(&games, GameStatus::Scheduled), 14);
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
        assert_eq!((rain.home.name.as_str(), rain.home.score), ("Washington Nationals", Some(0)));
        assert_eq!((rain.away.name.as_str(), rain.away.score), ("Chicago White Sox", Some(0)));
    }

    #[test]
    fn mlb_final_and_scheduled_games_read_as_espn_wrote_them() {
        let games = games(MLB, &league("mlb"));
        let yankees = by_id(&games, "401697308");
        assert_eq!(yankees.status, GameStatus::Final);
        assert_eq!((yankees.home.name.as_str(), yankees.home.score), ("New York Yankees", Some(6)));
        assert_eq!((yankees.away.name.as_str(), yankees.away.score), ("Baltimore Orioles", Some(1)));
        assert_eq!(yankees.starts_at, utc("2025-09-27T17:05:00Z"));
        assert_eq!(yankees.local_date, day(2025, 9, 27));
        // MLB's `detail` says only "Scheduled"; the date lives in `shortDetail`.
        let fenway = by_id(&games, "401697310");
        assert_eq!(fenway.date_text.as_deref(), Some("9/27 - 4:10 PM EDT"));
        assert_eq!((fenway.home.score, fenway.away.score), (None, None));
    }

    #[test]
    fn nba_day_without_games_is_an_empty_list() {
        assert_eq!(games(NBA_EMPTY, &league("nba")), vec![]);
    }

    #[test]
    fn nba_evening_games_after_midnight_utc_fall_on_the_eastern_date() {
        let games = games(NBA, &league("nba"));
        assert_eq!(count(&games, GameStatus::Scheduled), 3);
        let g = by_id(&games, "401810683");
        assert_eq!((g.home.name.as_str(), g.away.name.as_str()), ("Detroit Pistons", "San Antonio Spurs"));
        assert_eq!(g.starts_at, utc("2026-02-24T00:00:00Z"));
        assert!(games.iter().all(|g| g.local_date == day(2026, 2, 23)));
        assert_eq!(g.date_text.as_deref(), Some("Mon, February 23rd at 7:00 PM EST"));
    }

    #[test]
    fn nhl_preseason_file_is_one_scheduled_game_in_dallas() {
        let games = games(NHL, &league("nhl"));
        assert_eq!(games.len(), 1);
        let g = &games[0];
        assert_eq!(g.status, GameStatus::Scheduled);
        assert_eq!((g.home.name.as_str(), g.away.name.as_str()), ("Dallas Stars", "St. Louis Blues"));
        assert_eq!(g.starts_at, utc("2025-09-20T23:00:00Z"));
        assert_eq!(g.local_date, day(2025, 9, 20));
        assert_eq!(g.venue.as_deref(), Some("American Airlines Center"));
    }

    #[test]
    fn premier_league_day_has_six_finals_and_one_scheduled_game_dated_in_london() {
        let games = games(EPL, &league("epl"));
        assert_eq!(count(&games, GameStatus::Final), 6);
        assert_eq!(count(&games, GameStatus::Scheduled), 1);
        let g = by_id(&games, "740649");
        assert_eq!((g.home.name.as_str(), g.home.score), ("Brentford", Some(3)));
        assert_eq!((g.away.name.as_str(), g.away.score), ("Manchester United", Some(1)));
        assert_eq!(g.venue.as_deref(), Some("Gtech Community Stadium"));
        let spurs = by_id(&games, "740646");
        assert_eq!(spurs.starts_at, utc("2025-09-27T19:00:00Z"));
        assert_eq!(spurs.local_date, day(2025, 9, 27));
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
        assert_eq!((live.home.name.as_str(), live.home.score), ("Argentina", Some(1)));
        assert_eq!((live.away.name.as_str(), live.away.score), ("Switzerland", Some(0)));
        assert_eq!(live.clock.as_deref(), Some("45'+1'"));
        assert_eq!(live.stage.as_deref(), Some("FIFA World Cup, Quarterfinals"));
        assert_eq!(live.venue.as_deref(), Some("GEHA Field at Arrowhead Stadium"));
    }

    #[test]
    fn world_cup_placeholder_teams_are_kept_as_espn_names_them() {
        let games = games(WC_LIVE, &world_cup());
        let semi = by_id(&games, "760515");
        assert_eq!((semi.home.name.as_str(), semi.away.name.as_str()), ("England", "Quarterfinal 4 Winner"));
        let third = by_id(&games, "760516");
        assert_eq!((third.home.name.as_str(), third.away.name.as_str()), ("Semifinal 1 Loser", "Semifinal 2 Loser"));
        assert_eq!(third.home.abbreviation.as_deref(), Some("SF L1"));
        assert_eq!(third.stage.as_deref(), Some("FIFA World Cup, 3rd-Place Match"));
        assert_eq!((third.home.score, third.away.score), (None, None));
    }

    #[test]
    fn world_cup_shootouts_are_final_with_the_level_score_and_the_round_as_stage() {
        let games = games(WC_LIVE, &world_cup());
        let g = by_id(&games, "760489");
        assert_eq!(g.status, GameStatus::Final);
        assert_eq!((g.home.name.as_str(), g.home.score, g.away.name.as_str(), g.away.score), ("Germany", Some(1), "Paraguay", Some(1)));
        // The penalty note ("Paraguay advance 4-3 on penalties") is a result, not a stage.
        assert_eq!(g.stage.as_deref(), Some("FIFA World Cup, Round of 32"));
        assert_eq!(g.starts_at, utc("2026-06-29T20:30:00Z"));
        assert_eq!(g.local_date, day(2026, 6, 29));
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
        assert_eq!((g.home.name.as_str(), g.home.score, g.away.name.as_str(), g.away.score), ("France", Some(0), "Spain", Some(1)));
    }

    #[test]
    fn world_cup_small_file_has_one_final_and_two_scheduled_games() {
        let games = games(WC_SMALL, &world_cup());
        assert_eq!(count(&games, GameStatus::Final), 1);
        assert_eq!(count(&games, GameStatus::Scheduled), 2);
        let g = by_id(&games, "760495");
        assert_eq!((g.home.name.as_str(), g.home.score, g.away.name.as_str(), g.away.score), ("England", Some(2), "Congo DR", Some(1)));
        let late = by_id(&games, "760494");
        assert_eq!(late.starts_at, utc("2026-07-02T00:00:00Z"));
        assert_eq!(late.local_date, day(2026, 7, 1));
    }

    #[test]
    fn local_dates_follow_the_us_dst_changes_not_a_fixed_offset() {
        let nfl = league("nfl");
        let date_of = |at: &str| parse_scoreboard(&one_event(at, "pre", "STATUS_SCHEDULED"), &nfl, &source()).unwrap()[0].local_date;
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
        let nfl = league("nfl");
        let parse = |at: &str| parse_scoreboard(&one_event(at, "pre", "STATUS_SCHEDULED"), &nfl, &source()).unwrap();
        assert_eq!(parse("2024-03-10T04:30:15Z")[0].starts_at, utc("2024-03-10T04:30:15Z"));
        assert_eq!(parse("2024-03-09T23:30:00-05:00")[0].starts_at, utc("2024-03-10T04:30:00Z"));
        let kept = parse("next Sunday");
        assert_eq!(kept.len(), 1);
        assert_eq!((kept[0].starts_at, kept[0].local_date), (None, None));
        assert_eq!(kept[0].home.name, "Home Team");
    }

    #[test]
    fn status_maps_on_state_first_then_refines_by_name() {
        assert_eq!(status_of("pre", "STATUS_SCHEDULED"), GameStatus::Scheduled);
        assert_eq!(status_of("in", "STATUS_FIRST_HALF"), GameStatus::Live);
        assert_eq!(status_of("post", "STATUS_FINAL_AET"), GameStatus::Final);
        assert_eq!(status_of("post", "STATUS_POSTPONED"), GameStatus::Postponed);
        assert_eq!(status_of("pre", "STATUS_POSTPONED"), GameStatus::Postponed);
        assert_eq!(status_of("post", "STATUS_CANCELED"), GameStatus::Canceled);
        assert_eq!(status_of("post", "STATUS_CANCELLED"), GameStatus::Canceled);
        assert_eq!(status_of("pre", "STATUS_DELAYED"), GameStatus::Scheduled);
        assert_eq!(status_of("pre", "STATUS_SUSPENDED"), GameStatus::Scheduled);
        assert_eq!(status_of("in", "STATUS_RAIN_DELAY"), GameStatus::Live);
        assert_eq!(status_of("post", "STATUS_SUSPENDED"), GameStatus::Unknown);
        assert_eq!(status_of("later", "STATUS_WHATEVER"), GameStatus::Unknown);
    }

    #[test]
    fn postponed_and_unknown_games_show_no_scores() {
        let nfl = league("nfl");
        for (state, name) in [("post", "STATUS_POSTPONED"), ("", "STATUS_NEW"), ("pre", "STATUS_SCHEDULED")] {
            let g = &parse_scoreboard(&one_event("2024-03-10T18:00Z", state, name), &nfl, &source()).unwrap()[0];
            assert_eq!((g.home.score, g.away.score, g.clock.as_deref()), (None, None, None), "{name}");
        }
        let live = &parse_scoreboard(&one_event("2024-03-10T18:00Z", "in", "STATUS_IN_PROGRESS"), &nfl, &source()).unwrap()[0];
        assert_eq!((live.home.name.as_str(), live.home.score, live.away.score), ("Home Team", Some(5), Some(3)));
    }

    #[test]
    fn unlabelled_competitors_fall_back_to_listed_order_marked_unknown() {
        let body = br#"{"events":[{"id":"9","date":"2024-03-10T18:00Z","competitions":[{"competitors":[
            {"team":{"displayName":"First"}},{"team":{"displayName":"Second"}}]}]}]}"#;
        let g = &parse_scoreboard(body, &league("nfl"), &source()).unwrap()[0];
        assert!(!g.home_away_known);
        assert_eq!((g.away.name.as_str(), g.home.name.as_str()), ("First", "Second"));
        assert_eq!(g.status, GameStatus::Unknown);
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
            br#"{"events": [{"id": {"secret-value": 1}}]}"#,
            br#"{"events": [{"id": "1", "competitions": [{"competitors": [{"homeAway": 7}]}]}]}"#,
        ] {
            let err = parse_scoreboard(body, &nfl, &source()).unwrap_err();
            assert!(err.0.starts_with("ESPN scoreboard"), "{err}");
            assert!(!err.0.contains("secret") && !err.0.contains("html"), "{err}");
        }
        let missing = parse_scoreboard(b"{\"leagues\": []}", &nfl, &source()).unwrap_err();
        assert!(missing.0.contains("`events`"), "{missing}");
    }
}
