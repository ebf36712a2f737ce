//! Every route at the HTTP level: the league catalogue, games and their filters, standings,
//! teams, the legacy `/sports` format, operations routes, the OpenAPI document and the docs
//! page, request ids, the replay provider, and local dates across US DST changes.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, NaiveDate};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::*;

const LEAGUE_IDS: [&str; 11] = [
    "nfl",
    "nba",
    "mlb",
    "nhl",
    "mls",
    "epl",
    "seriea",
    "laliga",
    "bundesliga",
    "ligue1",
    "ucl",
];
const EPL_SCOREBOARD: &str = "espn/soccer-eng1-scoreboard-final-scheduled-2025-09-27.json";
const NBA_NO_GAMES: &str = "espn/nba-scoreboard-no-games-2026-02-18.json";

/// Reads a problem+json answer and checks the RFC 9457 members every problem must have.
async fn problem(response: reqwest::Response, expected_status: u16) -> Value {
    assert_eq!(
        response.status().as_u16(),
        expected_status,
        "status of {}",
        response.url()
    );
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/problem+json"),
        "content-type was {content_type:?}"
    );
    let body: Value = response.json().await.expect("problem body is JSON");
    assert!(
        body["type"].as_str().is_some_and(|t| !t.is_empty()),
        "type missing: {body}"
    );
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "title missing: {body}"
    );
    assert_eq!(body["status"], expected_status, "status member: {body}");
    assert!(
        body["detail"].as_str().is_some_and(|t| !t.is_empty()),
        "detail missing: {body}"
    );
    body
}

fn game<'a>(body: &'a Value, id: &str) -> &'a Value {
    body["games"]
        .as_array()
        .expect("games array")
        .iter()
        .find(|g| g["id"] == id)
        .unwrap_or_else(|| panic!("no game {id} in {body}"))
}

fn ids(body: &Value) -> BTreeSet<String> {
    body["games"]
        .as_array()
        .expect("games array")
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_owned())
        .collect()
}

fn is_utc_rfc3339(value: &Value) -> bool {
    value
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .is_some_and(|t| t.offset().local_minus_utc() == 0)
}

async fn nfl_week11() -> TestApp {
    let app = spawn_app().await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    app
}

async fn mock_espn_json(app: &TestApp, at: &str, body: Vec<u8>) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&app.espn)
        .await;
}

// ---------------------------------------------------------------- leagues

#[tokio::test]
async fn the_league_catalogue_lists_the_eleven_fixed_ids_with_name_sport_and_providers() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/v1/leagues").await;
    assert_eq!(status, 200);
    let leagues = body["leagues"].as_array().expect("leagues array");
    let got: BTreeSet<&str> = leagues.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(got, LEAGUE_IDS.into_iter().collect::<BTreeSet<_>>());
    assert_eq!(leagues.len(), 11, "no duplicates: {body}");
    for league in leagues {
        assert!(league["name"].as_str().is_some_and(|n| !n.is_empty()), "{league}");
        assert!(league["sport"].as_str().is_some_and(|n| !n.is_empty()), "{league}");
        let providers = league["providers"].as_array().expect("providers array");
        assert!(
            providers.iter().any(|p| p == "espn"),
            "every bundled league is on ESPN: {league}"
        );
    }
    let by_id = |id: &str| leagues.iter().find(|l| l["id"] == id).unwrap();
    assert_eq!(
        (by_id("nfl")["name"].as_str(), by_id("nfl")["sport"].as_str()),
        (Some("NFL"), Some("american-football"))
    );
    assert_eq!(
        (by_id("epl")["name"].as_str(), by_id("epl")["sport"].as_str()),
        (Some("Premier League"), Some("soccer"))
    );
    app.stop().await;
}

// ---------------------------------------------------------------- games

#[tokio::test]
async fn a_normalized_game_has_exactly_the_interface_field_names_and_types() {
    let app = nfl_week11().await;
    let (status, body) = app.get_json("/v1/leagues/nfl/games").await;
    assert_eq!(status, 200);
    assert_eq!(body["count"], 14);
    assert_eq!(body["games"].as_array().unwrap().len(), 14);
    let required = [
        "id",
        "league",
        "status",
        "starts_at",
        "local_date",
        "date_text",
        "time_text",
        "home",
        "away",
        "venue",
        "stage",
        "clock",
        "source",
    ];
    for g in body["games"].as_array().unwrap() {
        let object = g.as_object().expect("game is an object");
        for key in required {
            assert!(object.contains_key(key), "game lacks {key}: {g}");
        }
        assert_eq!(g["league"], "nfl");
        assert!(
            is_utc_rfc3339(&g["starts_at"]),
            "starts_at not RFC 3339 UTC: {}",
            g["starts_at"]
        );
        assert!(
            g["local_date"]
                .as_str()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .is_some()
        );
        for side in ["home", "away"] {
            let team = g[side].as_object().expect("side is an object");
            for key in ["name", "abbreviation", "score", "logo"] {
                assert!(team.contains_key(key), "{side} lacks {key}: {g}");
            }
            assert!(
                g[side]["score"].is_null() || g[side]["score"].is_u64(),
                "score is a number or null: {g}"
            );
        }
        assert_eq!(g["source"]["provider"], "espn");
        assert!(is_utc_rfc3339(&g["source"]["fetched_at"]), "{}", g["source"]);
    }

    // Live: CLE at BUF (at Ford Field), scores are numbers and the clock is set.
    let live = game(&body, "401437847");
    assert_eq!(live["status"], "live");
    assert_eq!(live["starts_at"], "2022-11-20T18:00:00Z");
    assert_eq!(live["local_date"], "2022-11-20");
    assert_eq!(
        (live["home"]["name"].as_str(), live["home"]["abbreviation"].as_str()),
        (Some("Buffalo Bills"), Some("BUF"))
    );
    assert_eq!(
        (live["home"]["score"].as_u64(), live["away"]["score"].as_u64()),
        (Some(3), Some(10))
    );
    assert_eq!(live["away"]["name"], "Cleveland Browns");
    assert_eq!(live["venue"], "Ford Field");
    assert!(
        live["clock"].as_str().is_some_and(|c| !c.is_empty()),
        "live game has a clock: {live}"
    );
    assert!(
        live["home"]["logo"].as_str().is_some_and(|l| l.starts_with("https://")),
        "{live}"
    );

    // Scheduled: KC at LAC, scores null (ESPN sends "0"), no clock, the upstream's date text.
    let scheduled = game(&body, "401437854");
    assert_eq!(scheduled["status"], "scheduled");
    assert!(
        scheduled["home"]["score"].is_null() && scheduled["away"]["score"].is_null(),
        "{scheduled}"
    );
    assert!(scheduled["clock"].is_null());
    assert!(
        scheduled["date_text"]
            .as_str()
            .is_some_and(|t| t.chars().any(|c| c.is_ascii_digit())),
        "{scheduled}"
    );
    assert_eq!(
        scheduled["local_date"], "2022-11-20",
        "20:20 EST on the 20th, though 01:20Z on the 21st"
    );

    // Final: TEN at GB 27-17.
    let final_game = game(&body, "401437844");
    assert_eq!(final_game["status"], "final");
    assert_eq!(
        (
            final_game["home"]["score"].as_u64(),
            final_game["away"]["score"].as_u64()
        ),
        (Some(17), Some(27))
    );
    assert!(final_game["clock"].is_null());
    app.stop().await;
}

#[tokio::test]
async fn the_date_filter_keeps_games_of_that_local_day_and_asks_espn_for_that_date() {
    let app = nfl_week11().await;
    let (status, body) = app.get_json("/v1/leagues/nfl/games?date=2022-11-20").await;
    assert_eq!(status, 200);
    // 8 games at 18:00Z, 21:05Z, 2 at 21:25Z and 01:20Z on the 21st (20:20 EST on the 20th);
    // not the Thursday final (17th) nor the Monday game (21st).
    assert_eq!(body["count"], 12, "{body}");
    assert!(
        body["games"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["local_date"] == "2022-11-20")
    );
    let got = ids(&body);
    assert!(
        got.contains("401437854") && !got.contains("401437844") && !got.contains("401435642"),
        "{got:?}"
    );

    let requests = app.espn.received_requests().await.expect("recording on");
    assert!(
        requests
            .iter()
            .any(|r| r.url.query_pairs().any(|(k, v)| k == "dates" && v == "20221120")),
        "ESPN was not asked for dates=20221120: {:?}",
        requests.iter().map(|r| r.url.to_string()).collect::<Vec<_>>()
    );

    let (_, other_day) = app.get_json("/v1/leagues/nfl/games?date=2022-11-21").await;
    assert_eq!(ids(&other_day), BTreeSet::from(["401435642".to_owned()]));
    app.stop().await;
}

#[tokio::test]
async fn the_team_filter_matches_name_words_or_an_exact_abbreviation() {
    let app = nfl_week11().await;
    let (status, bills) = app.get_json("/v1/leagues/nfl/games?team=bills").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&bills), BTreeSet::from(["401437847".to_owned()]));
    let (_, upper) = app.get_json("/v1/leagues/nfl/games?team=BILLS").await;
    assert_eq!(ids(&upper), ids(&bills), "case-insensitive");
    let (_, kc) = app.get_json("/v1/leagues/nfl/games?team=KC").await;
    assert_eq!(ids(&kc), BTreeSet::from(["401437854".to_owned()]));
    assert_eq!(kc["count"], 1);
    let (_, new_york) = app.get_json("/v1/leagues/nfl/games?team=new%20york").await;
    assert_eq!(
        ids(&new_york),
        BTreeSet::from(["401437850".to_owned(), "401437852".to_owned()]),
        "Jets and Giants"
    );
    let (_, nobody) = app.get_json("/v1/leagues/nfl/games?team=xyzzy").await;
    assert_eq!(nobody["count"], 0);
    app.stop().await;
}

#[tokio::test]
async fn the_status_filter_counts_eight_live_five_scheduled_and_one_final_in_week_11() {
    let app = nfl_week11().await;
    for (status, expected) in [("live", 8), ("scheduled", 5), ("final", 1)] {
        let (code, body) = app.get_json(&format!("/v1/leagues/nfl/games?status={status}")).await;
        assert_eq!(code, 200);
        assert_eq!(body["count"], expected, "status={status}");
        assert_eq!(body["games"].as_array().unwrap().len(), expected);
        assert!(
            body["games"].as_array().unwrap().iter().all(|g| g["status"] == status),
            "status={status}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn combined_filters_must_all_hold() {
    let app = nfl_week11().await;
    let (_, body) = app
        .get_json("/v1/leagues/nfl/games?date=2022-11-20&status=scheduled")
        .await;
    assert_eq!(body["count"], 4, "{body}");
    assert!(!ids(&body).contains("401435642"), "the Monday game is not on the 20th");
    let (_, body) = app.get_json("/v1/leagues/nfl/games?team=bills&status=live").await;
    assert_eq!(ids(&body), BTreeSet::from(["401437847".to_owned()]));
    let (_, body) = app.get_json("/v1/leagues/nfl/games?team=bills&status=scheduled").await;
    assert_eq!(body["count"], 0);
    let (_, body) = app
        .get_json("/v1/leagues/nfl/games?date=2022-11-20&team=KC&status=scheduled")
        .await;
    assert_eq!(ids(&body), BTreeSet::from(["401437854".to_owned()]));
    let (_, body) = app.get_json("/v1/leagues/nfl/games?date=2022-11-17&team=KC").await;
    assert_eq!(body["count"], 0);
    app.stop().await;
}

#[tokio::test]
async fn bad_filter_values_are_400_problems_naming_the_parameter() {
    let app = nfl_week11().await;
    for (query, parameter) in [
        ("date=2022-13-45", "date"),
        ("date=yesterday", "date"),
        ("date=%2B262143-12-31", "date"),
        ("date=1066-10-14", "date"),
        ("date=2999-01-01", "date"),
        ("date=%202022-11-20", "date"),
        ("date=2022-11-5", "date"),
        ("status=halftime", "status"),
        ("colour=red", "colour"),
        ("team=", "team"),
        ("team=%20%20", "team"),
        ("team=a%00b", "team"),
    ] {
        let response = app.get(&format!("/v1/leagues/nfl/games?{query}")).await;
        let body = problem(response, 400).await;
        assert_eq!(body["parameter"], parameter, "?{query}: {body}");
    }
    assert_eq!(app.espn_calls().await, 0, "bad input never reaches the upstream");
    app.stop().await;
}

#[tokio::test]
async fn a_path_segment_that_is_not_utf8_is_a_400_problem_not_plain_text() {
    let app = spawn_app().await;
    for route in ["/v1/leagues/%FF/games", "/v1/leagues/%C3/teams", "/docs/%FF"] {
        let body = problem(app.get(route).await, 400).await;
        assert_eq!(body["parameter"], "path", "{route}: {body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_league_is_a_404_problem_listing_the_valid_leagues() {
    let app = spawn_app().await;
    for route in [
        "/v1/leagues/xfl/games",
        "/v1/leagues/xfl/standings",
        "/v1/leagues/xfl/teams",
    ] {
        let body = problem(app.get(route).await, 404).await;
        let valid: BTreeSet<&str> = body["valid_leagues"]
            .as_array()
            .expect("valid_leagues")
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(valid, LEAGUE_IDS.into_iter().collect::<BTreeSet<_>>(), "{route}");
    }
    assert_eq!(app.espn_calls().await, 0);
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    for route in ["/v2/leagues", "/v1/leagues/nfl/players", "/nope"] {
        let body = problem(app.get(route).await, 404).await;
        assert!(body.get("valid_leagues").is_none(), "{body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_post_to_a_get_route_is_a_405_problem_with_an_allow_header() {
    let app = spawn_app().await;
    for route in ["/v1/leagues", "/v1/leagues/nfl/games", "/sports", "/healthz"] {
        let response = app.client.post(app.url(route)).send().await.unwrap();
        let allow = response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        problem(response, 405).await;
        assert!(
            allow.contains("GET"),
            "405 for {route} must say what is allowed (RFC 9110), got Allow: {allow:?}"
        );
    }
    assert_eq!(app.espn_calls().await, 0);
    app.stop().await;
}

#[tokio::test]
async fn soccer_fixtures_of_the_premier_league_come_from_espn_eng_1() {
    let app = spawn_app().await;
    app.mock_espn_scoreboard("soccer/eng.1", EPL_SCOREBOARD).await;
    let (status, body) = app.get_json("/v1/leagues/epl/games").await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["league"].as_str(), body["count"].as_u64()),
        (Some("epl"), Some(7))
    );
    let city = game(&body, "740654");
    assert_eq!(city["status"], "final");
    assert_eq!(
        (city["home"]["name"].as_str(), city["home"]["score"].as_u64()),
        (Some("Manchester City"), Some(5))
    );
    assert_eq!(
        (city["away"]["name"].as_str(), city["away"]["score"].as_u64()),
        (Some("Burnley"), Some(1))
    );
    assert_eq!(city["local_date"], "2025-09-27");
    let spurs = game(&body, "740646");
    assert_eq!(spurs["status"], "scheduled");
    assert!(spurs["home"]["score"].is_null() && spurs["away"]["score"].is_null());
    assert_eq!(spurs["home"]["name"], "Tottenham Hotspur");
    let (_, finals) = app.get_json("/v1/leagues/epl/games?status=final").await;
    assert_eq!(finals["count"], 6);
    app.stop().await;
}

#[tokio::test]
async fn a_day_without_games_is_200_with_count_zero() {
    let app = spawn_app().await;
    app.mock_espn_scoreboard("basketball/nba", NBA_NO_GAMES).await;
    let response = app.get("/v1/leagues/nba/games?date=2026-02-18").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["count"], 0);
    assert_eq!(body["games"], json!([]));
    assert_eq!(body["league"], "nba");
    let requests = app.espn.received_requests().await.unwrap();
    assert!(
        requests
            .iter()
            .any(|r| r.url.query().is_some_and(|q| q.contains("dates=20260218")))
    );
    app.stop().await;
}

// ---------------------------------------------------------------- standings and teams

#[tokio::test]
async fn premier_league_standings_are_groups_of_ranked_rows_with_numeric_points() {
    let app = spawn_app().await;
    mock_espn_json(&app, "/apis/v2/sports/soccer/eng.1/standings", fixture(EPL_STANDINGS)).await;
    let (status, body) = app.get_json("/v1/leagues/epl/standings").await;
    assert_eq!(status, 200);
    assert_eq!(body["league"], "epl");
    assert_eq!(body["source"]["provider"], "espn");
    let groups = body["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1);
    let rows = groups[0]["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 20);
    let ranks: Vec<u64> = rows.iter().map(|r| r["rank"].as_u64().expect("numeric rank")).collect();
    assert_eq!(ranks, (1..=20).collect::<Vec<u64>>());
    assert!(rows.iter().all(|r| r["points"].is_number()), "points are numbers");
    assert_eq!(rows[0]["team"], "Manchester City");
    assert_eq!(rows[0]["points"].as_f64(), Some(83.0));
    // Points never increase going down the table.
    let points: Vec<f64> = rows.iter().map(|r| r["points"].as_f64().unwrap()).collect();
    assert!(points.windows(2).all(|w| w[0] >= w[1]), "{points:?}");
    app.stop().await;
}

#[tokio::test]
async fn nfl_teams_are_the_32_teams_of_the_espn_payload() {
    let app = spawn_app().await;
    mock_espn_json(&app, "/apis/site/v2/sports/football/nfl/teams", fixture(NFL_TEAMS)).await;
    let (status, body) = app.get_json("/v1/leagues/nfl/teams").await;
    assert_eq!(status, 200);
    assert_eq!(body["league"], "nfl");
    assert_eq!(body["count"], 32);
    let teams = body["teams"].as_array().unwrap();
    assert_eq!(teams.len(), 32);
    let abbreviations: HashSet<&str> = teams.iter().map(|t| t["abbreviation"].as_str().unwrap()).collect();
    assert_eq!(abbreviations.len(), 32);
    assert!(abbreviations.contains("KC") && abbreviations.contains("BUF"));
    let arizona = teams.iter().find(|t| t["abbreviation"] == "ARI").unwrap();
    assert_eq!(arizona["name"], "Arizona Cardinals");
    app.stop().await;
}

// ---------------------------------------------------------------- legacy /sports

#[tokio::test]
async fn legacy_sports_keeps_the_flask_format_with_eastern_times() {
    let app = nfl_week11().await;
    let response = app.get("/sports").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body.as_object().unwrap().keys().collect::<BTreeSet<_>>(),
        BTreeSet::from([&"games".to_owned(), &"message".to_owned()])
    );
    assert_eq!(body["message"], "NFL schedule fetched successfully.");
    let games = body["games"].as_array().unwrap();
    assert_eq!(games.len(), 14);
    for g in games {
        let keys: BTreeSet<&str> = g.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            BTreeSet::from(["away_team", "home_team", "venue", "date", "time"]),
            "{g}"
        );
        assert!(g["time"].as_str().unwrap().ends_with(" ET"), "{g}");
    }
    let chiefs = games
        .iter()
        .find(|g| g["away_team"] == "Kansas City Chiefs")
        .expect("KC at LAC");
    assert_eq!(chiefs["home_team"], "Los Angeles Chargers");
    assert_eq!(chiefs["venue"], "SoFi Stadium");
    assert_eq!(chiefs["time"], "8:20 PM ET");
    assert_eq!(chiefs["date"], "Sun, Nov 20");
    let early = games.iter().find(|g| g["home_team"] == "Buffalo Bills").unwrap();
    assert_eq!(
        (early["away_team"].as_str(), early["time"].as_str()),
        (Some("Cleveland Browns"), Some("1:00 PM ET"))
    );
    app.stop().await;
}

#[tokio::test]
async fn legacy_sports_with_an_empty_upstream_says_no_schedule_available() {
    let app = spawn_app().await;
    app.mock_espn_scoreboard("football/nfl", NBA_NO_GAMES).await;
    let (status, body) = app.get_json("/sports").await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"message": "No NFL schedule available.", "games": []}));
    app.stop().await;
}

// ---------------------------------------------------------------- operations

#[tokio::test]
async fn healthz_and_readyz_answer_200_and_readyz_lists_the_providers() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"status": "ok"}));
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, 200);
    let providers = body["providers"].as_array().expect("providers");
    assert_eq!(providers.len(), 1, "espn only, no fallback: {body}");
    assert_eq!(providers[0]["provider"], "espn");
    assert_eq!(providers[0]["circuit"], "closed");
    assert_eq!(body["status"], "ready");
    app.stop().await;
}

#[tokio::test]
async fn metrics_label_requests_by_route_template_never_the_raw_path() {
    let app = nfl_week11().await;
    assert_eq!(app.get("/v1/leagues/nfl/games?team=bills").await.status(), 200);
    assert_eq!(app.get("/v1/leagues/zzzq/games").await.status(), 404);
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap();
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("sportsgate_http_requests_total{")
                && l.contains(r#"route="/v1/leagues/{league}/games""#)
                && l.contains(r#"status="200""#)
        })
        .unwrap_or_else(|| panic!("no games request counter in:\n{text}"));
    let count: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 1.0, "{line}");
    assert!(
        text.lines().any(|l| l.starts_with("sportsgate_http_requests_total{")
            && l.contains(r#"route="/v1/leagues/{league}/games""#)
            && l.contains(r#"status="404""#)),
        "unknown league counted under the template too"
    );
    assert!(
        text.contains("sportsgate_cache_lookups_total{"),
        "cache lookups counted:\n{text}"
    );
    assert!(!text.contains("/v1/leagues/nfl/games"), "raw path leaked into labels");
    assert!(!text.contains("zzzq"), "raw league id leaked into labels");
    assert!(!text.contains("bills"), "query leaked into labels");
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_documents_every_route() {
    let app = spawn_app().await;
    let (status, doc) = app.get_json("/openapi.json").await;
    assert_eq!(status, 200);
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")),
        "openapi = {}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().expect("paths");
    for route in [
        "/sports",
        "/v1/leagues",
        "/v1/leagues/{league}/games",
        "/v1/leagues/{league}/standings",
        "/v1/leagues/{league}/teams",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(
            paths.get(route).and_then(|p| p.get("get")).is_some(),
            "{route} is not documented as GET"
        );
    }
    let games_params: BTreeSet<&str> = paths["/v1/leagues/{league}/games"]["get"]["parameters"]
        .as_array()
        .expect("games parameters")
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(games_params, BTreeSet::from(["league", "date", "team", "status"]));
    app.stop().await;
}

/// Attribute values of `src=` and `href=` in an HTML page.
fn referenced_assets(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attribute) {
            rest = &rest[at + attribute.len()..];
            let end = rest.find('"').expect("closing quote");
            out.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    out
}

#[tokio::test]
async fn the_docs_page_is_swagger_ui_with_every_asset_served_locally() {
    let app = spawn_app().await;
    let response = app.get("/docs").await;
    assert_eq!(response.status(), 200);
    let page_url = response.url().clone();
    let html = response.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "not Swagger UI:\n{html}");
    for scheme in ["http://", "https://"] {
        for (at, _) in html.match_indices(scheme) {
            let url = url::Url::parse(html[at..].split(['"', '\'', ' ', '>', ')']).next().unwrap()).unwrap();
            assert_eq!(
                url.host_str(),
                Some("127.0.0.1"),
                "the page reaches another host: {url}"
            );
        }
    }
    let assets = referenced_assets(&html);
    let scripts = assets.iter().filter(|a| a.ends_with(".js")).count();
    let styles = assets.iter().filter(|a| a.ends_with(".css")).count();
    assert!(
        scripts >= 2 && styles >= 1,
        "expected scripts and styles, got {assets:?}"
    );
    let mut initializer = None;
    for asset in &assets {
        let url = page_url.join(asset).unwrap();
        assert_eq!(url.host_str(), Some("127.0.0.1"), "{asset} is not local");
        let response = app.client.get(url.clone()).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let body = response.bytes().await.unwrap();
        assert!(!body.is_empty(), "{url} is empty");
        if asset.contains("initializer") {
            initializer = Some(String::from_utf8(body.to_vec()).unwrap());
        }
    }
    let initializer = initializer.expect("a swagger-initializer script");
    assert!(
        initializer.contains("/openapi.json"),
        "docs load our document:\n{initializer}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_docs_page_does_not_call_the_online_swagger_validator() {
    // Swagger UI's default `validatorUrl` makes every visitor's browser load a badge from
    // validator.swagger.io with this server's document URL, unless the page is on localhost.
    let app = spawn_app().await;
    let initializer = app.get("/docs/swagger-initializer.js").await;
    assert_eq!(initializer.status(), 200);
    let text = initializer.text().await.unwrap();
    let disabled = [
        "validatorUrl: \"none\"",
        "validatorUrl: null",
        "\"validatorUrl\": \"none\"",
        "\"validatorUrl\":\"none\"",
        "\"validatorUrl\": null",
        "\"validatorUrl\":null",
    ];
    assert!(
        disabled.iter().any(|d| text.contains(d)),
        "the served Swagger UI config leaves the online validator on (default https://validator.swagger.io):\n{text}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_request_id_is_generated_when_absent_and_echoed_when_sent() {
    let app = nfl_week11().await;
    for route in ["/healthz", "/v1/leagues/nfl/games", "/nope"] {
        let response = app.get(route).await;
        let id = response
            .headers()
            .get("x-request-id")
            .expect("x-request-id")
            .to_str()
            .unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{route}: {id:?} is not a UUID");
    }
    let first = app.get("/healthz").await.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let second = app.get("/healthz").await.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second, "a fresh id per request");
    for route in ["/healthz", "/v1/leagues/nfl/games", "/v1/leagues/xfl/games"] {
        let response = app
            .client
            .get(app.url(route))
            .header("x-request-id", "trace-abc-123")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["x-request-id"], "trace-abc-123", "{route}");
    }
    app.stop().await;
}

// ---------------------------------------------------------------- replay provider

#[tokio::test]
async fn the_replay_provider_serves_the_bundled_recordings_without_any_upstream() {
    let app = app().env("SPORTSGATE_PROVIDER", "replay").spawn().await;
    let (status, games) = app.get_json("/v1/leagues/nfl/games").await;
    assert_eq!(status, 200);
    assert_eq!(games["count"], 14);
    assert_eq!(games["source"]["provider"], "replay");
    assert!(
        games["games"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["source"]["provider"] == "replay")
    );

    let (status, standings) = app.get_json("/v1/leagues/epl/standings").await;
    assert_eq!(status, 200);
    assert_eq!(standings["groups"][0]["rows"].as_array().unwrap().len(), 20);
    assert_eq!(standings["source"]["provider"], "replay");

    let (status, teams) = app.get_json("/v1/leagues/nfl/teams").await;
    assert_eq!(status, 200);
    assert_eq!(teams["count"], 32);

    let (status, legacy) = app.get_json("/sports").await;
    assert_eq!(status, 200);
    assert_eq!(legacy["message"], "NFL schedule fetched successfully.");
    assert_eq!(legacy["games"].as_array().unwrap().len(), 14);

    let missing = problem(app.get("/v1/leagues/nfl/standings").await, 404).await;
    assert!(
        missing.get("valid_leagues").is_none(),
        "nfl is a known league: {missing}"
    );

    assert_eq!(
        app.espn_calls().await + app.serpapi_calls().await,
        0,
        "replay reaches no upstream"
    );
    app.stop().await;
}

// ---------------------------------------------------------------- DST

/// A scheduled ESPN event in the scoreboard's shape (fields copied from the week-5 fixture).
fn espn_event(id: &str, at: &str, away: &str, home: &str) -> Value {
    let status = json!({"clock": 0, "displayClock": "0:00", "period": 0, "type": {
        "id": "1", "name": "STATUS_SCHEDULED", "state": "pre", "completed": false,
        "description": "Scheduled", "detail": "Sun, March 10th at 1:30 AM", "shortDetail": "3/10 - 1:30 AM"}});
    let side = |home_away: &str, name: &str, abbreviation: &str| {
        json!({"id": abbreviation, "type": "team", "homeAway": home_away, "score": "0", "team": {
            "id": abbreviation, "location": name, "name": name, "abbreviation": abbreviation,
            "displayName": name, "shortDisplayName": name,
            "logo": format!("https://a.espncdn.com/i/teamlogos/nfl/500/scoreboard/{abbreviation}.png")}})
    };
    json!({
        "id": id, "uid": format!("s:20~l:28~e:{id}"), "date": at,
        "name": format!("{away} at {home}"), "shortName": format!("{away} @ {home}"),
        "season": {"year": 2024, "type": 2, "slug": "regular-season"},
        "status": status,
        "competitions": [{
            "id": id, "date": at, "startDate": at, "timeValid": true, "neutralSite": false,
            "venue": {"id": "1", "fullName": "Test Field", "address": {"city": "Landover", "state": "MD"}},
            "notes": [], "status": status,
            "competitors": [side("home", home, &format!("H{id}")), side("away", away, &format!("A{id}"))]
        }]
    })
}

#[tokio::test]
async fn local_dates_and_legacy_times_follow_the_us_dst_changes() {
    // (event, kick-off UTC, local date in America/New_York, legacy date, legacy time)
    let cases = [
        ("1", "2024-03-10T04:30Z", "2024-03-09", "Sat, Mar 9", "11:30 PM ET"), // EST, before spring forward
        ("2", "2024-03-10T06:30Z", "2024-03-10", "Sun, Mar 10", "1:30 AM ET"), // EST, 30 min before 2:00 → 3:00
        ("3", "2024-03-10T07:30Z", "2024-03-10", "Sun, Mar 10", "3:30 AM ET"), // EDT, just after
        ("4", "2024-03-11T04:30Z", "2024-03-11", "Mon, Mar 11", "12:30 AM ET"), // EDT (EST would say the 10th)
        ("5", "2024-11-03T05:30Z", "2024-11-03", "Sun, Nov 3", "1:30 AM ET"),  // 1:30 AM EDT, first pass
        ("6", "2024-11-03T06:30Z", "2024-11-03", "Sun, Nov 3", "1:30 AM ET"),  // 1:30 AM EST, second pass
        ("7", "2024-11-04T04:30Z", "2024-11-03", "Sun, Nov 3", "11:30 PM ET"), // EST (EDT would say the 4th)
    ];
    let events: Vec<Value> = cases
        .iter()
        .map(|(id, at, ..)| espn_event(id, at, &format!("Away Team {id}"), &format!("Home Team {id}")))
        .collect();
    let scoreboard = json!({"leagues": [], "events": events}).to_string().into_bytes();

    let app = spawn_app().await;
    mock_espn_json(&app, &espn_scoreboard_path("football/nfl"), scoreboard).await;

    let (status, body) = app.get_json("/v1/leagues/nfl/games").await;
    assert_eq!(status, 200);
    assert_eq!(body["count"], cases.len());
    for (id, at, local_date, ..) in cases {
        let g = game(&body, id);
        let expected = DateTime::parse_from_rfc3339(&at.replace('Z', ":00Z")).unwrap();
        assert_eq!(
            DateTime::parse_from_rfc3339(g["starts_at"].as_str().unwrap()).unwrap(),
            expected,
            "event {id}"
        );
        assert_eq!(g["local_date"], local_date, "event {id} at {at}");
    }

    let (_, nov3) = app.get_json("/v1/leagues/nfl/games?date=2024-11-03").await;
    assert_eq!(ids(&nov3), BTreeSet::from(["5", "6", "7"].map(str::to_owned)));
    let (_, mar9) = app.get_json("/v1/leagues/nfl/games?date=2024-03-09").await;
    assert_eq!(ids(&mar9), BTreeSet::from(["1".to_owned()]));

    let (status, legacy) = app.get_json("/sports").await;
    assert_eq!(status, 200);
    let games = legacy["games"].as_array().unwrap();
    for (id, at, _, date, time) in cases {
        let g = games
            .iter()
            .find(|g| g["away_team"] == format!("Away Team {id}"))
            .unwrap();
        assert_eq!(g["home_team"], format!("Home Team {id}"));
        assert_eq!(
            (g["date"].as_str(), g["time"].as_str()),
            (Some(date), Some(time)),
            "event {id} at {at}"
        );
    }
    app.stop().await;
}
