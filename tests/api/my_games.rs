//! `GET /v1/me/games`: today's and the coming days' games of the caller's favourite leagues
//! and teams, each league on its own local days; favourite teams checked on the way in.

use chrono::Utc;
use chrono_tz::America::New_York;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::management::{ADMIN_TOKEN, Key, create_key, get_as};

const NBA_FEB_23: &str = "espn/nba-scoreboard-scheduled-2026-02-23.json";
const EPL_SEPT_27: &str = "espn/soccer-eng1-scoreboard-final-scheduled-2025-09-27.json";

async fn keyed_app() -> (TestApp, Key) {
    let app = app().env("SPORTSGATE_ADMIN_TOKEN", ADMIN_TOKEN).spawn().await;
    mount_nfl_teams(&app).await;
    let key = create_key(&app, "fan", "free").await;
    (app, key)
}

async fn save(app: &TestApp, key: &Key, prefs: Value) -> (StatusCode, Value) {
    let r = app
        .client
        .put(app.url("/v1/me/preferences"))
        .header("x-api-key", &key.token)
        .json(&prefs)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

async fn my_games(app: &TestApp, key: &Key, query: &str) -> (StatusCode, Value, String) {
    let r = get_as(app, &format!("/v1/me/games{query}"), &key.token).await;
    let cache_control = header(&r, "cache-control");
    (r.status(), r.json().await.unwrap(), cache_control)
}

fn ids(body: &Value) -> Vec<String> {
    body["games"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn favourite_team_and_league_games_over_each_leagues_own_days_with_unanswered_days_listed() {
    let (app, key) = keyed_app().await;
    let (status, saved) = save(
        &app,
        &key,
        json!({"favourite_leagues": ["epl"], "favourite_teams": [{"league": "nfl", "team": "chiefs"}]}),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["favourite_teams"][0]["team"], "Kansas City Chiefs");

    mount_espn_board(&app, "football/nfl", "20221120", fixture(NFL_WEEK11)).await;
    let (status, body, cache_control) = my_games(&app, &key, "?from=2022-11-20&days=1").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(cache_control, "private, no-cache");
    // Only the Chiefs' game of the NFL board (the league is not a favourite, the team is).
    assert_eq!(ids(&body), ["401437854"]);
    assert_eq!(body["count"], 1);
    assert_eq!(
        body["leagues"],
        json!([
            {"league": "epl", "time_zone": "Europe/London", "dates": ["2022-11-20"], "all_games": true, "teams": []},
            {"league": "nfl", "time_zone": "America/New_York", "dates": ["2022-11-20"], "all_games": false, "teams": ["Kansas City Chiefs"]},
        ])
    );
    // No EPL board of those days exists on the mock: said, not answered as "no games".
    let unavailable = body["unavailable"].as_array().unwrap();
    assert_eq!(unavailable.len(), 1, "{body}");
    assert_eq!(unavailable[0]["league"], "epl");
    assert_eq!(unavailable[0]["date"], "2022-11-20");
    assert_eq!(unavailable[0]["problem"]["status"], 502);

    // A London day: the Eastern boards of that day and the one before; all its games.
    mount_espn_board(&app, "soccer/eng.1", "20250926", EMPTY_BOARD.into()).await;
    mount_espn_board(&app, "soccer/eng.1", "20250927", fixture(EPL_SEPT_27)).await;
    let (status, body, _) = my_games(&app, &key, "?from=2025-09-27&days=1").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["count"], 7);
    assert!(body["games"].as_array().unwrap().iter().all(|g| g["league"] == "epl"));
    let kickoffs: Vec<&str> = body["games"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["starts_at"].as_str().unwrap())
        .collect();
    assert!(kickoffs.windows(2).all(|w| w[0] <= w[1]), "by kick-off: {kickoffs:?}");
    assert_eq!(
        body["unavailable"].as_array().unwrap().len(),
        1,
        "the NFL board of that day is not on the mock"
    );
    app.stop().await;
}

#[tokio::test]
async fn by_default_the_days_start_today_in_the_leagues_zone() {
    let (app, key) = keyed_app().await;
    save(&app, &key, json!({"favourite_leagues": ["nba"]})).await;
    // SYNTHETIC: the recorded NBA board of 2026-02-23 with its kick-offs moved to today
    // (23:00Z, evening in New York), so that "today" has games whatever day the test runs.
    let today = Utc::now().with_timezone(&New_York).date_naive();
    let mut board: Value = serde_json::from_slice(&fixture(NBA_FEB_23)).unwrap();
    for event in board["events"].as_array_mut().unwrap() {
        event["date"] = json!(format!("{today}T23:00Z"));
    }
    mount_espn_board(
        &app,
        "basketball/nba",
        &today.format("%Y%m%d").to_string(),
        board.to_string().into_bytes(),
    )
    .await;
    let (status, body, _) = my_games(&app, &key, "?days=1").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["leagues"][0]["dates"], json!([today.to_string()]));
    assert_eq!(body["count"], 3);
    assert_eq!(body["unavailable"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn when_no_day_can_be_looked_up_it_is_an_upstream_problem_not_an_empty_list() {
    let (app, key) = keyed_app().await;
    save(&app, &key, json!({"favourite_leagues": ["nba"]})).await;
    let r = get_as(&app, "/v1/me/games?from=2026-02-23&days=2", &key.token).await;
    assert_eq!(r.status(), 502);
    assert_eq!(header(&r, "content-type"), "application/problem+json");
    app.stop().await;
}

#[tokio::test]
async fn bad_parameters_anonymous_callers_and_unchecked_teams_are_refused() {
    let (app, key) = keyed_app().await;
    for query in ["?days=0", "?days=8", "?from=yesterday", "?colour=red"] {
        let r = get_as(&app, &format!("/v1/me/games{query}"), &key.token).await;
        assert_eq!(r.status(), 400, "{query}");
    }
    let anonymous = app.get("/v1/me/games").await;
    assert_eq!(anonymous.status(), 401);

    // No favourites yet: nothing to list, and nothing asked upstream.
    let (status, body, _) = my_games(&app, &key, "").await;
    assert_eq!(status, 200);
    assert_eq!(body["count"], 0);
    assert_eq!(body["leagues"], json!([]));
    let before = app.espn_calls().await;

    // A team the league's teams cannot be checked against (ESPN's EPL team list fails): the
    // preferences are not saved unchecked.
    let (status, problem) = save(
        &app,
        &key,
        json!({"favourite_teams": [{"league": "epl", "team": "Spurs"}]}),
    )
    .await;
    assert_eq!(status, 502, "{problem}");
    assert!(app.espn_calls().await > before);
    let prefs = get_as(&app, "/v1/me/preferences", &key.token)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(prefs["favourite_teams"], json!([]));
    app.stop().await;
}
