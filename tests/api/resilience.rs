//! What callers see when upstreams misbehave: stale-if-error, clean problem responses,
//! retries, the circuit breaker, the SerpApi → ESPN fallback and the SerpApi budget.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::StatusCode;
use tokio::task::JoinSet;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::*;

const NFL_GAMES: &str = "/v1/leagues/nfl/games";
const BUNDESLIGA_SERPAPI: &str = "serpapi/league-2-bundesliga-games-list-us-2023-08-03.json";
const EPL_SCOREBOARD: &str = "espn/soccer-eng1-scoreboard-final-scheduled-2025-09-27.json";
const MALFORMED: &str = "{\"leagues\": [{\"id\": \"28\"}], \"events\": [{\"id\": ";

fn nfl_scoreboard() -> String {
    espn_scoreboard_path("football/nfl")
}

fn port_of(uri: &str) -> u16 {
    url::Url::parse(uri).unwrap().port().expect("mock URI has a port")
}

/// Responds with `response` and records when each request arrived.
#[derive(Clone)]
struct Timed {
    arrivals: Arc<Mutex<Vec<Instant>>>,
    response: ResponseTemplate,
}

impl Respond for Timed {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.arrivals.lock().unwrap().push(Instant::now());
        self.response.clone()
    }
}

/// Any GET on `server` answers `status`.
async fn fail_everything(server: &MockServer, status: u16) {
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(status))
        .with_priority(10)
        .mount(server)
        .await;
}

/// A problem+json answer with `status`, in plain words: no upstream URL, address, port or
/// stack trace.
async fn assert_clean_problem(response: reqwest::Response, status: u16, upstream_port: u16) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status);
    let content_type = header(&response, "content-type");
    assert!(content_type.starts_with("application/problem+json"), "{content_type:?}");
    let text = response.text().await.unwrap();
    let lower = text.to_ascii_lowercase();
    for leak in [
        "http",
        "127.0.0.1",
        "localhost",
        &upstream_port.to_string(),
        "/apis/",
        "search.json",
    ] {
        assert!(!lower.contains(leak), "problem body leaks {leak:?}: {text}");
    }
    for trace in [
        "panicked",
        "backtrace",
        "stack",
        ".rs:",
        "src/",
        "reqwest",
        "hyper",
        "error sending",
    ] {
        assert!(
            !lower.contains(trace),
            "problem body looks like a trace ({trace:?}): {text}"
        );
    }
    let problem: serde_json::Value = serde_json::from_str(&text).expect("problem is JSON");
    assert_eq!(problem["status"], status);
    for field in ["type", "title", "detail"] {
        assert!(
            problem[field].as_str().is_some_and(|s| !s.is_empty()),
            "problem has {field}: {text}"
        );
    }
    problem
}

// ---- stale-if-error ----------------------------------------------------------------------

/// 1 s lifetimes, no stale-while-revalidate window, an hour of stale-if-error, 500 ms deadline.
fn stale_if_error_app() -> TestAppBuilder {
    app()
        .env("SPORTSGATE_TTL_LIVE", "1s")
        .env("SPORTSGATE_TTL_SCHEDULE", "1s")
        .env("SPORTSGATE_STALE_WHILE_REVALIDATE", "0s")
        .env("SPORTSGATE_STALE_IF_ERROR", "1h")
        .env("SPORTSGATE_UPSTREAM_TIMEOUT", "500ms")
}

/// Fetches NFL games once (a MISS) and returns the ETag and body.
async fn prime(app: &TestApp) -> (String, Bytes) {
    let first = app.get(NFL_GAMES).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(header(&first, "x-cache"), "MISS");
    (header(&first, "etag"), first.bytes().await.unwrap())
}

async fn let_it_expire() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

/// The request after expiry gets the old body, marked stale; returns its Cache-Status.
async fn assert_served_stale(app: &TestApp, etag: &str, body: &Bytes) -> String {
    let r = app.get(NFL_GAMES).await;
    assert_eq!(r.status(), StatusCode::OK, "stale data beats an error");
    assert_eq!(header(&r, "x-cache"), "STALE");
    assert_eq!(header(&r, "etag"), etag);
    let cache_status = header(&r, "cache-status");
    assert!(cache_status.contains("fwd=stale"), "{cache_status:?}");
    assert!(cache_status.contains("detail=stale-if-error"), "{cache_status:?}");
    assert_eq!(&r.bytes().await.unwrap(), body, "the old body");
    cache_status
}

/// First fetch succeeds; afterwards the upstream answers `failure`.
async fn stale_after(failure: ResponseTemplate) -> String {
    let app = stale_if_error_app().spawn().await;
    mount_on(&app.espn, &nfl_scoreboard(), fixture_response(NFL_WEEK11), 1, Some(1)).await;
    mount_on(&app.espn, &nfl_scoreboard(), failure, 2, None).await;
    let (etag, body) = prime(&app).await;
    let_it_expire().await;
    let cache_status = assert_served_stale(&app, &etag, &body).await;
    assert_eq!(
        app.espn_calls().await,
        2,
        "the expired entry was refreshed upstream first"
    );
    app.stop().await;
    cache_status
}

#[tokio::test]
async fn an_expired_entry_is_served_stale_when_the_upstream_answers_500() {
    let cache_status = stale_after(ResponseTemplate::new(500)).await;
    assert!(cache_status.contains("fwd-status=500"), "{cache_status:?}");
}

#[tokio::test]
async fn an_expired_entry_is_served_stale_when_the_upstream_times_out() {
    let started = Instant::now();
    let cache_status = stale_after(fixture_response(NFL_WEEK11).set_delay(Duration::from_secs(3))).await;
    assert!(!cache_status.contains("fwd-status"), "{cache_status:?}");
    assert!(
        started.elapsed() < Duration::from_millis(2900),
        "the 500 ms deadline applied, not the mock's 3 s delay"
    );
}

#[tokio::test]
async fn an_expired_entry_is_served_stale_when_the_upstream_sends_malformed_json() {
    let cache_status = stale_after(ResponseTemplate::new(200).set_body_raw(MALFORMED, "application/json")).await;
    assert!(!cache_status.contains("fwd-status"), "{cache_status:?}");
}

#[tokio::test]
async fn an_expired_entry_is_served_stale_when_the_upstream_refuses_connections() {
    // An unpooled mock server: dropping it closes its port.
    let upstream = MockServer::builder().start().await;
    mount_on(&upstream, &nfl_scoreboard(), fixture_response(NFL_WEEK11), 1, None).await;
    let app = stale_if_error_app()
        .env("SPORTSGATE_ESPN_URL", &upstream.uri())
        .spawn()
        .await;
    let (etag, body) = prime(&app).await;
    let upstream_uri = upstream.uri();
    drop(upstream);
    let refused = reqwest::Client::new().get(format!("{upstream_uri}/")).send().await;
    assert!(
        refused.is_err_and(|e| e.is_connect()),
        "the upstream port is closed now"
    );

    let_it_expire().await;
    let cache_status = assert_served_stale(&app, &etag, &body).await;
    assert!(!cache_status.contains("fwd-status"), "{cache_status:?}");
    app.stop().await;
}

// ---- failures with nothing cached --------------------------------------------------------

#[tokio::test]
async fn without_a_cached_copy_an_upstream_500_is_a_502_problem_that_names_no_url() {
    let app = stale_if_error_app().spawn().await;
    fail_everything(&app.espn, 500).await;
    let problem = assert_clean_problem(app.get(NFL_GAMES).await, 502, port_of(&app.espn.uri())).await;
    assert_eq!(problem["type"], "/problems/upstream-error");
    app.stop().await;
}

#[tokio::test]
async fn without_a_cached_copy_an_upstream_timeout_is_a_504_problem_that_names_no_url() {
    let app = stale_if_error_app().spawn().await;
    mount_on(
        &app.espn,
        &nfl_scoreboard(),
        fixture_response(NFL_WEEK11).set_delay(Duration::from_secs(3)),
        1,
        None,
    )
    .await;
    let started = Instant::now();
    let response = app.get(NFL_GAMES).await;
    assert!(
        started.elapsed() < Duration::from_millis(2000),
        "gave up at the 500 ms deadline: {:?}",
        started.elapsed()
    );
    assert_clean_problem(response, 504, port_of(&app.espn.uri())).await;
    app.stop().await;
}

#[tokio::test]
async fn without_a_cached_copy_malformed_upstream_json_is_a_502_problem_that_names_no_url() {
    let app = stale_if_error_app().spawn().await;
    let malformed = ResponseTemplate::new(200).set_body_raw(MALFORMED, "application/json");
    mount_on(&app.espn, &nfl_scoreboard(), malformed, 1, None).await;
    assert_clean_problem(app.get(NFL_GAMES).await, 502, port_of(&app.espn.uri())).await;
    app.stop().await;
}

#[tokio::test]
async fn without_a_cached_copy_a_refused_connection_is_a_502_problem_that_names_no_url() {
    let closed = closed_port_url();
    let app = stale_if_error_app().env("SPORTSGATE_ESPN_URL", &closed).spawn().await;
    assert_clean_problem(app.get(NFL_GAMES).await, 502, port_of(&closed)).await;
    app.stop().await;
}

// ---- retries -----------------------------------------------------------------------------

#[tokio::test]
async fn a_503_is_retried_and_the_retry_succeeds() {
    let app = app().env("SPORTSGATE_UPSTREAM_RETRIES", "2").spawn().await;
    mount_on(&app.espn, &nfl_scoreboard(), ResponseTemplate::new(503), 1, Some(1)).await;
    mount_on(&app.espn, &nfl_scoreboard(), fixture_response(NFL_WEEK11), 2, None).await;
    let (status, body) = app.get_json(NFL_GAMES).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["count"], 14);
    assert_eq!(app.espn_calls().await, 2, "one failed attempt, one retry");
    app.stop().await;
}

#[tokio::test]
async fn a_429_with_retry_after_is_honoured_before_the_next_attempt() {
    let app = app().env("SPORTSGATE_UPSTREAM_RETRIES", "2").spawn().await;
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let throttled = Timed {
        arrivals: arrivals.clone(),
        response: ResponseTemplate::new(429).insert_header("retry-after", "1"),
    };
    let ok = Timed {
        arrivals: arrivals.clone(),
        response: fixture_response(NFL_WEEK11),
    };
    Mock::given(method("GET"))
        .respond_with(throttled)
        .with_priority(1)
        .up_to_n_times(1)
        .mount(&app.espn)
        .await;
    Mock::given(method("GET"))
        .respond_with(ok)
        .with_priority(2)
        .mount(&app.espn)
        .await;

    let (status, _) = app.get_json(NFL_GAMES).await;
    assert_eq!(status, StatusCode::OK);
    let arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 2, "a throttled attempt and one retry");
    let gap = arrivals[1] - arrivals[0];
    assert!(
        gap >= Duration::from_secs(1),
        "the retry waited Retry-After: 1 (came after {gap:?})"
    );
    assert!(gap < Duration::from_millis(2500), "and not much longer ({gap:?})");
    app.stop().await;
}

#[tokio::test]
async fn a_404_is_not_retried() {
    let app = app().env("SPORTSGATE_UPSTREAM_RETRIES", "2").spawn().await;
    mount_on(&app.espn, &nfl_scoreboard(), ResponseTemplate::new(404), 1, Some(1)).await;
    mount_on(&app.espn, &nfl_scoreboard(), fixture_response(NFL_WEEK11), 2, None).await;
    let response = app.get(NFL_GAMES).await;
    assert_ne!(response.status(), StatusCode::OK, "a retry would have found the 200");
    assert_clean_problem(response, 502, port_of(&app.espn.uri())).await;
    assert_eq!(app.espn_calls().await, 1, "a 404 is final");
    app.stop().await;
}

// ---- circuit breaker ---------------------------------------------------------------------

fn breaker_app() -> TestAppBuilder {
    app()
        .env("SPORTSGATE_BREAKER_FAILURES", "3")
        .env("SPORTSGATE_BREAKER_COOLDOWN", "1s")
        .env("SPORTSGATE_FALLBACK_PROVIDER", "none")
}

async fn readiness(app: &TestApp) -> (String, String) {
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, StatusCode::OK, "readiness stays 200 while degraded: {body}");
    let espn = body["providers"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["provider"] == "espn"))
        .unwrap_or_else(|| panic!("readyz lists the espn provider: {body}"));
    (
        body["status"].as_str().unwrap_or_default().to_owned(),
        espn["circuit"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Three upstream failures on three leagues (nothing cached, so each goes upstream).
async fn open_the_circuit(app: &TestApp) {
    fail_everything(&app.espn, 500).await;
    for league in ["nfl", "nba", "mlb"] {
        let r = app.get(&format!("/v1/leagues/{league}/games")).await;
        assert_eq!(r.status(), StatusCode::BAD_GATEWAY, "{league}");
    }
    assert_eq!(app.espn_calls().await, 3);
}

#[tokio::test]
async fn after_three_upstream_failures_the_circuit_opens_and_requests_fail_fast_without_an_upstream_call() {
    let app = breaker_app().spawn().await;
    assert_eq!(readiness(&app).await, ("ready".into(), "closed".into()));
    open_the_circuit(&app).await;

    let r = app.get("/v1/leagues/nhl/games").await;
    let retry_after: u64 = header(&r, "retry-after")
        .parse()
        .expect("a 503 says when to come back, in seconds");
    assert_eq!(
        retry_after, 1,
        "the open circuit's remaining cooldown (1 s, rounded up)"
    );
    let problem = assert_clean_problem(r, 503, port_of(&app.espn.uri())).await;
    assert_eq!(problem["type"], "/problems/upstream-unavailable");
    assert_eq!(app.espn_calls().await, 3, "an open circuit makes no upstream call");

    let (_, body) = app.get_json("/readyz").await;
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(readiness(&app).await, ("degraded".into(), "open".into()));
    assert!(
        body["degraded"]
            .as_array()
            .is_some_and(|d| d.iter().any(|p| p == "provider:espn")),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_the_cooldown_one_probe_goes_through_and_its_success_closes_the_circuit() {
    let app = breaker_app().spawn().await;
    open_the_circuit(&app).await;
    app.espn.reset().await;
    let healthy = fixture_response(NFL_WEEK11).set_delay(Duration::from_millis(300));
    Mock::given(method("GET")).respond_with(healthy).mount(&app.espn).await;

    eventually(Duration::from_secs(3), "the cooldown to pass", || async {
        (readiness(&app).await.1 == "half_open").then_some(())
    })
    .await;
    assert_eq!(app.espn_calls().await, 0, "no call went upstream during the cooldown");

    // Three leagues at once: one probe goes upstream, the others still fail fast.
    let mut requests = JoinSet::new();
    for league in ["nhl", "nba", "mlb"] {
        let (client, url) = (app.client.clone(), app.url(&format!("/v1/leagues/{league}/games")));
        requests.spawn(async move { client.get(url).send().await.expect("request failed").status() });
    }
    let statuses = requests.join_all().await;
    assert_eq!(
        app.espn_calls().await,
        1,
        "exactly one probe in the half-open state: {statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE)
            .count(),
        2,
        "{statuses:?}"
    );

    assert_eq!(readiness(&app).await, ("ready".into(), "closed".into()));
    let r = app.get("/v1/leagues/nfl/games").await;
    assert_eq!(r.status(), StatusCode::OK, "a closed circuit lets calls through again");
    assert_eq!(app.espn_calls().await, 2);
    app.stop().await;
}

/// The real binary with ESPN at `upstream`, a 3-failure breaker and a 1 s cooldown. The
/// gauge is process-global, so these run where no other test's breaker can move it.
fn breaker_binary(upstream: &MockServer) -> BinaryApp {
    spawn_binary(&[
        ("SPORTSGATE_PROVIDER", "espn"),
        ("SPORTSGATE_ESPN_URL", &upstream.uri()),
        ("SPORTSGATE_UPSTREAM_RETRIES", "0"),
        ("SPORTSGATE_UPSTREAM_TIMEOUT", "500ms"),
        ("SPORTSGATE_BREAKER_FAILURES", "3"),
        ("SPORTSGATE_BREAKER_COOLDOWN", "1s"),
    ])
}

/// `sportsgate_circuit_open{provider="espn"}` from `/metrics`, if exposed.
async fn espn_circuit_gauge(client: &reqwest::Client, base: &str) -> Option<f64> {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("sportsgate_circuit_open{provider=\"espn\"}"))
        .and_then(|v| v.trim().parse::<f64>().ok())
}

#[tokio::test]
async fn the_circuit_open_gauge_reads_zero_for_a_healthy_provider_from_the_start() {
    let upstream = MockServer::builder().start().await;
    let server = breaker_binary(&upstream);
    let client = reqwest::Client::new();
    assert_eq!(
        espn_circuit_gauge(&client, &server.base).await,
        Some(0.0),
        "sportsgate_circuit_open{{provider=\"espn\"}} 0 is exposed before any failure"
    );
}

#[tokio::test]
async fn the_circuit_open_gauge_is_one_while_the_circuit_is_open_and_zero_once_it_closes() {
    let upstream = MockServer::builder().start().await;
    fail_everything(&upstream, 500).await;
    let server = breaker_binary(&upstream);
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{}{path}", server.base)).send();

    for league in ["nfl", "nba", "mlb"] {
        assert_eq!(
            get(&format!("/v1/leagues/{league}/games")).await.unwrap().status(),
            StatusCode::BAD_GATEWAY
        );
    }
    assert_eq!(
        espn_circuit_gauge(&client, &server.base).await,
        Some(1.0),
        "open after three failures"
    );
    let ready: serde_json::Value = get("/readyz").await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "degraded", "{ready}");

    upstream.reset().await;
    mount_on(&upstream, &nfl_scoreboard(), fixture_response(NFL_WEEK11), 1, None).await;
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert_eq!(
        get(NFL_GAMES).await.unwrap().status(),
        StatusCode::OK,
        "the probe after the cooldown"
    );
    assert_eq!(
        espn_circuit_gauge(&client, &server.base).await,
        Some(0.0),
        "closed again after a successful probe"
    );
    let ready: serde_json::Value = get("/readyz").await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(upstream.received_requests().await.unwrap().len(), 1, "one probe");
}

// ---- SerpApi primary, ESPN fallback ------------------------------------------------------

#[tokio::test]
async fn when_serpapi_fails_the_answer_comes_from_the_espn_fallback() {
    let app = serpapi_primary().spawn().await;
    mount_on(&app.serpapi, "/search.json", ResponseTemplate::new(500), 1, None).await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    let (status, body) = app.get_json(NFL_GAMES).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["source"]["provider"], "espn");
    assert_eq!(body["count"], 14);
    assert_eq!(app.serpapi_calls().await, 1, "SerpApi was asked first");
    assert_eq!(app.espn_calls().await, 1);
    app.stop().await;
}

#[tokio::test]
async fn standings_go_straight_to_espn_without_a_serpapi_call() {
    let app = serpapi_primary().spawn().await;
    mount_serpapi(&app, BUNDESLIGA_SERPAPI).await;
    mount_epl_standings(&app).await;
    let (status, body) = app.get_json("/v1/leagues/epl/standings").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["source"]["provider"], "espn");
    assert_eq!(app.serpapi_calls().await, 0, "SerpApi does not serve standings");
    assert_eq!(app.espn_calls().await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_healthy_serpapi_answers_and_is_asked_with_the_documented_search_parameters() {
    let app = serpapi_primary().spawn().await;
    mount_serpapi(&app, BUNDESLIGA_SERPAPI).await;
    let r = app.get("/v1/leagues/bundesliga/games").await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(!text.contains(SECRET_KEY), "the API key never reaches a caller");
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["source"]["provider"], "serpapi", "{body}");
    assert!(body["count"].as_u64().is_some_and(|n| n > 0), "{body}");
    assert_eq!(app.espn_calls().await, 0, "no fallback needed");

    let requests = app.serpapi.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let query: std::collections::HashMap<String, String> = requests[0].url.query_pairs().into_owned().collect();
    assert_eq!(query.get("engine").map(String::as_str), Some("google"), "{query:?}");
    assert_eq!(
        query.get("q").map(String::as_str),
        Some("Bundesliga fixtures"),
        "{query:?}"
    );
    assert!(query.get("location").is_some_and(|l| !l.is_empty()), "{query:?}");
    assert_eq!(query.get("gl").map(String::as_str), Some("us"), "{query:?}");
    assert_eq!(query.get("hl").map(String::as_str), Some("en"), "{query:?}");
    assert_eq!(query.get("api_key").map(String::as_str), Some(SECRET_KEY), "{query:?}");
    app.stop().await;
}

// ---- SerpApi monthly budget --------------------------------------------------------------

#[tokio::test]
async fn once_the_serpapi_budget_is_spent_the_espn_fallback_answers_without_a_serpapi_call() {
    let app = serpapi_primary()
        .env("SPORTSGATE_SERPAPI_MONTHLY_BUDGET", "1")
        .spawn()
        .await;
    mount_serpapi(&app, BUNDESLIGA_SERPAPI).await;
    app.mock_espn_scoreboard("soccer/eng.1", EPL_SCOREBOARD).await;

    let (status, body) = app.get_json("/v1/leagues/bundesliga/games").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["source"]["provider"], "serpapi");
    assert_eq!(app.serpapi_calls().await, 1);

    let (status, body) = app.get_json("/v1/leagues/epl/games").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["source"]["provider"], "espn",
        "the budget is spent, so the fallback answers"
    );
    assert_eq!(app.serpapi_calls().await, 1, "no search beyond the budget");
    assert_eq!(app.espn_calls().await, 1);
    app.stop().await;
}

#[tokio::test]
async fn once_the_serpapi_budget_is_spent_without_a_fallback_the_answer_is_a_503_problem() {
    let app = serpapi_primary()
        .env("SPORTSGATE_SERPAPI_MONTHLY_BUDGET", "1")
        .env("SPORTSGATE_FALLBACK_PROVIDER", "none")
        .spawn()
        .await;
    mount_serpapi(&app, BUNDESLIGA_SERPAPI).await;
    app.mock_espn_scoreboard("soccer/eng.1", EPL_SCOREBOARD).await;

    let (status, body) = app.get_json("/v1/leagues/bundesliga/games").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["source"]["provider"], "serpapi");

    let r = app.get("/v1/leagues/epl/games").await;
    let problem = assert_clean_problem(r, 503, port_of(&app.serpapi.uri())).await;
    assert_eq!(problem["type"], "/problems/upstream-unavailable");
    assert!(!problem.to_string().contains(SECRET_KEY));
    assert_eq!(app.serpapi_calls().await, 1, "no search beyond the budget");
    assert_eq!(app.espn_calls().await, 0, "no fallback configured");
    app.stop().await;
}

#[tokio::test]
async fn upstream_4xx_answers_do_not_open_the_circuit() {
    // A 404 answers that one request; counting it would let callers open the circuit for
    // everyone with odd requests.
    let app = breaker_app().spawn().await;
    fail_everything(&app.espn, 404).await;
    for league in ["nfl", "nba", "mlb", "nhl"] {
        let r = app.get(&format!("/v1/leagues/{league}/games")).await;
        assert_eq!(r.status(), StatusCode::BAD_GATEWAY, "{league}");
    }
    assert_eq!(app.espn_calls().await, 4, "every request still went upstream");
    assert_eq!(readiness(&app).await, ("ready".into(), "closed".into()));
    app.stop().await;
}
