//! The basic promise: every data route answers with normalized data from the upstream.

use crate::helpers::*;

#[tokio::test]
async fn games_come_from_the_upstream_normalized() {
    let app = spawn_app().await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    let (status, body) = app.get_json("/v1/leagues/nfl/games").await;
    assert_eq!(status, 200);
    assert_eq!(body["league"], "nfl");
    assert_eq!(body["count"], 14);
    assert_eq!(body["source"]["provider"], "espn");
    app.stop().await;
}
