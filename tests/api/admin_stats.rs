//! `/admin/v1/stats` and `/admin/v1/plans`, what the admin dashboard draws: requests per
//! key and day, 429s by plan, cache lookups and hit ratio, upstream calls against the
//! SerpApi budget; counted from real traffic through the real app.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::*;
use crate::management::{ADMIN_TOKEN, admin, app_with_admin, create_key, get_as};

const NFL_GAMES: &str = "/v1/leagues/nfl/games";

async fn stats(app: &TestApp, query: &str) -> Value {
    let response = admin(app, Method::GET, &format!("/admin/v1/stats{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn daily_count(stats: &Value, subject: &str) -> u64 {
    let today = chrono::Utc::now().date_naive().to_string();
    stats["requests_per_day"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["subject"] == subject && r["day"] == today.as_str())
        .map(|r| r["count"].as_u64().unwrap())
        .sum()
}

#[tokio::test]
async fn stats_count_requests_per_key_429s_by_plan_cache_lookups_and_upstream_calls() {
    let app = app_with_admin()
        .env("SPORTSGATE_ANONYMOUS_PLAN", "anonymous")
        .spawn()
        .await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    let key = create_key(&app, "dashboard", "pro").await;
    for _ in 0..3 {
        assert_eq!(get_as(&app, NFL_GAMES, &key.token).await.status(), StatusCode::OK);
    }
    // The anonymous plan's burst is 10: a quick run of 14 gets some 429s.
    let mut admitted = 0;
    let mut throttled = 0;
    for _ in 0..14 {
        match app.get("/v1/leagues").await.status() {
            StatusCode::OK => admitted += 1,
            StatusCode::TOO_MANY_REQUESTS => throttled += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(throttled > 0, "the burst was exceeded");

    let s = stats(&app, "").await;
    assert_eq!(daily_count(&s, &format!("key:{}", key.id)), 3, "{s}");
    assert_eq!(
        daily_count(&s, "anonymous"),
        admitted,
        "only admitted requests are usage"
    );
    let today = chrono::Utc::now().date_naive();
    assert_eq!(s["to"], today.to_string());
    assert_eq!(
        s["from"],
        (today - chrono::Days::new(13)).to_string(),
        "14 days by default"
    );

    let plan = |name: &str| {
        s["rejections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["plan"] == name)
            .unwrap_or_else(|| panic!("plan {name} listed: {s}"))
            .clone()
    };
    assert_eq!(plan("anonymous")["throttled"], throttled);
    assert_eq!(plan("anonymous")["quota_exceeded"], 0);
    assert_eq!(plan("pro")["throttled"], 0, "every plan is listed, zeros too");

    assert_eq!(s["cache"]["miss"], 1, "{s}");
    assert_eq!(s["cache"]["hit"], 2);
    let ratio = s["cache"]["hit_ratio"].as_f64().unwrap();
    assert!((ratio - 2.0 / 3.0).abs() < 1e-9, "{ratio}");

    let calls = &s["upstream"]["calls"];
    assert_eq!(calls[0]["provider"], "espn");
    assert_eq!(calls[0]["ok"], 1, "one upstream call served three requests");
    assert_eq!(calls[0]["error"], 0);
    assert_eq!(s["upstream"]["serpapi_budget"]["in_use"], false);
    assert_eq!(s["upstream"]["serpapi_budget"]["spent"], 0);
    app.stop().await;
}

#[tokio::test]
async fn stats_show_upstream_errors_and_searches_spent_against_the_serpapi_budget() {
    let app = app_with_admin()
        .serpapi_primary()
        .env("SPORTSGATE_SERPAPI_MONTHLY_BUDGET", "250")
        .spawn()
        .await;
    // SerpApi answers once, then fails; ESPN (the fallback) is down for the NFL.
    mount_on(
        &app.serpapi,
        "/search.json",
        fixture_response(BUNDESLIGA_SERPAPI),
        1,
        Some(1),
    )
    .await;
    let failing = wiremock::ResponseTemplate::new(500);
    mount_on(&app.serpapi, "/search.json", failing.clone(), 5, None).await;
    mount_on(&app.espn, &espn_scoreboard_path("football/nfl"), failing, 1, None).await;
    assert_eq!(app.get("/v1/leagues/bundesliga/games").await.status(), StatusCode::OK);
    let before = stats(&app, "?days=1").await;
    assert_eq!(before["from"], before["to"], "one day");
    let budget = &before["upstream"]["serpapi_budget"];
    assert_eq!(budget["in_use"], true);
    assert_eq!(budget["spent"], 1, "{before}");
    assert_eq!(budget["limit"], 250);
    assert_eq!(budget["month"], chrono::Utc::now().format("%Y-%m").to_string());

    // Undated: SerpApi is asked first (a dated query goes only to providers that look days up).
    app.get(NFL_GAMES).await;
    let after = stats(&app, "?days=1").await;
    let calls = after["upstream"]["calls"].as_array().unwrap();
    let (serpapi, espn) = (&calls[0], &calls[1]);
    assert_eq!(serpapi["provider"], "serpapi");
    assert_eq!((&serpapi["ok"], &serpapi["error"]), (&1.into(), &1.into()), "{after}");
    assert_eq!(espn["provider"], "espn");
    assert_eq!(espn["error"], 1, "the fallback was tried and failed");
    assert_eq!(after["cache"]["error"], 1, "nothing cached to answer with");
    assert_eq!(
        after["upstream"]["serpapi_budget"]["spent"], 2,
        "a failed search is spent too"
    );
    assert!(!after.to_string().contains(SECRET_KEY));
    app.stop().await;
}

#[tokio::test]
async fn stats_refuse_a_day_count_outside_1_to_90_and_unknown_parameters() {
    let app = app_with_admin().spawn().await;
    for query in ["?days=0", "?days=91", "?days=x", "?since=2026-01-01"] {
        let r = admin(&app, Method::GET, &format!("/admin/v1/stats{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(header(&r, "content-type"), "application/problem+json");
    }
    let s = stats(&app, "?days=90").await;
    assert_eq!(s["cache"]["hit_ratio"], Value::Null, "no lookup yet, no ratio");
    app.stop().await;
}

#[tokio::test]
async fn plans_list_the_built_ins_and_config_plans_with_the_anonymous_one_marked() {
    let config = crate::management::config_file("[plans.team]\nrate = \"10/second\"\nburst = 50\n");
    let app = app_with_admin()
        .env("SPORTSGATE_CONFIG", &config.path)
        .env("SPORTSGATE_ANONYMOUS_PLAN", "anonymous")
        .spawn()
        .await;
    let r = app
        .client
        .get(app.url("/admin/v1/plans"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    let plans = body["plans"].as_array().unwrap();
    let find = |name: &str| plans.iter().find(|p| p["name"] == name).unwrap().clone();
    assert_eq!(find("free")["rate"], "60/minute");
    assert_eq!(find("free")["burst"], 20);
    assert_eq!(find("free")["quota"], "5000/day");
    assert_eq!(find("unlimited")["rate"], Value::Null);
    assert_eq!(find("team")["rate"], "10/second");
    assert_eq!(body["anonymous_plan"], "anonymous");
    app.stop().await;
}

#[tokio::test]
async fn calls_stopped_by_an_open_circuit_count_as_refused_not_sent() {
    let app = app_with_admin().env("SPORTSGATE_BREAKER_FAILURES", "1").spawn().await;
    mount_on(
        &app.espn,
        &espn_scoreboard_path("football/nfl"),
        wiremock::ResponseTemplate::new(500),
        1,
        None,
    )
    .await;
    for _ in 0..2 {
        assert!(app.get(NFL_GAMES).await.status().is_server_error());
    }
    let s = stats(&app, "").await;
    let espn = &s["upstream"]["calls"][0];
    assert_eq!(espn["provider"], "espn");
    assert_eq!((&espn["error"], &espn["refused"]), (&1.into(), &1.into()), "{s}");
    assert_eq!(app.espn_calls().await, 1, "the refused call never left");
    app.stop().await;
}
