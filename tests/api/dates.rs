//! Dated queries: routed to a provider that can look the day up (ESPN `dates=`), cached under
//! that day, composed from every ESPN (US Eastern) board a league-local day overlaps, and a
//! clear problem where no provider can answer, never an empty 200.

use serde_json::Value;

use crate::helpers::*;
use crate::management::config_file;

const WORLD_CUP_JULY_1: &str = "espn/soccer-fifa-world-scoreboard-small-2026-07-01.json";
const EPL_SEPT_27: &str = "espn/soccer-eng1-scoreboard-final-scheduled-2025-09-27.json";
const SERPAPI_BUNDESLIGA: &str = "serpapi/league-2-bundesliga-games-list-us-2023-08-03.json";

/// The `dates=` values ESPN was asked, in order.
async fn boards_asked(app: &TestApp) -> Vec<String> {
    app.espn
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "dates")
                .map(|(_, v)| v.into_owned())
        })
        .collect()
}

#[tokio::test]
async fn with_serpapi_primary_a_dated_query_asks_espn_for_that_day_and_is_cached_under_it() {
    let app = serpapi_primary()
        .env("SPORTSGATE_FALLBACK_PROVIDER", "espn")
        .spawn()
        .await;
    mount_espn_board(&app, "football/nfl", "20221120", fixture(NFL_WEEK11)).await;
    mount_serpapi(&app, SERPAPI_BUNDESLIGA).await;

    let response = app.get("/v1/leagues/nfl/games?date=2022-11-20").await;
    assert_eq!(header(&response, "x-cache"), "MISS");
    let body: Value = response.json().await.unwrap();
    // Every game of Sunday 20 November in New York, the 20:20 ET night game included; the
    // Thursday and Monday games of the week's board are other days.
    assert_eq!(body["count"], 12, "{body}");
    assert_eq!(body["source"]["provider"], "espn");
    assert!(
        body["games"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["local_date"] == "2022-11-20")
    );
    assert_eq!(
        app.serpapi_calls().await,
        0,
        "SerpApi cannot look a day up and is not asked"
    );
    assert_eq!(boards_asked(&app).await, ["20221120"]);

    let again = app.get("/v1/leagues/nfl/games?date=2022-11-20&status=live").await;
    assert_eq!(header(&again, "x-cache"), "HIT", "the day's entry serves its filters");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["count"], 8);

    // The current view is another question, answered by the primary.
    let (status, current) = app.get_json("/v1/leagues/nfl/games").await;
    assert_eq!(status, 200);
    assert_eq!(current["source"]["provider"], "serpapi");
    assert_eq!(app.serpapi_calls().await, 1);
    assert_eq!(app.espn_calls().await, 1);
    app.stop().await;
}

#[tokio::test]
async fn with_serpapi_alone_a_dated_query_is_a_400_date_unsupported_never_an_empty_200() {
    let app = serpapi_primary()
        .env("SPORTSGATE_FALLBACK_PROVIDER", "none")
        .spawn()
        .await;
    mount_serpapi(&app, SERPAPI_BUNDESLIGA).await;
    let response = app.get("/v1/leagues/bundesliga/games?date=2023-08-04").await;
    assert_eq!(response.status(), 400);
    assert_eq!(header(&response, "content-type"), "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/date-unsupported", "{problem}");
    assert_eq!(problem["parameter"], "date");
    assert!(problem["detail"].as_str().unwrap().contains("serpapi"), "{problem}");
    assert_eq!(app.serpapi_calls().await, 0);

    // /v1/leagues says the same ahead of time.
    let (_, leagues) = app.get_json("/v1/leagues").await;
    let bundesliga = leagues["leagues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "bundesliga")
        .unwrap();
    assert_eq!(
        bundesliga["serves"],
        serde_json::json!([{"provider": "serpapi", "kinds": ["games"], "dates": "none"}])
    );
    app.stop().await;
}

/// A league in London time, fed from ESPN's World Cup boards (cut on US Eastern days).
async fn london_world_cup() -> (TestApp, crate::management::ConfigFile) {
    let config = config_file(
        r#"
        [leagues.worldcup]
        name = "FIFA World Cup (London time)"
        sport = "soccer"
        time_zone = "Europe/London"
        espn = { path = "soccer/fifa.world" }
        "#,
    );
    let app = app().env("SPORTSGATE_CONFIG", &config.path).spawn().await;
    mount_espn_board(&app, "soccer/fifa.world", "20260701", fixture(WORLD_CUP_JULY_1)).await;
    for board in ["20260630", "20260702"] {
        mount_espn_board(&app, "soccer/fifa.world", board, EMPTY_BOARD.into()).await;
    }
    (app, config)
}

#[tokio::test]
async fn a_game_just_after_london_midnight_is_on_the_london_day_from_the_eastern_board_before() {
    let (app, _config) = london_world_cup().await;
    // ESPN's board of 1 July holds BIH @ USA at 00:00Z on 2 July: 20:00 in New York, 01:00
    // in London. Fetching only the board of the asked day would lose it from both days.
    let (status, july_2) = app.get_json("/v1/leagues/worldcup/games?date=2026-07-02").await;
    assert_eq!(status, 200);
    assert_eq!(matchups(&july_2), ["BIH @ USA"]);
    assert_eq!(july_2["games"][0]["starts_at"], "2026-07-02T00:00:00Z");
    assert_eq!(july_2["games"][0]["local_date"], "2026-07-02");
    assert_eq!(boards_asked(&app).await, ["20260701", "20260702"]);

    let (_, july_1) = app.get_json("/v1/leagues/worldcup/games?date=2026-07-01").await;
    assert_eq!(matchups(&july_1), ["COD @ ENG", "SEN @ BEL"]);
    assert!(
        july_1["games"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["local_date"] == "2026-07-01")
    );
    let mut asked = boards_asked(&app).await;
    asked.sort();
    assert_eq!(asked, ["20260630", "20260701", "20260701", "20260702"]);
    app.stop().await;
}

#[tokio::test]
async fn a_premier_league_day_reads_the_eastern_boards_of_that_day_and_the_day_before() {
    let app = spawn_app().await;
    mount_espn_board(&app, "soccer/eng.1", "20250926", EMPTY_BOARD.into()).await;
    mount_espn_board(&app, "soccer/eng.1", "20250927", fixture(EPL_SEPT_27)).await;
    let (status, body) = app.get_json("/v1/leagues/epl/games?date=2025-09-27").await;
    assert_eq!(status, 200);
    assert_eq!(body["count"], 7);
    let mut asked = boards_asked(&app).await;
    asked.sort();
    assert_eq!(asked, ["20250926", "20250927"]);
    app.stop().await;
}

#[tokio::test]
async fn when_one_board_of_the_day_fails_the_answer_is_an_upstream_problem_not_part_of_the_day() {
    let app = spawn_app().await;
    mount_espn_board(&app, "soccer/eng.1", "20250927", fixture(EPL_SEPT_27)).await;
    // No board of 26 September: ESPN answers 404 for it.
    let response = app.get("/v1/leagues/epl/games?date=2025-09-27").await;
    assert_eq!(response.status(), 502);
    assert_eq!(header(&response, "content-type"), "application/problem+json");
    app.stop().await;
}

#[tokio::test]
async fn replay_answers_recorded_days_and_says_which_days_and_kinds_it_has() {
    let app = app().env("SPORTSGATE_PROVIDER", "replay").spawn().await;
    let (status, body) = app.get_json("/v1/leagues/nfl/games?date=2023-10-08").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["count"], 12,
        "the Sunday of week 5 in New York, the 20:20 ET game included"
    );

    let response = app.get("/v1/leagues/nfl/games?date=2023-10-15").await;
    assert_eq!(response.status(), 404);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/not-available");
    assert!(problem["detail"].as_str().unwrap().contains("2023-10-15"), "{problem}");

    let (_, leagues) = app.get_json("/v1/leagues").await;
    let serves = |id: &str| {
        leagues["leagues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == id)
            .unwrap()["serves"]
            .clone()
    };
    assert_eq!(
        serves("nfl"),
        serde_json::json!([{"provider": "replay", "kinds": ["games", "teams"], "dates": "recorded", "recorded_dates": ["2023-10-08"]}])
    );
    assert_eq!(
        serves("epl"),
        serde_json::json!([{"provider": "replay", "kinds": ["games", "standings"], "dates": "none"}])
    );
    assert_eq!(
        serves("ucl"),
        serde_json::json!([]),
        "nothing recorded for the Champions League"
    );
    app.stop().await;
}
