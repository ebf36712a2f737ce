//! What only the real process shows: graceful shutdown on SIGTERM, exit codes of `serve`,
//! `healthcheck` and `check`, and the JSON access log.

use std::time::{Duration, Instant};

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

async fn espn_mock_with_scoreboard(delay: Duration) -> MockServer {
    let espn = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(espn_scoreboard_path("football/nfl")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture(NFL_WEEK11), "application/json")
                .set_delay(delay),
        )
        .mount(&espn)
        .await;
    espn
}

async fn espn_mock_with_teams() -> MockServer {
    let espn = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/apis/site/v2/sports/football/nfl/teams"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(fixture(NFL_TEAMS), "application/json"))
        .mount(&espn)
        .await;
    espn
}

fn host_port(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn sigterm_lets_the_in_flight_request_finish_refuses_new_connections_and_exits_0() {
    let espn = espn_mock_with_scoreboard(Duration::from_secs(2)).await;
    let mut app = spawn_binary(&[
        ("SPORTSGATE_PROVIDER", "espn"),
        ("SPORTSGATE_ESPN_URL", &espn.uri()),
        ("SPORTSGATE_UPSTREAM_RETRIES", "0"),
        ("SPORTSGATE_SHUTDOWN_GRACE", "10s"),
    ]);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let url = format!("{}/v1/leagues/nfl/games", app.base);
    let in_flight = tokio::spawn(async move {
        let response = client.get(url).send().await?;
        let status = response.status();
        Ok::<_, reqwest::Error>((status, response.json::<Value>().await?))
    });

    // The request is in flight once the upstream has it (it answers 2 s later).
    let started = Instant::now();
    while espn.received_requests().await.unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the request never reached the upstream"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let signalled = Instant::now();
    sigterm(app.child.id());

    // New connections are refused while the old request is still being answered.
    let addr = host_port(&app.base);
    loop {
        match tokio::net::TcpStream::connect(&addr).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => break,
            Err(e) => panic!("unexpected connect error {e}"),
            Ok(_) => {
                assert!(
                    signalled.elapsed() < Duration::from_secs(1),
                    "still accepting connections 1 s after SIGTERM"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    assert!(
        !in_flight.is_finished(),
        "the in-flight request ended before the listener closed; nothing was proven"
    );

    let (status, body) = in_flight.await.unwrap().expect("the in-flight request completes");
    assert_eq!(status, 200);
    assert_eq!(body["count"], 14);

    let exit = wait_for_exit(&mut app.child, Duration::from_secs(5))
        .await
        .expect("the process exits within 5 s");
    assert!(exit.success(), "exit status {exit:?}");
    assert!(
        signalled.elapsed() < Duration::from_secs(5),
        "shutdown took {:?}",
        signalled.elapsed()
    );
    assert!(
        tokio::net::TcpStream::connect(&addr).await.is_err(),
        "nothing listens after exit"
    );
    let lines = wait_for_log_line(&app, "stopped", Duration::from_secs(2)).await;
    assert!(
        lines.iter().any(|l| l.contains("draining in-flight requests")),
        "{}",
        lines.join("\n")
    );
}

#[tokio::test]
async fn sigterm_with_nothing_in_flight_exits_0_promptly() {
    let mut app = spawn_binary(&[("SPORTSGATE_PROVIDER", "replay"), ("SPORTSGATE_SHUTDOWN_GRACE", "10s")]);
    let status = reqwest::get(format!("{}/healthz", app.base)).await.unwrap().status();
    assert_eq!(status, 200);
    let signalled = Instant::now();
    sigterm(app.child.id());
    let exit = wait_for_exit(&mut app.child, Duration::from_secs(3))
        .await
        .expect("exits without waiting for the grace");
    assert!(exit.success(), "{exit:?}");
    assert!(signalled.elapsed() < Duration::from_secs(3));
}

/// Sends a GET on `stream` and reads the answer's head and body (`Content-Length` bytes).
async fn get_on(stream: &mut tokio::net::TcpStream, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&answer).to_lowercase();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|n| n.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return head.to_owned();
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("an answer within 5 s")
            .unwrap();
        assert!(n > 0, "closed before a whole answer: {text}");
        answer.extend_from_slice(&buf[..n]);
    }
}

#[tokio::test]
async fn sigterm_keeps_an_idle_kept_alive_connection_for_its_next_request_answered_with_connection_close() {
    let mut app = spawn_binary(&[
        ("SPORTSGATE_PROVIDER", "replay"),
        ("SPORTSGATE_SHUTDOWN_GRACE", "10s"),
        ("SPORTSGATE_HEADER_READ_TIMEOUT", "5s"),
    ]);
    let addr = host_port(&app.base);
    let mut kept = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = get_on(&mut kept, "/healthz").await;
    assert!(
        head.starts_with("http/1.1 200") && !head.contains("connection: close"),
        "{head}"
    );

    sigterm(app.child.id());
    // Once new connections are refused, a balancer goes elsewhere; this one was idle then.
    eventually(Duration::from_secs(2), "new connections refused", || async {
        tokio::net::TcpStream::connect(&addr).await.is_err().then_some(())
    })
    .await;
    let head = get_on(&mut kept, "/healthz").await;
    assert!(head.starts_with("http/1.1 200"), "served, not cut: {head}");
    assert!(
        head.contains("connection: close"),
        "the client is told not to send more: {head}"
    );
    let exit = wait_for_exit(&mut app.child, Duration::from_secs(3))
        .await
        .expect("exits once its last connection has closed");
    assert!(exit.success(), "{exit:?}");
}

/// `sportsgate serve` with only `env` set; it must refuse to start.
fn serve_refused(env: &[(&str, &str)], extra_args: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["serve"];
    args.extend_from_slice(extra_args);
    // A free port unless the case itself sets the listen address (later entries win).
    let mut all = vec![("SPORTSGATE_LISTEN", "127.0.0.1:0")];
    all.extend_from_slice(env);
    let output = run_binary(&args, &all);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_bad_setting_exits_2_naming_the_setting() {
    for (setting, value) in [
        ("SPORTSGATE_TTL_LIVE", "soon"),
        ("SPORTSGATE_PROVIDER", "yahoo"),
        ("SPORTSGATE_ESPN_URL", "notaurl"),
        ("SPORTSGATE_LISTEN", "8080"),
        ("SPORTSGATE_SHUTDOWN_GRACE", "forever"),
    ] {
        let (code, stderr) = serve_refused(&[(setting, value)], &[]);
        assert_eq!(code, Some(2), "{setting}={value}: {stderr}");
        assert!(
            stderr.contains(setting),
            "{setting}={value}: the message does not name it: {stderr}"
        );
    }
}

#[tokio::test]
async fn serpapi_without_a_key_exits_2_naming_sports_api_key() {
    let (code, stderr) = serve_refused(&[("SPORTSGATE_PROVIDER", "serpapi")], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("SPORTS_API_KEY"), "{stderr}");
}

#[tokio::test]
async fn a_bad_flag_or_flag_value_exits_2() {
    let (code, stderr) = serve_refused(&[], &["--no-such-flag"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
    let (code, stderr) = serve_refused(&[], &["--provider", "yahoo"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("yahoo"), "{stderr}");
    let output = run_binary(&["frobnicate"], &[]);
    assert_eq!(output.status.code(), Some(2));
}

#[tokio::test]
async fn healthcheck_exits_0_against_a_running_server_and_1_against_a_closed_port() {
    let app = spawn_binary(&[("SPORTSGATE_PROVIDER", "replay")]);
    let healthy_url = format!("{}/healthz", app.base);
    let output = run_binary(&["healthcheck", "--url", &healthy_url], &[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );

    let closed = format!("{}/healthz", closed_port_url());
    let output = run_binary(&["healthcheck", "--url", &closed], &[]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );

    // A server that answers, but not with success, is unhealthy too.
    let missing = format!("{}/no-such-route", app.base);
    let output = run_binary(&["healthcheck", "--url", &missing], &[]);
    assert_eq!(output.status.code(), Some(1));
}

#[tokio::test]
async fn check_exits_0_with_a_healthy_espn_and_1_when_espn_refuses() {
    let espn = espn_mock_with_teams().await;
    let stdout = run_binary_ok(
        &["check"],
        &[
            ("SPORTSGATE_PROVIDER", "espn"),
            ("SPORTSGATE_ESPN_URL", &espn.uri()),
            ("SPORTSGATE_UPSTREAM_RETRIES", "0"),
        ],
    );
    assert!(stdout.contains("espn"), "{stdout}");
    assert!(
        !espn.received_requests().await.unwrap().is_empty(),
        "check really asked ESPN"
    );

    let closed = closed_port_url();
    let output = run_binary(
        &["check"],
        &[
            ("SPORTSGATE_PROVIDER", "espn"),
            ("SPORTSGATE_ESPN_URL", &closed),
            ("SPORTSGATE_UPSTREAM_RETRIES", "0"),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("FAIL") && stdout.contains("espn"),
        "a clear message: {stdout}"
    );
    assert!(!stdout.contains(&closed), "check prints no upstream URL: {stdout}");
}

#[tokio::test]
async fn check_exits_2_on_a_bad_setting_before_reaching_any_upstream() {
    let output = run_binary(&["check"], &[("SPORTSGATE_TTL_TEAMS", "a while")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("SPORTSGATE_TTL_TEAMS"));
}

fn access_lines(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["message"] == "request" && v.get("request_id").is_some())
        .collect()
}

#[tokio::test]
async fn the_json_access_log_has_one_line_per_request_with_id_route_status_latency_cache_and_provider() {
    let espn = espn_mock_with_scoreboard(Duration::ZERO).await;
    let app = spawn_binary(&[
        ("SPORTSGATE_PROVIDER", "espn"),
        ("SPORTSGATE_ESPN_URL", &espn.uri()),
        ("SPORTSGATE_UPSTREAM_RETRIES", "0"),
    ]);
    let client = reqwest::Client::new();
    let send = |route: &str, id: &str| {
        client
            .get(format!("{}{route}", app.base))
            .header("x-request-id", id)
            .send()
    };
    assert_eq!(send("/v1/leagues/nfl/games", "log-test-1").await.unwrap().status(), 200);
    assert_eq!(
        send("/v1/leagues/nfl/games?team=bills", "log-test-2")
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(send("/v1/leagues/xfl/games", "log-test-3").await.unwrap().status(), 404);
    assert_eq!(send("/healthz", "log-test-4").await.unwrap().status(), 200);
    let generated = client.get(format!("{}/healthz", app.base)).send().await.unwrap();
    let generated_id = generated.headers()["x-request-id"].to_str().unwrap().to_owned();

    // Lines arrive through a pipe; wait until all five are there.
    let deadline = Instant::now() + Duration::from_secs(3);
    let entries = loop {
        let entries = access_lines(&app.lines.lock().unwrap());
        if entries.len() >= 5 || Instant::now() > deadline {
            break entries;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let one = |id: &str| {
        let matching: Vec<&Value> = entries.iter().filter(|e| e["request_id"] == id).collect();
        assert_eq!(matching.len(), 1, "exactly one access line for {id}: {entries:#?}");
        matching[0].clone()
    };

    let first = one("log-test-1");
    assert_eq!(first["route"], "/v1/leagues/{league}/games");
    assert_eq!(first["status"], 200);
    assert!(first["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{first}");
    assert_eq!(first["cache"], "miss");
    assert_eq!(first["provider"], "espn");
    assert_eq!(first["method"], "GET");

    let second = one("log-test-2");
    assert_eq!(
        (second["cache"].as_str(), second["provider"].as_str()),
        (Some("hit"), Some("espn"))
    );
    assert!(
        !second.to_string().contains("bills"),
        "the query string is not logged: {second}"
    );

    let unknown = one("log-test-3");
    assert_eq!(
        (unknown["route"].as_str(), unknown["status"].as_u64()),
        (Some("/v1/leagues/{league}/games"), Some(404))
    );
    assert!(
        unknown.get("cache").is_none_or(Value::is_null),
        "no cache lookup happened: {unknown}"
    );

    let health = one("log-test-4");
    assert_eq!(
        (health["route"].as_str(), health["status"].as_u64()),
        (Some("/healthz"), Some(200))
    );
    one(&generated_id);
    assert_eq!(entries.len(), 5, "one line per request, no more: {entries:#?}");
    drop(app);
}

#[tokio::test]
async fn an_unknown_sportsgate_variable_is_a_startup_warning_naming_it() {
    const WARNING: &str =
        "unknown setting ignored: no SPORTSGATE_ variable of that name is read (see `sportsgate config`)";
    let app = spawn_binary(&[("SPORTSGATE_PROVIDER", "replay"), ("SPORTSGATE_TTL_LVE", "5s")]);
    let lines = wait_for_log_line(&app, WARNING, Duration::from_secs(5)).await;
    let warning = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["message"] == WARNING)
        .unwrap_or_else(|| panic!("no warning in {lines:?}"));
    assert_eq!(warning["name"], "SPORTSGATE_TTL_LVE", "{warning}");
    assert_eq!(warning["level"], "WARN", "{warning}");
    assert_eq!(
        reqwest::get(format!("{}/healthz", app.base)).await.unwrap().status(),
        200
    );
}
