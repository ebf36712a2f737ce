//! `team=` as users type it, and one case rule for ids and enum values, over recorded boards.

use std::collections::BTreeSet;

use crate::helpers::*;

const EPL_SEPT_27: &str = "espn/soccer-eng1-scoreboard-final-scheduled-2025-09-27.json";

async fn check(app: &TestApp, league: &str, table: &[(&str, &[&str])]) {
    for (typed, expected) in table {
        let url = format!("/v1/leagues/{league}/games?team={}", typed.replace(' ', "%20"));
        let (status, body) = app.get_json(&url).await;
        assert_eq!(status, 200, "{url}: {body}");
        let expected: BTreeSet<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        let found: BTreeSet<String> = matchups(&body).into_iter().collect();
        assert_eq!(found, expected, "team={typed:?}");
    }
}

#[tokio::test]
async fn what_users_type_finds_the_nfl_teams_they_mean_in_week_11() {
    let app = spawn_app().await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    check(
        &app,
        "nfl",
        &[
            // "la" is in Atlanta, Cleveland, Philadelphia, Las Vegas and Dallas: none of them.
            ("LA", &["LAR @ NO", "KC @ LAC"]),
            ("NY", &["NYJ @ NE", "DET @ NYG"]),
            ("Man", &[]),
            ("KC", &["KC @ LAC"]),
            ("chiefs", &["KC @ LAC"]),
            ("Kansas City", &["KC @ LAC"]),
            ("la rams", &["LAR @ NO"]),
            ("niners", &["SF @ ARI"]),
            ("SF", &["SF @ ARI"]),
            ("pats", &["NYJ @ NE"]),
            ("Las Vegas", &["LV @ DEN"]),
            ("commanders", &["WSH @ HOU"]),
            ("phi", &["PHI @ IND"]),
            ("zzzz", &[]),
        ],
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn what_users_type_finds_the_premier_league_clubs_they_mean() {
    let app = spawn_app().await;
    app.mock_espn_scoreboard("soccer/eng.1", EPL_SEPT_27).await;
    check(
        &app,
        "epl",
        &[
            ("Spurs", &["WOL @ TOT"]),
            ("Tottenham", &["WOL @ TOT"]),
            ("MUN", &["MAN @ BRE"]),
            ("Man Utd", &["MAN @ BRE"]),
            ("man united", &["MAN @ BRE"]),
            ("Man City", &["BUR @ MNC"]),
            ("Man", &["MAN @ BRE", "BUR @ MNC"]),
            ("Wolves", &["WOL @ TOT"]),
            ("forest", &["SUN @ NFO"]),
            ("Palace", &["LIV @ CRY"]),
            ("brighton", &["BHA @ CHE"]),
            ("NY", &[]),
        ],
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn ids_and_enum_values_are_matched_in_any_case_and_written_in_lower_case() {
    let app = spawn_app().await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    mount_epl_standings(&app).await;
    let (_, lower) = app.get_json("/v1/leagues/nfl/games?status=live").await;
    for url in [
        "/v1/leagues/NFL/games?status=live",
        "/v1/leagues/Nfl/games?status=LIVE",
        "/v1/leagues/nfl/games?status=Live",
    ] {
        let (status, body) = app.get_json(url).await;
        assert_eq!(status, 200, "{url}");
        assert_eq!(body, lower, "{url}");
        assert_eq!(body["league"], "nfl");
        assert!(
            body["games"]
                .as_array()
                .unwrap()
                .iter()
                .all(|g| g["status"] == "live" && g["league"] == "nfl")
        );
    }
    let (status, standings) = app.get_json("/v1/leagues/EPL/standings").await;
    assert_eq!(status, 200);
    assert_eq!(standings["league"], "epl");
    // Whole points are integers.
    assert_eq!(standings["groups"][0]["rows"][0]["points"].to_string(), "83");
    assert_eq!(standings["groups"][0]["rows"][0]["points_for"].to_string(), "78");
    let (status, _) = app.get_json("/v1/leagues/XFL/games").await;
    assert_eq!(status, 404);
    app.stop().await;
}
