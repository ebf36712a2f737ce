//! Test harness: `spawn_app()` runs the production wiring (`App::build`) on 127.0.0.1:0
//! with ESPN and SerpApi replaced by wiremock servers; `spawn_binary()` runs the real
//! `sportsgate` executable for what only a process shows (logs, signals, exit codes).
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sportsgate::app::App;
use sportsgate::config::{Config, Flags};
use tokio::sync::oneshot;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A SerpApi key that must never show up anywhere but in requests to the mock.
pub const SECRET_KEY: &str = "sk_test_DO_NOT_LEAK_4f9c2b7e";

pub fn fixture(relative: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/upstream")
        .join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

pub const NFL_WEEK11: &str = "espn/nfl-scoreboard-week11-live-scheduled-final-2022-11-20.json";
pub const EPL_STANDINGS: &str = "espn/standings-soccer-eng1-2020-21-season.json";
pub const NFL_TEAMS: &str = "espn/teams-nfl-2024.json";
pub const BUNDESLIGA_SERPAPI: &str = "serpapi/league-2-bundesliga-games-list-us-2023-08-03.json";

pub fn espn_scoreboard_path(sport_league: &str) -> String {
    format!("/apis/site/v2/sports/{sport_league}/scoreboard")
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// The `/metrics` listener, when `SPORTSGATE_METRICS_LISTEN` is set.
    pub metrics_addr: Option<SocketAddr>,
    pub base: String,
    pub client: reqwest::Client,
    pub espn: MockServer,
    pub serpapi: MockServer,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    /// Holds the app's SQLite database (unless the test chose another store).
    pub data_dir: tempfile::TempDir,
    /// The environment the app was configured from.
    pub env: HashMap<String, String>,
}

impl TestApp {
    /// A builder for a second replica: the same settings, database and mock upstreams.
    pub fn sibling(&self) -> TestAppBuilder {
        TestAppBuilder { env: self.env.clone() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request failed")
    }

    pub async fn get_json(&self, path: &str) -> (reqwest::StatusCode, serde_json::Value) {
        let r = self.get(path).await;
        let status = r.status();
        (status, r.json().await.expect("json body"))
    }

    /// Serves `fixture` for the ESPN scoreboard of `sport_league` (e.g. `football/nfl`).
    pub async fn mock_espn_scoreboard(&self, sport_league: &str, fixture_path: &str) {
        Mock::given(method("GET"))
            .and(path(espn_scoreboard_path(sport_league)))
            .respond_with(ResponseTemplate::new(200).set_body_raw(fixture(fixture_path), "application/json"))
            .mount(&self.espn)
            .await;
    }

    /// Requests the mock ESPN server received.
    pub async fn espn_calls(&self) -> usize {
        self.espn.received_requests().await.map_or(0, |r| r.len())
    }

    pub async fn serpapi_calls(&self) -> usize {
        self.serpapi.received_requests().await.map_or(0, |r| r.len())
    }

    /// Stops accepting and waits for in-flight requests (graceful shutdown). The server
    /// lets kept-alive connections idle out rather than cut them (up to the 5 s grace), so
    /// drop answers not read to the end, and other clients, before.
    pub async fn stop(mut self) {
        // This client's idle connections close with it, as a load balancer's idling out
        // first would.
        self.client = reqwest::Client::new();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
        }
    }
}

/// Builder for a test app: environment overrides on top of test defaults.
pub struct TestAppBuilder {
    env: HashMap<String, String>,
}

pub fn app() -> TestAppBuilder {
    let env = [
        ("SPORTSGATE_LISTEN", "127.0.0.1:0"),
        ("SPORTSGATE_PROVIDER", "espn"),
        ("SPORTSGATE_UPSTREAM_TIMEOUT", "2s"),
        ("SPORTSGATE_UPSTREAM_CONNECT_TIMEOUT", "1s"),
        ("SPORTSGATE_UPSTREAM_RETRIES", "0"),
        ("SPORTSGATE_SHUTDOWN_GRACE", "5s"),
        // Limits have their own tests; elsewhere one test client must not be throttled.
        ("SPORTSGATE_ANONYMOUS_PLAN", "unlimited"),
    ];
    TestAppBuilder {
        env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    }
}

impl TestAppBuilder {
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// SerpApi (the mock, with the test key) as the primary provider; ESPN stays the fallback.
    pub fn serpapi_primary(self) -> Self {
        self.env("SPORTSGATE_PROVIDER", "serpapi")
            .env("SPORTS_API_KEY", SECRET_KEY)
    }

    pub async fn spawn(self) -> TestApp {
        let espn = MockServer::start().await;
        let serpapi = MockServer::start().await;
        let mut env = self.env;
        let data_dir = tempfile::tempdir().expect("temp dir");
        env.entry("SPORTSGATE_DATABASE_URL".into())
            .or_insert_with(|| format!("sqlite://{}", data_dir.path().join("sportsgate.db").display()));
        env.entry("SPORTSGATE_ESPN_URL".into()).or_insert_with(|| espn.uri());
        env.entry("SPORTSGATE_SERPAPI_URL".into())
            .or_insert_with(|| serpapi.uri());
        let config = Config::load(env.clone(), &Flags::default()).expect("test config is valid");
        let app = App::build(config).await.expect("app builds");
        let addr = app.addr();
        let metrics_addr = app.metrics_addr();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            app.run_until(async move {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        TestApp {
            addr,
            metrics_addr,
            base: format!("http://{addr}"),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            espn,
            serpapi,
            shutdown: Some(tx),
            server: Some(server),
            data_dir,
            env,
        }
    }
}

pub async fn spawn_app() -> TestApp {
    app().spawn().await
}

/// The real executable, its stdout captured line by line.
pub struct BinaryApp {
    pub child: Child,
    pub base: String,
    pub lines: Arc<Mutex<Vec<String>>>,
    /// Holds the process's SQLite database.
    pub data_dir: tempfile::TempDir,
}

/// Defaults for a spawned binary: its own SQLite file, and no throttling of the anonymous
/// test client. The caller's env, applied after, overrides them.
fn binary_defaults(dir: &tempfile::TempDir) -> Vec<(String, String)> {
    vec![
        (
            "SPORTSGATE_DATABASE_URL".into(),
            format!("sqlite://{}", dir.path().join("sportsgate.db").display()),
        ),
        ("SPORTSGATE_ANONYMOUS_PLAN".into(), "unlimited".into()),
    ]
}

impl BinaryApp {
    pub fn output(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }
}

impl Drop for BinaryApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `sportsgate serve` with `env` (plus a random port) and waits until it listens.
pub fn spawn_binary(env: &[(&str, &str)]) -> BinaryApp {
    // The readiness probe below uses reqwest, which needs a rustls provider even for
    // plain HTTP; a test run alone must not depend on another test having installed it.
    sportsgate::providers::upstream_client::install_crypto_provider();
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sportsgate"))
        .arg("serve")
        .env_clear()
        .env("SPORTSGATE_LISTEN", "127.0.0.1:0")
        .envs(binary_defaults(&data_dir))
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (addr_tx, addr_rx) = std::sync::mpsc::channel::<String>();
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
                && v["message"] == "listening"
            {
                let _ = addr_tx.send(v["addr"].as_str().unwrap_or_default().to_owned());
            }
            sink.lock().unwrap().push(line);
        }
    });
    let Ok(addr) = addr_rx.recv_timeout(Duration::from_secs(10)) else {
        // Not left running after the test fails.
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "binary did not report its address: {}",
            lines.lock().unwrap().join("\n")
        );
    };
    BinaryApp {
        child,
        base: format!("http://{addr}"),
        lines,
        data_dir,
    }
}

// ---- Shared by the caching and resilience tests ----

/// A response header as text; empty when absent.
pub fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A 200 answer with the body of `fixture_path`.
pub fn fixture_response(fixture_path: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture(fixture_path), "application/json")
}

/// Mounts `response` for GET `route` on `server` at `priority` (1 wins over 5), answering at
/// most `times` requests when given.
pub async fn mount_on(server: &MockServer, route: &str, response: ResponseTemplate, priority: u8, times: Option<u64>) {
    let mock = Mock::given(method("GET"))
        .and(path(route))
        .respond_with(response)
        .with_priority(priority);
    let mock = match times {
        Some(n) => mock.up_to_n_times(n),
        None => mock,
    };
    mock.mount(server).await;
}

/// Polls `probe` every 25 ms until it yields `Some`, and panics naming `what` after `within`.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A base URL on 127.0.0.1 where nothing listens (the port was bound, then released).
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// Sends SIGTERM to a process we started (as ECS, Kubernetes and `docker stop` do).
pub fn sigterm(pid: u32) {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -TERM {pid} failed");
}

/// Waits up to `within` for `child` to exit, without blocking the async runtime.
pub async fn wait_for_exit(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if std::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits up to `within` until a captured log line has `"message": message`, then returns a
/// copy of all captured lines (whether or not it appeared).
pub async fn wait_for_log_line(app: &BinaryApp, message: &str, within: Duration) -> Vec<String> {
    let deadline = std::time::Instant::now() + within;
    loop {
        let lines = app.lines.lock().unwrap().clone();
        let seen = lines
            .iter()
            .any(|l| serde_json::from_str::<serde_json::Value>(l).is_ok_and(|v| v["message"] == message));
        if seen || std::time::Instant::now() >= deadline {
            return lines;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Everything the (exited) child wrote to stderr.
pub fn read_stderr(child: &mut Child) -> String {
    use std::io::Read;
    let mut out = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut out);
    }
    out
}

/// Runs `sportsgate ARGS` with only `env` set and returns its output.
pub fn run_binary(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let data_dir = tempfile::tempdir().expect("temp dir");
    Command::new(env!("CARGO_BIN_EXE_sportsgate"))
        .args(args)
        .env_clear()
        .envs(binary_defaults(&data_dir))
        .envs(env.iter().copied())
        .output()
        .expect("binary runs")
}

/// Runs `sportsgate ARGS` like [`run_binary`], asserts it exits 0 (showing both streams if
/// not) and returns its standard output.
pub fn run_binary_ok(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = run_binary(args, env);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "sportsgate {args:?}: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

// ---- Shared by the date, team and favourites tests ----

/// SYNTHETIC, not a recording: an ESPN board without events, standing in for days no
/// recording exists for (a real day without games looks like this: the NBA All-Star file).
pub const EMPTY_BOARD: &str = r#"{"leagues":[],"events":[]}"#;

/// SerpApi as primary, with a key (the fallback is the default, ESPN, unless set).
pub fn serpapi_primary() -> TestAppBuilder {
    app().serpapi_primary()
}

/// Serves `body` for the ESPN scoreboard of `sport_league` asked with `dates=board`.
pub async fn mount_espn_board(app: &TestApp, sport_league: &str, board: &str, body: Vec<u8>) {
    Mock::given(method("GET"))
        .and(path(espn_scoreboard_path(sport_league)))
        .and(query_param("dates", board))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&app.espn)
        .await;
}

/// Serves the recorded NFL team list.
pub async fn mount_nfl_teams(app: &TestApp) {
    mount_on(
        &app.espn,
        "/apis/site/v2/sports/football/nfl/teams",
        fixture_response(NFL_TEAMS),
        5,
        None,
    )
    .await;
}

/// Serves the recorded Premier League table.
pub async fn mount_epl_standings(app: &TestApp) {
    mount_on(
        &app.espn,
        "/apis/v2/sports/soccer/eng.1/standings",
        fixture_response(EPL_STANDINGS),
        5,
        None,
    )
    .await;
}

/// Serves `fixture_path` for every SerpApi search.
pub async fn mount_serpapi(app: &TestApp, fixture_path: &str) {
    mount_on(&app.serpapi, "/search.json", fixture_response(fixture_path), 5, None).await;
}

/// "AWAY @ HOME" abbreviations of a games answer, in its order.
pub fn matchups(body: &serde_json::Value) -> Vec<String> {
    body["games"]
        .as_array()
        .unwrap_or_else(|| panic!("no games in {body}"))
        .iter()
        .map(|g| {
            format!(
                "{} @ {}",
                g["away"]["abbreviation"].as_str().unwrap_or("?"),
                g["home"]["abbreviation"].as_str().unwrap_or("?")
            )
        })
        .collect()
}
