//! The cache in front of the upstreams, seen from HTTP: single-flight, hits, per-kind
//! lifetimes, validators and stale-while-revalidate.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::task::JoinSet;

use crate::helpers::*;

const NFL_GAMES: &str = "/v1/leagues/nfl/games";
const NBA_SCHEDULED: &str = "espn/nba-scoreboard-scheduled-2026-02-23.json";
const NFL_WEEK5: &str = "espn/nfl-scoreboard-week5-all-scheduled-2023-10-05.json";

/// `max-age` of a `Cache-Control` value.
fn max_age(cache_control: &str) -> u64 {
    cache_control
        .split(',')
        .find_map(|d| d.trim().strip_prefix("max-age="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no max-age in Cache-Control {cache_control:?}"))
}

/// `ttl` parameter of a `Cache-Status` value.
fn status_ttl(cache_status: &str) -> i64 {
    cache_status
        .split(';')
        .find_map(|p| p.trim().strip_prefix("ttl="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no ttl in Cache-Status {cache_status:?}"))
}

fn age(response: &reqwest::Response) -> u64 {
    let raw = header(response, "age");
    raw.parse()
        .unwrap_or_else(|_| panic!("Age header missing or not a number: {raw:?}"))
}

/// An app whose data kinds all have distinct fresh lifetimes.
async fn app_with_distinct_ttls() -> TestApp {
    app()
        .env("SPORTSGATE_TTL_LIVE", "7s")
        .env("SPORTSGATE_TTL_SCHEDULE", "600s")
        .env("SPORTSGATE_TTL_STANDINGS", "3000s")
        .env("SPORTSGATE_TTL_TEAMS", "90000s")
        .spawn()
        .await
}

/// A fresh answer for `route` is cached for `ttl` seconds: Cache-Control's max-age is at most
/// the lifetime (and within a second of it right after the fetch), and Cache-Status says so.
async fn assert_cached_for(app: &TestApp, route: &str, ttl: u64) {
    let first = app.get(route).await;
    assert_eq!(first.status(), StatusCode::OK, "{route}");
    assert_eq!(header(&first, "x-cache"), "MISS", "{route}");
    let max = max_age(&header(&first, "cache-control"));
    assert!(
        max <= ttl && max + 1 >= ttl,
        "{route}: max-age={max}, expected about {ttl}"
    );
    let ttl_left = status_ttl(&header(&first, "cache-status"));
    assert!(
        ttl_left <= ttl as i64 && ttl_left + 1 >= ttl as i64,
        "{route}: Cache-Status ttl={ttl_left}, expected {ttl}"
    );

    let second = app.get(route).await;
    assert_eq!(header(&second, "x-cache"), "HIT", "{route}");
    let max = max_age(&header(&second, "cache-control"));
    assert!(
        max <= ttl && max + 2 >= ttl,
        "{route}: max-age={max} on the hit, expected about {ttl}"
    );
    assert_eq!(app.espn_calls().await, 1, "{route}: the hit made no upstream call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_cold_requests_make_one_upstream_call() {
    let app = spawn_app().await;
    let slow = fixture_response(NFL_WEEK11).set_delay(Duration::from_millis(400));
    mount_on(&app.espn, &espn_scoreboard_path("football/nfl"), slow, 1, None).await;

    let mut requests = JoinSet::new();
    for _ in 0..100 {
        let (client, url) = (app.client.clone(), app.url(NFL_GAMES));
        requests.spawn(async move {
            let r = client.get(url).send().await.expect("request failed");
            let head = (
                r.status(),
                header(&r, "etag"),
                header(&r, "cache-status"),
                header(&r, "x-cache"),
            );
            let body = r.bytes().await.expect("body");
            (head, body)
        });
    }
    let answers: Vec<_> = requests.join_all().await;

    assert_eq!(
        app.espn_calls().await,
        1,
        "100 concurrent cold requests must collapse into one upstream call"
    );
    let ((_, etag, _, _), body) = &answers[0];
    assert!(!etag.is_empty(), "responses carry an ETag");
    let mut leaders = 0;
    for ((status, tag, cache_status, x_cache), b) in &answers {
        assert_eq!(*status, StatusCode::OK);
        assert_eq!(tag, etag, "every caller gets the same representation");
        assert_eq!(b, body);
        assert_eq!(
            x_cache, "MISS",
            "leader and followers were both forwarded: {cache_status}"
        );
        if cache_status.contains("fwd=miss; stored") {
            leaders += 1;
        } else {
            assert!(
                cache_status.contains("collapsed"),
                "a follower's Cache-Status says collapsed: {cache_status:?}"
            );
            assert!(!cache_status.contains("stored"), "{cache_status:?}");
        }
    }
    assert_eq!(
        leaders, 1,
        "exactly one request led the upstream call and stored its answer"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_second_request_is_a_cache_hit_without_an_upstream_call() {
    let app = spawn_app().await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;

    let first = app.get(NFL_GAMES).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(header(&first, "x-cache"), "MISS");
    assert!(
        header(&first, "cache-status").contains("fwd=miss; stored"),
        "{}",
        header(&first, "cache-status")
    );
    let etag = header(&first, "etag");
    let body = first.bytes().await.unwrap();

    let second = app.get(NFL_GAMES).await;
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(header(&second, "x-cache"), "HIT");
    let cache_status = header(&second, "cache-status");
    assert!(cache_status.starts_with("sportsgate; hit"), "{cache_status:?}");
    assert!(
        !cache_status.contains("fwd"),
        "a hit is not forwarded: {cache_status:?}"
    );
    assert_eq!(header(&second, "etag"), etag);
    assert_eq!(second.bytes().await.unwrap(), body);
    assert_eq!(app.espn_calls().await, 1, "the hit made no upstream call");
    app.stop().await;
}

#[tokio::test]
async fn the_age_header_grows_while_the_entry_is_served_from_the_cache() {
    let app = app().env("SPORTSGATE_TTL_LIVE", "30s").spawn().await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;

    let first = app.get(NFL_GAMES).await;
    assert_eq!(age(&first), 0, "a fresh fetch has Age 0");
    let first_max_age = max_age(&header(&first, "cache-control"));

    let (older_age, older_max_age) = eventually(Duration::from_secs(3), "Age to reach 1", || async {
        let r = app.get(NFL_GAMES).await;
        assert_eq!(header(&r, "x-cache"), "HIT");
        let a = age(&r);
        (a >= 1).then(|| (a, max_age(&header(&r, "cache-control"))))
    })
    .await;
    assert!(older_age <= 2, "Age {older_age} grows with the entry's real age");
    // RFC 9111: max-age is the whole lifetime and a downstream cache subtracts Age itself,
    // so max-age stays put while Age grows (a shrinking max-age would count the age twice).
    assert_eq!(
        older_max_age, first_max_age,
        "max-age is the entry's lifetime, not what is left of it: {first_max_age} then {older_max_age}"
    );
    assert_eq!(first_max_age, 30, "the live TTL");
    assert_eq!(app.espn_calls().await, 1);
    drop(first);
    app.stop().await;
}

#[tokio::test]
async fn games_with_a_live_game_are_cached_for_the_live_ttl() {
    let app = app_with_distinct_ttls().await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    assert_cached_for(&app, NFL_GAMES, 7).await;
    app.stop().await;
}

#[tokio::test]
async fn games_with_no_game_in_progress_or_about_to_start_are_cached_for_the_schedule_ttl() {
    let app = app_with_distinct_ttls().await;
    app.mock_espn_scoreboard("basketball/nba", NBA_SCHEDULED).await;
    assert_cached_for(&app, "/v1/leagues/nba/games", 600).await;
    app.stop().await;
}

#[tokio::test]
async fn standings_are_cached_for_the_standings_ttl() {
    let app = app_with_distinct_ttls().await;
    mount_epl_standings(&app).await;
    assert_cached_for(&app, "/v1/leagues/epl/standings", 3000).await;
    app.stop().await;
}

#[tokio::test]
async fn teams_are_cached_for_the_teams_ttl() {
    let app = app_with_distinct_ttls().await;
    mount_nfl_teams(&app).await;
    assert_cached_for(&app, "/v1/leagues/nfl/teams", 90000).await;
    app.stop().await;
}

#[tokio::test]
async fn a_matching_if_none_match_gets_a_bodyless_304_with_the_same_etag() {
    let app = spawn_app().await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    let etag = header(&app.get(NFL_GAMES).await, "etag");
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "a quoted strong ETag: {etag:?}"
    );

    for validator in [etag.clone(), format!("W/{etag}"), format!("\"nope\", {etag}")] {
        let r = app
            .client
            .get(app.url(NFL_GAMES))
            .header("if-none-match", &validator)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "If-None-Match: {validator}");
        assert_eq!(header(&r, "etag"), etag);
        assert!(
            !header(&r, "cache-control").is_empty(),
            "a 304 still carries Cache-Control"
        );
        assert!(r.bytes().await.unwrap().is_empty(), "a 304 has no body");
    }
    assert_eq!(app.espn_calls().await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_non_matching_if_none_match_gets_the_full_body() {
    let app = spawn_app().await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    let first = app.get(NFL_GAMES).await;
    let etag = header(&first, "etag");
    let body = first.bytes().await.unwrap();

    let r = app
        .client
        .get(app.url(NFL_GAMES))
        .header("if-none-match", "\"0123456789abcdef\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "etag"), etag);
    assert_eq!(r.bytes().await.unwrap(), body);
    app.stop().await;
}

#[tokio::test]
async fn a_filtered_response_has_its_own_etag() {
    let app = spawn_app().await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    let all = app.get(NFL_GAMES).await;
    let all_etag = header(&all, "etag");

    let live_route = format!("{NFL_GAMES}?status=live");
    let live = app.get(&live_route).await;
    assert_eq!(live.status(), StatusCode::OK);
    let live_etag = header(&live, "etag");
    assert!(!live_etag.is_empty());
    assert_ne!(live_etag, all_etag, "a filtered body has a different validator");
    let live_body: serde_json::Value = live.json().await.unwrap();
    assert_eq!(live_body["count"], 8, "week 11 has 8 games in progress");

    let stale_validator = app
        .client
        .get(app.url(&live_route))
        .header("if-none-match", &all_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        stale_validator.status(),
        StatusCode::OK,
        "the unfiltered ETag does not validate the filtered body"
    );
    let same = app
        .client
        .get(app.url(&live_route))
        .header("if-none-match", &live_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&same, "etag"), live_etag, "the filtered ETag is stable");
    assert_eq!(
        app.espn_calls().await,
        1,
        "filters are applied to the one cached upstream answer"
    );
    drop((all, stale_validator, same));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_entry_is_served_stale_while_one_background_refresh_fetches_new_data() {
    let app = app()
        .env("SPORTSGATE_TTL_LIVE", "1s")
        .env("SPORTSGATE_TTL_SCHEDULE", "60s")
        .env("SPORTSGATE_STALE_WHILE_REVALIDATE", "30s")
        .env("SPORTSGATE_STALE_IF_ERROR", "1h")
        .spawn()
        .await;
    let route = espn_scoreboard_path("football/nfl");
    // Week 11 (live, so the 1 s lifetime) once; afterwards week 5, slowly.
    mount_on(&app.espn, &route, fixture_response(NFL_WEEK11), 1, Some(1)).await;
    let refresh_delay = Duration::from_millis(500);
    mount_on(
        &app.espn,
        &route,
        fixture_response(NFL_WEEK5).set_delay(refresh_delay),
        2,
        None,
    )
    .await;

    let first = app.get(NFL_GAMES).await;
    assert_eq!(header(&first, "x-cache"), "MISS");
    let old_etag = header(&first, "etag");
    let old_body = first.bytes().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let mut stale = JoinSet::new();
    for _ in 0..5 {
        let (client, url) = (app.client.clone(), app.url(NFL_GAMES));
        stale.spawn(async move {
            let started = Instant::now();
            let r = client.get(url).send().await.expect("request failed");
            let elapsed = started.elapsed();
            let head = (
                r.status(),
                header(&r, "x-cache"),
                header(&r, "cache-status"),
                header(&r, "etag"),
            );
            (head, r.bytes().await.unwrap(), elapsed)
        });
    }
    for ((status, x_cache, cache_status, etag), body, elapsed) in stale.join_all().await {
        assert_eq!(status, StatusCode::OK);
        assert_eq!(x_cache, "STALE", "{cache_status}");
        assert!(
            cache_status.contains("detail=stale-while-revalidate"),
            "{cache_status:?}"
        );
        assert!(
            status_ttl(&cache_status) <= 0,
            "a stale answer has no freshness left: {cache_status:?}"
        );
        assert_eq!(etag, old_etag);
        assert_eq!(body, old_body, "the old body is served while revalidating");
        assert!(
            elapsed < refresh_delay - Duration::from_millis(150),
            "served at once, not after the refresh ({elapsed:?})"
        );
    }

    let fresh = eventually(Duration::from_secs(3), "the refreshed data", || async {
        let r = app.get(NFL_GAMES).await;
        (header(&r, "etag") != old_etag).then_some(r)
    })
    .await;
    assert_eq!(
        header(&fresh, "x-cache"),
        "HIT",
        "the background refresh stored the new data"
    );
    let body: serde_json::Value = fresh.json().await.unwrap();
    let old: serde_json::Value = serde_json::from_slice(&old_body).unwrap();
    assert_ne!(
        body["games"][0]["id"], old["games"][0]["id"],
        "the new body holds the week-5 games"
    );
    assert_eq!(
        app.espn_calls().await,
        2,
        "one initial fetch plus exactly one background refresh"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_refreshed_entry_is_kept_for_its_own_lifetime_not_the_first_ones() {
    // Retention = TTL 1 s + stale window 2 s = 3 s. The entry is refreshed at about 1.5 s;
    // at 3.3 s the first fetch's retention has passed, the refreshed entry's has not.
    let app = app()
        .env("SPORTSGATE_TTL_LIVE", "1s")
        .env("SPORTSGATE_STALE_WHILE_REVALIDATE", "2s")
        .env("SPORTSGATE_STALE_IF_ERROR", "0s")
        .spawn()
        .await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    assert_eq!(header(&app.get(NFL_GAMES).await, "x-cache"), "MISS");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        header(&app.get(NFL_GAMES).await, "x-cache"),
        "STALE",
        "served stale, refreshing"
    );
    eventually(Duration::from_secs(2), "the background refresh", || async {
        (app.espn_calls().await == 2).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1800)).await;
    let late = app.get(NFL_GAMES).await;
    assert_ne!(
        header(&late, "x-cache"),
        "MISS",
        "the refreshed entry was evicted on the first entry's schedule"
    );
    app.stop().await;
}
