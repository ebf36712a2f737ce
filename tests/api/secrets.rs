//! The SerpApi key travels in the upstream URL's query string. It must reach SerpApi and go
//! nowhere else: not into response bodies or headers (even when the upstream echoes the URL
//! back), not into /metrics or /readyz, not into the log lines (debug included), and not into
//! `sportsgate check` output.

use std::process::Command;
use std::time::Duration;

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::*;

/// A SerpApi stand-in that answers with the full request URL (key included) in its body and
/// in a header, as careless upstream error pages do. The status depends on the query so one
/// server can play several failures: NFL → 500, NBA → 401, Premier League → 200 that is not
/// JSON, anything else (account.json) → 401.
struct EchoUrl;

impl Respond for EchoUrl {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let q = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "q")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let status = if q.starts_with("NFL") {
            500
        } else if q.starts_with("Premier League") {
            200
        } else {
            401
        };
        let url = request.url.to_string();
        ResponseTemplate::new(status)
            .insert_header("x-upstream-request", url.as_str())
            .set_body_raw(
                format!("{{\"error\": \"Invalid API key. Your request: {url}\"}}, {url}"),
                "application/json",
            )
    }
}

async fn echoing_serpapi() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(EchoUrl).mount(&server).await;
    server
}

/// The proof that a test means something: the key did reach the upstream.
async fn assert_key_reached(server: &MockServer, what: &str) {
    let requests = server.received_requests().await.expect("recording on");
    assert!(
        requests
            .iter()
            .any(|r| r.url.query_pairs().any(|(k, v)| k == "api_key" && v == SECRET_KEY)),
        "{what}: the upstream never received api_key={SECRET_KEY} (got {:?})",
        requests.iter().map(|r| r.url.path().to_owned()).collect::<Vec<_>>()
    );
}

fn assert_no_key(text: &str, what: &str) {
    assert!(!text.contains(SECRET_KEY), "{what} contains the SerpApi key:\n{text}");
    // A fragment long enough to be unmistakable, in case of truncation or re-encoding.
    assert!(
        !text.contains("DO_NOT_LEAK"),
        "{what} contains part of the SerpApi key:\n{text}"
    );
}

async fn serpapi_app(serpapi_url: Option<&str>) -> TestApp {
    let mut builder = app()
        .env("SPORTSGATE_PROVIDER", "serpapi")
        .env("SPORTS_API_KEY", SECRET_KEY)
        .env("SPORTSGATE_FALLBACK_PROVIDER", "none");
    if let Some(url) = serpapi_url {
        builder = builder.env("SPORTSGATE_SERPAPI_URL", url);
    }
    builder.spawn().await
}

/// Fetches `route` and returns everything the caller sees: status line, headers and body.
async fn everything(app: &TestApp, route: &str) -> (u16, String) {
    let response = app.get(route).await;
    let status = response.status().as_u16();
    let mut seen = format!("HTTP {status}\n");
    for (name, value) in response.headers() {
        seen.push_str(&format!("{name}: {}\n", String::from_utf8_lossy(value.as_bytes())));
    }
    seen.push_str(&response.text().await.unwrap());
    (status, seen)
}

const ROUTES: [&str; 6] = [
    "/v1/leagues/nfl/games",
    "/v1/leagues/nba/games",
    "/v1/leagues/epl/games",
    "/v1/leagues/nfl/games?date=2022-11-20",
    "/sports",
    "/v1/leagues/nfl/standings",
];

#[tokio::test]
async fn an_upstream_error_that_echoes_the_url_leaks_the_key_into_no_response() {
    let echo = echoing_serpapi().await;
    let app = serpapi_app(Some(&echo.uri())).await;
    for route in ROUTES {
        let (status, seen) = everything(&app, route).await;
        assert_no_key(&seen, route);
        if route.contains("standings") {
            assert_eq!(status, 404, "serpapi serves no standings and there is no fallback");
        } else if route.contains("date=") {
            // SerpApi cannot look a day up: asked nothing, answered a 400 that says so.
            assert_eq!(status, 400, "{route}:\n{seen}");
            assert!(seen.contains("/problems/date-unsupported"), "{route}:\n{seen}");
        } else {
            assert!(
                status >= 500,
                "{route} answered {status} although the upstream failed:\n{seen}"
            );
            assert!(seen.contains("application/problem+json"), "{route}:\n{seen}");
        }
    }
    assert_key_reached(&echo, "games").await;
    // 500, 401 and the non-JSON 200 were all answered.
    let statuses: Vec<String> = echo
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "q")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect();
    for q in ["NFL schedule", "NBA schedule", "Premier League fixtures"] {
        assert!(
            statuses.iter().any(|s| s == q),
            "SerpApi was not asked q={q:?}: {statuses:?}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn metrics_and_readyz_never_show_the_key_after_upstream_failures() {
    let echo = echoing_serpapi().await;
    let app = serpapi_app(Some(&echo.uri())).await;
    for route in ROUTES {
        let _ = app.get(route).await;
    }
    assert_key_reached(&echo, "games").await;
    for route in ["/metrics", "/readyz", "/healthz", "/v1/leagues", "/openapi.json"] {
        let (status, seen) = everything(&app, route).await;
        assert_eq!(status, 200, "{route}");
        assert_no_key(&seen, route);
    }
    let (_, metrics) = everything(&app, "/metrics").await;
    assert!(
        metrics.contains("sportsgate_upstream_requests_total{"),
        "upstream calls are counted:\n{metrics}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_refused_upstream_leaks_the_key_into_no_response() {
    let app = serpapi_app(Some(&closed_port_url())).await;
    for route in ROUTES {
        let (status, seen) = everything(&app, route).await;
        assert_no_key(&seen, route);
        assert!(status >= 400, "{route}: {status}");
    }
    for route in ["/metrics", "/readyz"] {
        let (_, seen) = everything(&app, route).await;
        assert_no_key(&seen, route);
    }
    app.stop().await;
}

/// Runs the real binary against `serpapi_url` at debug level, makes the upstream fail through
/// every data route, stops it, and returns its stdout lines and stderr.
async fn binary_output_against(serpapi_url: &str) -> (Vec<String>, String) {
    let mut app = spawn_binary(&[
        ("SPORTSGATE_PROVIDER", "serpapi"),
        ("SPORTS_API_KEY", SECRET_KEY),
        ("SPORTSGATE_FALLBACK_PROVIDER", "none"),
        ("SPORTSGATE_SERPAPI_URL", serpapi_url),
        ("SPORTSGATE_UPSTREAM_RETRIES", "1"),
        ("SPORTSGATE_UPSTREAM_TIMEOUT", "2s"),
        ("SPORTSGATE_SHUTDOWN_GRACE", "2s"),
        ("RUST_LOG", "debug"),
    ]);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    for route in ROUTES.iter().chain(&["/metrics", "/readyz"]) {
        let response = client
            .get(format!("{}{route}", app.base))
            .send()
            .await
            .expect("binary answers");
        let headers = format!("{:?}", response.headers());
        let body = response.text().await.unwrap();
        assert_no_key(&headers, route);
        assert_no_key(&body, route);
    }
    sigterm(app.child.id());
    let status = wait_for_exit(&mut app.child, Duration::from_secs(10))
        .await
        .expect("binary stops on SIGTERM");
    assert!(status.success(), "{status:?}");
    let lines = wait_for_log_line(&app, "stopped", Duration::from_secs(3)).await;
    let stderr = read_stderr(&mut app.child);
    (lines, stderr)
}

#[tokio::test]
async fn the_binary_logs_never_contain_the_key_even_at_debug_level_when_the_upstream_echoes_it() {
    let echo = echoing_serpapi().await;
    let (lines, stderr) = binary_output_against(&echo.uri()).await;
    assert_key_reached(&echo, "binary").await;
    assert!(
        lines.iter().any(|l| l.contains("\"DEBUG\"")),
        "debug logging is really on:\n{}",
        lines.join("\n")
    );
    assert!(
        lines.iter().any(|l| l.contains("provider failed")),
        "the failures were logged:\n{}",
        lines.join("\n")
    );
    for line in &lines {
        assert_no_key(line, "a log line");
    }
    assert_no_key(&stderr, "stderr");
}

#[tokio::test]
async fn the_binary_logs_never_contain_the_key_when_the_upstream_refuses_connections() {
    let (lines, stderr) = binary_output_against(&closed_port_url()).await;
    assert!(
        lines.iter().any(|l| l.contains("\"DEBUG\"")),
        "debug logging is really on:\n{}",
        lines.join("\n")
    );
    assert!(
        lines.iter().any(|l| l.contains("provider failed")),
        "the failures were logged:\n{}",
        lines.join("\n")
    );
    for line in &lines {
        assert_no_key(line, "a log line");
    }
    assert_no_key(&stderr, "stderr");
}

fn check_with_serpapi_at(url: &str) -> std::process::Output {
    run_binary(
        &["check"],
        &[
            ("SPORTS_API_KEY", SECRET_KEY),
            ("SPORTSGATE_PROVIDER", "serpapi"),
            ("SPORTSGATE_FALLBACK_PROVIDER", "none"),
            ("SPORTSGATE_SERPAPI_URL", url),
            ("SPORTSGATE_UPSTREAM_RETRIES", "0"),
            ("RUST_LOG", "debug"),
        ],
    )
}

#[tokio::test]
async fn check_fails_against_an_echoing_upstream_without_printing_the_key() {
    let echo = echoing_serpapi().await;
    let output = check_with_serpapi_at(&echo.uri());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "check passed although SerpApi answered 401:\n{stdout}{stderr}"
    );
    assert_key_reached(&echo, "check").await;
    assert!(
        stdout.contains("serpapi"),
        "check names the failing upstream:\n{stdout}"
    );
    assert_no_key(&stdout, "check stdout");
    assert_no_key(&stderr, "check stderr");
}

#[tokio::test]
async fn check_fails_against_a_refused_upstream_without_printing_the_key() {
    let output = check_with_serpapi_at(&closed_port_url());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "a runtime failure:\n{stdout}{stderr}");
    assert_no_key(&stdout, "check stdout");
    assert_no_key(&stderr, "check stderr");
}

#[tokio::test]
async fn the_key_given_to_a_rejected_configuration_is_not_echoed() {
    // A configuration error elsewhere must not print the whole environment or config.
    let output = Command::new(env!("CARGO_BIN_EXE_sportsgate"))
        .arg("serve")
        .env_clear()
        .env("SPORTS_API_KEY", SECRET_KEY)
        .env("SPORTSGATE_PROVIDER", "serpapi")
        .env("SPORTSGATE_FALLBACK_PROVIDER", "serpapi")
        .output()
        .expect("serve runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SPORTSGATE_FALLBACK_PROVIDER"), "{stderr}");
    assert_no_key(&stderr, "stderr");
    assert_no_key(&String::from_utf8_lossy(&output.stdout), "stdout");
}
