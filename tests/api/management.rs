//! The API-management layer at the HTTP level: plans from the TOML file (burst, then a 429
//! that says slow down; quota, then a 429 that says wait for the reset; quotas kept across a
//! restart), API keys (both headers, refusals that all read alike, revocation and expiry, no
//! key in the query string, no secret in the database), the admin API, `/v1/me` with its
//! preferences and history, client addresses behind proxies, what is never counted, CORS,
//! oversized headers, and the `keys`/`plans`/`migrate` CLI.
//!
//! The key-lifecycle and quota-restart bodies take a [`Database`], so they run on SQLite here
//! and on PostgreSQL in `management_pg.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::helpers::*;
use crate::pg::PgSchema;

/// 32 characters (the product wants at least 16).
pub const ADMIN_TOKEN: &str = "sg-admin-test-token-000000000001";
const NFL_GAMES: &str = "/v1/leagues/nfl/games";
const TINY_REJECTIONS: &str = "sportsgate_ratelimit_rejections_total{plan=\"tiny\"}";
/// A plan with room for bursts but only three requests a day.
const QUOTA_PLAN: &str = "[plans.q]\nrate = \"100/second\"\nburst = 100\nquota = \"3/day\"\n";

// ---- Shared setup ----

/// Where a test app keeps keys and usage: a SQLite file in a temporary directory, or a
/// fresh PostgreSQL schema. Outlives the apps started on it.
pub enum Database {
    Sqlite(TempDir),
    Postgres(PgSchema),
}

impl Database {
    pub fn sqlite() -> Self {
        Self::Sqlite(tempfile::tempdir().expect("temp dir"))
    }

    pub async fn postgres() -> Self {
        Self::Postgres(PgSchema::create().await)
    }

    /// For `SPORTSGATE_DATABASE_URL`.
    pub fn url(&self) -> String {
        match self {
            Self::Sqlite(dir) => format!("sqlite://{}", dir.path().join("sportsgate.db").display()),
            Self::Postgres(schema) => schema.url().to_owned(),
        }
    }

    /// The bytes of the SQLite database and its `-wal`/`-shm` companions (those that exist).
    fn sqlite_bytes(&self) -> Vec<(String, Vec<u8>)> {
        let Self::Sqlite(dir) = self else {
            panic!("not a SQLite database")
        };
        ["sportsgate.db", "sportsgate.db-wal", "sportsgate.db-shm"]
            .iter()
            .filter_map(|name| {
                std::fs::read(dir.path().join(name))
                    .ok()
                    .map(|b| ((*name).to_owned(), b))
            })
            .collect()
    }
}

/// A TOML config file (for `SPORTSGATE_CONFIG`), deleted with the value.
pub struct ConfigFile {
    _dir: TempDir,
    pub path: String,
}

pub fn config_file(toml: &str) -> ConfigFile {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sportsgate.toml");
    std::fs::write(&path, toml).expect("write the config file");
    ConfigFile {
        path: path.display().to_string(),
        _dir: dir,
    }
}

/// A request to the admin API with the admin token.
pub fn admin(app: &TestApp, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.client.request(method, app.url(path)).bearer_auth(ADMIN_TOKEN)
}

/// An issued key: its public id and its token `sg_<id>_<secret>`.
#[derive(Debug, Clone)]
pub struct Key {
    pub id: String,
    pub token: String,
}

impl Key {
    /// The 24 secret characters after `sg_<12-char id>_`.
    pub fn secret(&self) -> &str {
        &self.token[16..]
    }
}

/// Creates a key through the admin API from `body` and checks the token's shape.
pub async fn create_key_with(app: &TestApp, body: Value) -> Key {
    let response = admin(app, Method::POST, "/admin/v1/keys")
        .json(&body)
        .send()
        .await
        .expect("request failed");
    assert_eq!(response.status(), StatusCode::CREATED, "creating a key with {body}");
    let created: Value = response.json().await.expect("json body");
    let id = created["key"]["id"].as_str().expect("key.id").to_owned();
    let token = created["token"].as_str().expect("token").to_owned();
    assert_eq!(token.len(), 3 + 12 + 1 + 24, "token shape: {token}");
    assert_eq!(token, format!("sg_{id}_{}", &token[16..]), "the token carries the id");
    Key { id, token }
}

pub async fn create_key(app: &TestApp, name: &str, plan: &str) -> Key {
    create_key_with(app, json!({ "name": name, "plan": plan })).await
}

/// GET with the token in `x-api-key`.
pub async fn get_as(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("x-api-key", token)
        .send()
        .await
        .expect("request failed")
}

async fn json_of(response: reqwest::Response, expected: StatusCode) -> Value {
    let status = response.status();
    let url = response.url().to_string();
    let body: Value = response.json().await.expect("json body");
    assert_eq!(status, expected, "status of {url}: {body}");
    body
}

/// Reads a problem+json answer and checks the RFC 9457 members every problem must have.
pub async fn problem(response: reqwest::Response, expected_status: u16) -> Value {
    let status = response.status().as_u16();
    let url = response.url().to_string();
    let content_type = header(&response, "content-type");
    let text = response.text().await.expect("problem body");
    assert_eq!(status, expected_status, "status of {url}: {text}");
    assert!(
        content_type.starts_with("application/problem+json"),
        "content-type of {url} was {content_type:?}"
    );
    let body: Value = serde_json::from_str(&text).expect("problem body is JSON");
    for member in ["type", "title", "detail"] {
        assert!(
            body[member].as_str().is_some_and(|t| !t.is_empty()),
            "{member} missing: {body}"
        );
    }
    assert_eq!(body["status"], expected_status, "status member: {body}");
    body
}

/// A structured-field list such as `"burst";q=3;w=180, "daily";q=1000;w=86400`, as
/// (name, {param: value}) in order.
fn structured(value: &str) -> Vec<(String, BTreeMap<String, i64>)> {
    assert!(!value.is_empty(), "missing rate-limit header");
    value
        .split(',')
        .map(|item| {
            let mut parts = item.trim().split(';');
            let name = parts.next().expect("an item name");
            assert!(
                name.starts_with('"') && name.ends_with('"') && name.len() > 2,
                "item names are quoted strings: {value:?}"
            );
            let params = parts
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or_else(|| panic!("parameter in {value:?}"));
                    let v: i64 = v
                        .trim()
                        .parse()
                        .unwrap_or_else(|_| panic!("integer parameter in {value:?}"));
                    (k.trim().to_owned(), v)
                })
                .collect();
            (name.trim_matches('"').to_owned(), params)
        })
        .collect()
}

/// `param` of item `name` in the structured header `header_name` of `response`.
fn limit_param(response: &reqwest::Response, header_name: &str, name: &str, param: &str) -> i64 {
    let value = header(response, header_name);
    let items = structured(&value);
    let (_, params) = items
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name:?} in {header_name}: {value:?}"));
    *params
        .get(param)
        .unwrap_or_else(|| panic!("no {param} for {name:?} in {header_name}: {value:?}"))
}

fn number_header(response: &reqwest::Response, name: &str) -> i64 {
    let value = header(response, name);
    value
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a number: {value:?}"))
}

/// The value of one series in `/metrics` (0 when absent: counters start there).
async fn metric(app: &TestApp, series: &str) -> f64 {
    let text = app.get("/metrics").await.text().await.expect("metrics text");
    text.lines()
        .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.trim().parse().ok()))
        .unwrap_or(0.0)
}

fn seconds_to_next_utc_midnight(now: DateTime<Utc>) -> i64 {
    let next = now
        .date_naive()
        .succ_opt()
        .expect("tomorrow")
        .and_hms_opt(0, 0, 0)
        .unwrap();
    (next.and_utc() - now).num_seconds()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn list_keys(app: &TestApp) -> Value {
    json_of(
        admin(app, Method::GET, "/admin/v1/keys")
            .send()
            .await
            .expect("request failed"),
        StatusCode::OK,
    )
    .await
}

fn key_in<'a>(list: &'a Value, id: &str) -> &'a Value {
    list["keys"]
        .as_array()
        .expect("keys array")
        .iter()
        .find(|k| k["id"] == id)
        .unwrap_or_else(|| panic!("no key {id} in {list}"))
}

/// `today` of a `/v1/me` answer as route → count.
fn today_counts(me: &Value) -> BTreeMap<String, u64> {
    me["today"]
        .as_array()
        .expect("today array")
        .iter()
        .map(|r| {
            (
                r["route"].as_str().expect("route").to_owned(),
                r["count"].as_u64().expect("count"),
            )
        })
        .collect()
}

fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(r, n)| ((*r).to_owned(), *n)).collect()
}

// ---- Rate limits and quotas ----

#[tokio::test]
async fn a_key_on_a_toml_plan_gets_its_burst_with_counting_down_headers_then_a_429_that_says_slow_down() {
    let plans = config_file("[plans.tiny]\nrate = \"1/minute\"\nburst = 3\nquota = \"1000/day\"\n");
    let app = app()
        .env("SPORTSGATE_CONFIG", &plans.path)
        .env("SPORTSGATE_ADMIN_TOKEN", ADMIN_TOKEN)
        .spawn()
        .await;
    let key = create_key(&app, "bursty", "tiny").await;
    let rejections_before = metric(&app, TINY_REJECTIONS).await;

    for i in 0..3i64 {
        let r = get_as(&app, "/v1/leagues", &key.token).await;
        assert_eq!(r.status(), StatusCode::OK, "request {} of the burst", i + 1);
        let policy = structured(&header(&r, "ratelimit-policy"));
        let names: Vec<&str> = policy.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["burst", "daily"], "{:?}", header(&r, "ratelimit-policy"));
        assert_eq!(limit_param(&r, "ratelimit-policy", "burst", "q"), 3);
        assert_eq!(
            limit_param(&r, "ratelimit-policy", "burst", "w"),
            180,
            "3 requests per 180 s is the plan's 1/minute"
        );
        assert_eq!(limit_param(&r, "ratelimit-policy", "daily", "q"), 1000);
        assert_eq!(limit_param(&r, "ratelimit-policy", "daily", "w"), 86_400);

        assert_eq!(limit_param(&r, "ratelimit", "burst", "r"), 2 - i, "burst remaining");
        let burst_reset = limit_param(&r, "ratelimit", "burst", "t");
        assert!((1..=180).contains(&burst_reset), "burst t={burst_reset}");
        assert_eq!(limit_param(&r, "ratelimit", "daily", "r"), 999 - i, "daily remaining");
        let daily_reset = limit_param(&r, "ratelimit", "daily", "t");
        assert!((0..=86_400).contains(&daily_reset), "daily t={daily_reset}");

        assert_eq!(
            number_header(&r, "x-ratelimit-limit"),
            3,
            "the tightest limit is the burst"
        );
        assert_eq!(number_header(&r, "x-ratelimit-remaining"), 2 - i);
        let now = Utc::now().timestamp();
        let reset = number_header(&r, "x-ratelimit-reset");
        assert!(
            (now..=now + 181).contains(&reset),
            "X-RateLimit-Reset is a Unix time within the refill: {reset} (now {now})"
        );
    }

    let fourth = get_as(&app, "/v1/leagues", &key.token).await;
    assert_eq!(fourth.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after = number_header(&fourth, "retry-after");
    assert!(
        (1..=60).contains(&retry_after),
        "the next request is allowed within one interval: Retry-After {retry_after}"
    );
    assert_eq!(limit_param(&fourth, "ratelimit-policy", "burst", "q"), 3);
    assert_eq!(limit_param(&fourth, "ratelimit", "burst", "r"), 0);
    assert_eq!(
        limit_param(&fourth, "ratelimit", "daily", "r"),
        997,
        "a throttled request does not spend quota"
    );
    assert_eq!(number_header(&fourth, "x-ratelimit-limit"), 3);
    assert_eq!(number_header(&fourth, "x-ratelimit-remaining"), 0);
    assert!(!header(&fourth, "x-ratelimit-reset").is_empty());
    let body = problem(fourth, 429).await;
    assert_eq!(body["type"], "/problems/rate-limited", "{body}");

    let rejections_after = metric(&app, TINY_REJECTIONS).await;
    assert_eq!(
        rejections_after,
        rejections_before + 1.0,
        "{TINY_REJECTIONS} counts the one rejection (no other test uses plan tiny)"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_spent_daily_quota_answers_429_quota_exceeded_with_retry_after_until_utc_midnight() {
    let plans = config_file(QUOTA_PLAN);
    let app = app()
        .env("SPORTSGATE_CONFIG", &plans.path)
        .env("SPORTSGATE_ADMIN_TOKEN", ADMIN_TOKEN)
        .spawn()
        .await;
    let key = create_key(&app, "quota", "q").await;

    for i in 0..3i64 {
        let r = get_as(&app, "/v1/leagues", &key.token).await;
        assert_eq!(r.status(), StatusCode::OK, "request {} of 3", i + 1);
        assert_eq!(limit_param(&r, "ratelimit-policy", "daily", "q"), 3);
        assert_eq!(limit_param(&r, "ratelimit", "daily", "r"), 2 - i);
    }
    let fourth = get_as(&app, "/v1/leagues", &key.token).await;
    let expected = seconds_to_next_utc_midnight(Utc::now());
    assert_eq!(fourth.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after = number_header(&fourth, "retry-after");
    assert!(
        (retry_after - expected).abs() <= 5,
        "Retry-After {retry_after} should be the {expected} s to the next UTC midnight"
    );
    assert_eq!(limit_param(&fourth, "ratelimit", "daily", "r"), 0);
    assert_eq!(number_header(&fourth, "x-ratelimit-remaining"), 0);
    let body = problem(fourth, 429).await;
    assert_eq!(body["type"], "/problems/quota-exceeded", "{body}");

    // Still refused, and not turned into a throttle: the quota is what is spent.
    let fifth = get_as(&app, "/v1/leagues", &key.token).await;
    assert_eq!(problem(fifth, 429).await["type"], "/problems/quota-exceeded");
    app.stop().await;
}

/// Spends 2 of 3 on one app, stops it gracefully, and spends the last one on a new app on
/// the same database.
pub async fn spent_quota_survives_a_graceful_restart(db: Database) {
    let plans = config_file(QUOTA_PLAN);
    let url = db.url();
    let start = || {
        app()
            .env("SPORTSGATE_DATABASE_URL", &url)
            .env("SPORTSGATE_CONFIG", &plans.path)
            .env("SPORTSGATE_ADMIN_TOKEN", ADMIN_TOKEN)
            .spawn()
    };
    let first = start().await;
    let key = create_key(&first, "restart", "q").await;
    for _ in 0..2 {
        assert_eq!(get_as(&first, "/v1/leagues", &key.token).await.status(), StatusCode::OK);
    }
    first.stop().await;

    let second = start().await;
    let third = get_as(&second, "/v1/leagues", &key.token).await;
    assert_eq!(third.status(), StatusCode::OK, "one request of the quota is left");
    assert_eq!(
        limit_param(&third, "ratelimit", "daily", "r"),
        0,
        "the restarted app knows 2 were spent before"
    );
    let fourth = get_as(&second, "/v1/leagues", &key.token).await;
    assert_eq!(problem(fourth, 429).await["type"], "/problems/quota-exceeded");
    second.stop().await;
}

#[tokio::test]
async fn spent_quota_survives_a_graceful_restart_on_sqlite() {
    spent_quota_survives_a_graceful_restart(Database::sqlite()).await;
}

// ---- Keys ----

/// Keys from either header; refusals of a missing, wrong, malformed, revoked or expired key.
pub async fn key_lifecycle(db: Database) {
    let app = app()
        .env("SPORTSGATE_DATABASE_URL", &db.url())
        .env("SPORTSGATE_ANONYMOUS_PLAN", "none")
        .env("SPORTSGATE_ADMIN_TOKEN", ADMIN_TOKEN)
        .spawn()
        .await;
    let key = create_key(&app, "lifecycle", "free").await;

    // Accepted from x-api-key and from Authorization: Bearer (any case of the scheme).
    let me = json_of(get_as(&app, "/v1/me", &key.token).await, StatusCode::OK).await;
    assert_eq!(me["key"]["id"], key.id);
    assert_eq!(me["subject"], format!("key:{}", key.id));
    for scheme in ["Bearer", "bearer"] {
        let r = app
            .client
            .get(app.url("/v1/me"))
            .header("authorization", format!("{scheme} {}", key.token))
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(r, StatusCode::OK).await["key"]["id"], key.id, "{scheme}");
    }

    // No key at all, with no anonymous plan.
    let missing = app.get("/v1/leagues").await;
    assert!(
        header(&missing, "www-authenticate").starts_with("Bearer"),
        "401 carries WWW-Authenticate: {:?}",
        header(&missing, "www-authenticate")
    );
    let missing = problem(missing, 401).await;
    assert_eq!(missing["type"], "/problems/unauthorized");

    // Wrong, malformed, revoked and expired keys are refused alike.
    let mut refusals: Vec<(String, Value)> = Vec::new();
    let mut refuse = async |what: &str, token: &str| {
        let r = get_as(&app, "/v1/leagues", token).await;
        assert!(!header(&r, "www-authenticate").is_empty(), "{what}: WWW-Authenticate");
        let body = problem(r, 401).await;
        assert_eq!(body["type"], "/problems/unauthorized", "{what}: {body}");
        refusals.push((what.to_owned(), body));
    };
    let wrong_secret = format!("sg_{}_{}", key.id, "A".repeat(24));
    refuse("the right id with a wrong secret", &wrong_secret).await;
    refuse("an unknown id", &format!("sg_zzzzzzzzzzzz_{}", key.secret())).await;
    refuse("a malformed key", "not-a-key").await;
    refuse("a truncated key", &key.token[..key.token.len() - 1]).await;

    // Revocation: the key was just used (so it is cached), and is refused at once after.
    let doomed = create_key(&app, "doomed", "free").await;
    assert_eq!(
        get_as(&app, "/v1/leagues", &doomed.token).await.status(),
        StatusCode::OK
    );
    let revoked = admin(&app, Method::DELETE, &format!("/admin/v1/keys/{}", doomed.id))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    refuse("a revoked key", &doomed.token).await;
    assert!(
        key_in(&list_keys(&app).await, &doomed.id)["revoked_at"].is_string(),
        "the list shows when it was revoked"
    );
    assert_eq!(
        get_as(&app, "/v1/leagues", &key.token).await.status(),
        StatusCode::OK,
        "revoking one key leaves the others alone"
    );

    // Expiry: usable until expires_at, refused after.
    let expires_at = Utc::now() + chrono::Duration::milliseconds(2000);
    let mortal = create_key_with(
        &app,
        json!({ "name": "mortal", "plan": "free", "expires_at": rfc3339(expires_at) }),
    )
    .await;
    assert_eq!(
        get_as(&app, "/v1/leagues", &mortal.token).await.status(),
        StatusCode::OK
    );
    let refused_at = eventually(Duration::from_secs(6), "the expired key to be refused", || async {
        let r = get_as(&app, "/v1/leagues", &mortal.token).await;
        (r.status() == StatusCode::UNAUTHORIZED).then(Utc::now)
    })
    .await;
    assert!(
        refused_at >= expires_at,
        "refused at {refused_at}, before its expiry {expires_at}"
    );
    refuse("an expired key", &mortal.token).await;

    let detail = refusals[0].1["detail"].clone();
    for (what, body) in &refusals {
        assert_eq!(
            body["detail"], detail,
            "{what} is refused with the same words as {}",
            refusals[0].0
        );
    }
    assert_ne!(
        missing["detail"],
        Value::Null,
        "a missing key is also explained: {missing}"
    );
    app.stop().await;
}

#[tokio::test]
async fn on_sqlite_keys_work_from_either_header_and_bad_revoked_or_expired_keys_get_the_same_401() {
    key_lifecycle(Database::sqlite()).await;
}

#[tokio::test]
async fn a_key_in_the_query_string_is_not_accepted() {
    let app = app()
        .env("SPORTSGATE_ANONYMOUS_PLAN", "anonymous")
        .env("SPORTSGATE_ADMIN_TOKEN", ADMIN_TOKEN)
        .spawn()
        .await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    let key = create_key(&app, "query", "free").await;

    let games = app.get(&format!("{NFL_GAMES}?api_key={}", key.token)).await;
    let body = problem(games, 400).await;
    assert_eq!(body["type"], "/problems/invalid-parameter");
    assert_eq!(body["parameter"], "api_key", "{body}");

    // Every route refuses unknown parameters, so a key there is never silently ignored.
    let me = problem(app.get(&format!("/v1/me?api_key={}", key.token)).await, 400).await;
    assert_eq!(me["parameter"], "api_key", "{me}");
    assert!(!me.to_string().contains(key.secret()), "the key is not echoed: {me}");
    app.stop().await;

    let keyed_only = app_with_admin().env("SPORTSGATE_ANONYMOUS_PLAN", "none").spawn().await;
    let key = create_key(&keyed_only, "query", "free").await;
    let r = keyed_only.get(&format!("/v1/me?api_key={}", key.token)).await;
    assert_eq!(problem(r, 401).await["type"], "/problems/unauthorized");
    let r = keyed_only.get(&format!("/v1/leagues?api_key={}", key.token)).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    keyed_only.stop().await;
}

pub fn app_with_admin() -> TestAppBuilder {
    app().env("SPORTSGATE_ADMIN_TOKEN", ADMIN_TOKEN)
}

#[tokio::test]
async fn the_database_file_never_holds_a_key_secret() {
    let db = Database::sqlite();
    let app = app_with_admin().env("SPORTSGATE_DATABASE_URL", &db.url()).spawn().await;
    let mut keys = Vec::new();
    for (name, plan) in [("one", "free"), ("two", "pro"), ("three", "unlimited")] {
        let key = create_key(&app, name, plan).await;
        assert_eq!(get_as(&app, "/v1/leagues", &key.token).await.status(), StatusCode::OK);
        let r = app
            .client
            .put(app.url("/v1/me/preferences"))
            .bearer_auth(&key.token)
            .json(&json!({ "favourite_leagues": ["nfl"] }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            get_as(&app, "/v1/me/history", &key.token).await.status(),
            StatusCode::OK
        );
        keys.push(key);
    }
    app.stop().await;

    let files = db.sqlite_bytes();
    assert!(!files.is_empty(), "the database file exists");
    let all: Vec<u8> = files.iter().flat_map(|(_, b)| b.iter().copied()).collect();
    let contains = |needle: &str| all.windows(needle.len()).any(|w| w == needle.as_bytes());
    for key in &keys {
        assert!(contains(&key.id), "the key id is stored (the right file was read)");
        for (name, bytes) in &files {
            assert!(
                !bytes.windows(24).any(|w| w == key.secret().as_bytes()),
                "the secret of key {} is in {name}",
                key.id
            );
        }
        assert!(!contains(&key.token), "the whole token of key {} is stored", key.id);
    }
}

// ---- Admin API ----

fn admin_routes() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/admin/v1/keys", None),
        (
            Method::POST,
            "/admin/v1/keys",
            Some(json!({ "name": "x", "plan": "free" })),
        ),
        (
            Method::PATCH,
            "/admin/v1/keys/abcdefghijkl",
            Some(json!({ "plan": "pro" })),
        ),
        (Method::DELETE, "/admin/v1/keys/abcdefghijkl", None),
        (Method::GET, "/admin/v1/usage", None),
        (Method::GET, "/admin/v1/plans", None),
        (Method::GET, "/admin/v1/stats", None),
        (Method::DELETE, "/admin/v1/cache", None),
    ]
}

#[tokio::test]
async fn without_an_admin_token_configured_every_admin_route_is_a_404_problem() {
    let app = spawn_app().await;
    for (method, path, body) in admin_routes() {
        for token in [None, Some(ADMIN_TOKEN)] {
            let mut request = app.client.request(method.clone(), app.url(path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            let body = problem(request.send().await.unwrap(), 404).await;
            assert_eq!(body["type"], "/problems/not-found", "{method} {path}: {body}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn with_an_admin_token_configured_a_missing_or_wrong_token_gets_401_on_every_admin_route() {
    let app = app_with_admin().spawn().await;
    let wrong = [
        None,
        Some(format!("Bearer {}", "x".repeat(ADMIN_TOKEN.len()))),
        Some(format!("Bearer {ADMIN_TOKEN}x")),
        Some(format!("Bearer {}", &ADMIN_TOKEN[..ADMIN_TOKEN.len() - 1])),
        Some(format!("Basic {ADMIN_TOKEN}")),
        Some(ADMIN_TOKEN.to_owned()),
    ];
    for (method, path, body) in admin_routes() {
        for authorization in &wrong {
            let mut request = app.client.request(method.clone(), app.url(path));
            if let Some(value) = authorization {
                request = request.header("authorization", value);
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            assert!(!header(&response, "www-authenticate").is_empty(), "{method} {path}");
            let problem = problem(response, 401).await;
            assert_eq!(
                problem["type"], "/problems/unauthorized",
                "{method} {path} {authorization:?}"
            );
        }
    }
    assert_eq!(
        list_keys(&app).await["keys"],
        json!([]),
        "no refused POST created a key"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_admin_key_list_shows_ids_names_and_plans_but_never_secrets_or_hashes() {
    let app = app_with_admin().spawn().await;
    let a = create_key(&app, "alpha", "free").await;
    let b = create_key(&app, "beta", "pro").await;
    let response = admin(&app, Method::GET, "/admin/v1/keys").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let list: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(list["keys"].as_array().unwrap().len(), 2, "{list}");
    assert_eq!(key_in(&list, &a.id)["name"], "alpha");
    assert_eq!(key_in(&list, &a.id)["plan"], "free");
    assert_eq!(key_in(&list, &b.id)["plan"], "pro");
    for key in [&a, &b] {
        assert!(!text.contains(key.secret()), "the list shows a secret: {text}");
        assert!(
            !text.contains(&sha256_hex(key.secret())),
            "the list shows a hash: {text}"
        );
        let fields: Vec<&String> = key_in(&list, &key.id).as_object().unwrap().keys().collect();
        for field in &fields {
            assert!(
                !field.contains("secret") && !field.contains("hash") && !field.contains("token"),
                "field {field} in {fields:?}"
            );
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn bad_key_creation_requests_get_400_or_413_problems_and_write_nothing() {
    let app = app_with_admin().spawn().await;
    create_key(&app, "existing", "free").await;
    let before = list_keys(&app).await;

    let post_json = |body: Value| admin(&app, Method::POST, "/admin/v1/keys").json(&body);
    let post_raw = |body: String| {
        admin(&app, Method::POST, "/admin/v1/keys")
            .header("content-type", "application/json")
            .body(body)
    };
    let past = rfc3339(Utc::now() - chrono::Duration::hours(1));
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, Option<&str>)> = vec![
        (
            "unknown plan",
            post_json(json!({ "name": "x", "plan": "gold" })),
            400,
            Some("plan"),
        ),
        (
            "empty name",
            post_json(json!({ "name": "", "plan": "free" })),
            400,
            Some("name"),
        ),
        ("blank name", post_json(json!({ "name": "   " })), 400, Some("name")),
        ("malformed JSON", post_raw("{\"name\": \"x\"".into()), 400, None),
        (
            "unknown field",
            post_json(json!({ "name": "x", "plan": "free", "colour": "red" })),
            400,
            None,
        ),
        ("wrong type", post_json(json!({ "name": 5, "plan": "free" })), 400, None),
        // serde alone would read a struct from an array, field by field.
        ("array body", post_json(json!(["x", "free"])), 400, None),
        ("null plan", post_json(json!({ "name": "x", "plan": null })), 400, None),
        (
            "expiry in the past",
            post_json(json!({ "name": "x", "expires_at": past })),
            400,
            Some("expires_at"),
        ),
        (
            "body over 16 KiB",
            post_json(json!({ "name": "x".repeat(20 * 1024) })),
            413,
            None,
        ),
    ];
    for (what, request, status, parameter) in cases {
        let body = problem(request.send().await.expect(what), status).await;
        if let Some(parameter) = parameter {
            assert_eq!(body["parameter"], parameter, "{what}: {body}");
        }
        if what == "unknown plan" {
            assert!(body["detail"].as_str().unwrap().contains("gold"), "{body}");
        }
    }
    assert_eq!(list_keys(&app).await, before, "a refused request wrote nothing");
    app.stop().await;
}

#[tokio::test]
async fn patching_a_key_plan_takes_effect_on_its_next_request_without_a_restart() {
    let app = app_with_admin().spawn().await;
    let key = create_key(&app, "upgrade", "free").await;
    let before = get_as(&app, "/v1/leagues", &key.token).await;
    assert_eq!(limit_param(&before, "ratelimit-policy", "burst", "q"), 20);
    assert_eq!(limit_param(&before, "ratelimit-policy", "daily", "q"), 5000);

    let path = format!("/admin/v1/keys/{}", key.id);
    let bad = admin(&app, Method::PATCH, &path)
        .json(&json!({ "plan": "gold" }))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(bad, 400).await["parameter"], "plan");
    assert_eq!(key_in(&list_keys(&app).await, &key.id)["plan"], "free");

    let patched = admin(&app, Method::PATCH, &path)
        .json(&json!({ "plan": "pro" }))
        .send()
        .await
        .unwrap();
    let patched = json_of(patched, StatusCode::OK).await;
    assert_eq!(patched["plan"], "pro");
    assert_eq!(patched["name"], "upgrade", "fields not sent are kept");

    let after = get_as(&app, "/v1/leagues", &key.token).await;
    assert_eq!(after.status(), StatusCode::OK);
    let policy = structured(&header(&after, "ratelimit-policy"));
    let names: Vec<&str> = policy.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["burst", "monthly"], "the pro plan's limits: {policy:?}");
    assert_eq!(limit_param(&after, "ratelimit-policy", "burst", "q"), 100);
    assert_eq!(limit_param(&after, "ratelimit-policy", "monthly", "q"), 1_000_000);
    assert_eq!(number_header(&after, "x-ratelimit-limit"), 100);
    let me = json_of(get_as(&app, "/v1/me", &key.token).await, StatusCode::OK).await;
    assert_eq!(me["plan"]["name"], "pro");
    app.stop().await;
}

#[tokio::test]
async fn a_revoked_key_cannot_be_patched_back_to_life_and_says_409() {
    let app = app_with_admin().spawn().await;
    let key = create_key(&app, "doomed", "free").await;
    let path = format!("/admin/v1/keys/{}", key.id);
    let revoked = admin(&app, Method::DELETE, &path).send().await.unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let patched = admin(&app, Method::PATCH, &path)
        .json(&json!({ "plan": "pro", "name": "revived" }))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(patched, 409).await["type"], "/problems/conflict");
    let listed = key_in(&list_keys(&app).await, &key.id).clone();
    assert_eq!(
        (listed["plan"].as_str(), listed["name"].as_str()),
        (Some("free"), Some("doomed"))
    );
    assert_eq!(
        get_as(&app, "/v1/leagues", &key.token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

#[tokio::test]
async fn patching_expires_at_to_null_keeps_the_key_alive_past_its_old_expiry_and_unknown_ids_are_404() {
    let app = app_with_admin().spawn().await;
    let expires_at = Utc::now() + chrono::Duration::milliseconds(1500);
    let key = create_key_with(
        &app,
        json!({ "name": "reprieve", "plan": "free", "expires_at": rfc3339(expires_at) }),
    )
    .await;
    assert!(key_in(&list_keys(&app).await, &key.id)["expires_at"].is_string());
    let path = format!("/admin/v1/keys/{}", key.id);

    let past = admin(&app, Method::PATCH, &path)
        .json(&json!({ "expires_at": rfc3339(Utc::now() - chrono::Duration::minutes(1)) }))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(past, 400).await["parameter"], "expires_at");

    let renamed = admin(&app, Method::PATCH, &path)
        .json(&json!({ "name": "renamed" }))
        .send()
        .await
        .unwrap();
    let renamed = json_of(renamed, StatusCode::OK).await;
    assert!(
        renamed["expires_at"].is_string(),
        "an absent expires_at is left alone: {renamed}"
    );

    let cleared = admin(&app, Method::PATCH, &path)
        .json(&json!({ "expires_at": null }))
        .send()
        .await
        .unwrap();
    let cleared = json_of(cleared, StatusCode::OK).await;
    assert_eq!(cleared["expires_at"], Value::Null, "{cleared}");
    assert_eq!(cleared["name"], "renamed");
    assert_eq!(key_in(&list_keys(&app).await, &key.id)["expires_at"], Value::Null);

    let wait = (expires_at - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(300);
    tokio::time::sleep(wait).await;
    assert_eq!(
        get_as(&app, "/v1/leagues", &key.token).await.status(),
        StatusCode::OK,
        "the key outlives its former expiry"
    );

    for (method, body) in [(Method::PATCH, Some(json!({ "plan": "pro" }))), (Method::DELETE, None)] {
        let mut request = admin(&app, method.clone(), "/admin/v1/keys/zzzzzzzzzzzz");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let body = problem(request.send().await.unwrap(), 404).await;
        assert_eq!(body["type"], "/problems/not-found", "{method}: {body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn admin_usage_counts_requests_per_key_per_day_per_route() {
    let app = app_with_admin().spawn().await;
    let a = create_key(&app, "a", "free").await;
    let b = create_key(&app, "b", "free").await;
    for _ in 0..3 {
        assert_eq!(get_as(&app, "/v1/leagues", &a.token).await.status(), StatusCode::OK);
    }
    assert_eq!(get_as(&app, "/v1/me", &a.token).await.status(), StatusCode::OK);
    assert_eq!(get_as(&app, "/v1/leagues", &b.token).await.status(), StatusCode::OK);
    let today = Utc::now().date_naive().to_string();

    let rows_of = |body: &Value, subject: &str| -> BTreeMap<(String, String), u64> {
        body["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|r| r["subject"] == subject)
            .map(|r| {
                (
                    (
                        r["day"].as_str().unwrap().to_owned(),
                        r["route"].as_str().unwrap().to_owned(),
                    ),
                    r["count"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    // Account routes (/v1/me) are free and not recorded.
    let expected_a = BTreeMap::from([((today.clone(), "/v1/leagues".to_owned()), 3)]);
    let all = json_of(
        admin(&app, Method::GET, "/admin/v1/usage").send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(rows_of(&all, &format!("key:{}", a.id)), expected_a, "{all}");
    assert_eq!(
        rows_of(&all, &format!("key:{}", b.id)),
        BTreeMap::from([((today.clone(), "/v1/leagues".to_owned()), 1)]),
        "{all}"
    );

    let only_a = json_of(
        admin(&app, Method::GET, &format!("/admin/v1/usage?key={}", a.id))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let subjects: Vec<&Value> = only_a["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["subject"])
        .collect();
    assert!(
        !subjects.is_empty() && subjects.iter().all(|s| **s == format!("key:{}", a.id)),
        "?key= filters to one key: {only_a}"
    );
    assert_eq!(rows_of(&only_a, &format!("key:{}", a.id)), expected_a);

    // Day bounds: a range that ends before it starts selects nothing; a malformed day is a 400.
    let backwards = admin(&app, Method::GET, "/admin/v1/usage?from=2026-02-01&to=2026-01-01")
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(backwards, StatusCode::OK).await["rows"], json!([]));
    for bad in ["from=2026-1-01", "to=%2B2026-01-01", "limit=0"] {
        let response = admin(&app, Method::GET, &format!("/admin/v1/usage?{bad}"))
            .send()
            .await
            .unwrap();
        problem(response, 400).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn purging_the_cache_through_the_admin_api_makes_the_next_data_request_a_miss() {
    let app = app_with_admin().spawn().await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    assert_eq!(header(&app.get(NFL_GAMES).await, "x-cache"), "MISS");
    assert_eq!(header(&app.get(NFL_GAMES).await, "x-cache"), "HIT");

    let refused = app.client.delete(app.url("/admin/v1/cache")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(&app.get(NFL_GAMES).await, "x-cache"),
        "HIT",
        "a refused purge purged nothing"
    );

    let purged = admin(&app, Method::DELETE, "/admin/v1/cache").send().await.unwrap();
    assert_eq!(purged.status(), StatusCode::NO_CONTENT);
    let next = app.get(NFL_GAMES).await;
    assert_eq!(next.status(), StatusCode::OK);
    assert_eq!(header(&next, "x-cache"), "MISS");
    assert_eq!(app.espn_calls().await, 2, "the purge sent the next request upstream");
    app.stop().await;
}

// ---- /v1/me ----

#[tokio::test]
async fn v1_me_shows_the_key_its_plan_its_quota_and_todays_usage_per_route_growing_with_requests() {
    let app = app_with_admin().spawn().await;
    let key = create_key(&app, "me", "free").await;
    for _ in 0..2 {
        assert_eq!(get_as(&app, "/v1/leagues", &key.token).await.status(), StatusCode::OK);
    }
    let me = json_of(get_as(&app, "/v1/me", &key.token).await, StatusCode::OK).await;
    assert_eq!(me["subject"], format!("key:{}", key.id));
    assert_eq!(me["key"]["id"], key.id);
    assert_eq!(me["key"]["name"], "me");
    assert_eq!(me["plan"]["name"], "free");
    assert_eq!(me["plan"]["rate"], "60/minute");
    assert_eq!(me["plan"]["burst"], 20);
    assert_eq!(me["plan"]["quota"], "5000/day");
    assert_eq!(me["quota"]["window"], "day");
    assert_eq!(me["quota"]["limit"], 5000);
    assert_eq!(me["quota"]["used"], 2, "two requests; /v1/me itself is free: {me}");
    assert_eq!(me["quota"]["remaining"], 4998);
    let resets_at: DateTime<Utc> = me["quota"]["resets_at"].as_str().unwrap().parse().unwrap();
    let midnight = (Utc::now().date_naive().succ_opt().unwrap())
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    assert_eq!(resets_at, midnight, "the daily quota resets at the next UTC midnight");
    assert_eq!(today_counts(&me), counts(&[("/v1/leagues", 2)]));
    let text = me.to_string();
    assert!(!text.contains(key.secret()), "/v1/me shows no secret");

    assert_eq!(
        get_as(&app, "/v1/leagues/nope/games", &key.token).await.status(),
        StatusCode::NOT_FOUND
    );
    // Past a usage flush (every second), so counts come from the store and from memory.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(get_as(&app, "/v1/leagues", &key.token).await.status(), StatusCode::OK);
    let me = json_of(get_as(&app, "/v1/me", &key.token).await, StatusCode::OK).await;
    assert_eq!(
        today_counts(&me),
        counts(&[("/v1/leagues", 3), ("/v1/leagues/{league}/games", 1)]),
        "{me}"
    );
    assert_eq!(me["quota"]["used"], 4);
    assert_eq!(me["quota"]["remaining"], 4996);
    app.stop().await;
}

#[tokio::test]
async fn v1_me_for_an_anonymous_caller_shows_the_ip_subject_the_anonymous_plan_and_no_key() {
    let app = app().env("SPORTSGATE_ANONYMOUS_PLAN", "anonymous").spawn().await;
    let me = json_of(app.get("/v1/me").await, StatusCode::OK).await;
    assert_eq!(me["subject"], "ip:127.0.0.1");
    assert_eq!(me["key"], Value::Null);
    assert_eq!(me["plan"]["name"], "anonymous");
    assert_eq!(me["quota"]["limit"], 1000);
    assert_eq!(me["quota"]["used"], 0, "account routes are not counted");
    assert_eq!(today_counts(&me), counts(&[]));
    app.stop().await;
}

#[tokio::test]
async fn preferences_start_empty_save_valid_input_and_keep_it_through_every_bad_put() {
    let app = app_with_admin().spawn().await;
    mount_nfl_teams(&app).await;
    let key = create_key(&app, "prefs", "free").await;
    let other = create_key(&app, "other", "free").await;
    let get_prefs = async |token: &str| json_of(get_as(&app, "/v1/me/preferences", token).await, StatusCode::OK).await;
    let put = |token: &str| app.client.put(app.url("/v1/me/preferences")).header("x-api-key", token);

    let empty = json!({ "favourite_leagues": [], "favourite_teams": [] });
    assert_eq!(get_prefs(&key.token).await, empty);

    // Ids in any case, a team as users type it: saved canonical, the team under its full name.
    let typed = json!({
        "favourite_leagues": ["NFL", "epl", "nfl"],
        "favourite_teams": [{ "league": "Nfl", "team": "KC" }],
    });
    let saved = json!({
        "favourite_leagues": ["nfl", "epl"],
        "favourite_teams": [{ "league": "nfl", "team": "Kansas City Chiefs" }],
    });
    let r = put(&key.token).json(&typed).send().await.unwrap();
    assert_eq!(json_of(r, StatusCode::OK).await, saved);
    assert_eq!(get_prefs(&key.token).await, saved);
    assert_eq!(get_prefs(&other.token).await, empty, "preferences belong to one key");

    let raw = |body: &str| {
        put(&key.token)
            .header("content-type", "application/json")
            .body(body.to_owned())
    };
    let oversized = json!({
        "favourite_leagues": ["nfl"],
        "favourite_teams": [{ "league": "nfl", "team": "x".repeat(20 * 1024) }],
    });
    let cases: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        (
            "unknown league",
            put(&key.token).json(&json!({ "favourite_leagues": ["nfl", "xfl"] })),
            400,
        ),
        (
            "unknown field",
            put(&key.token).json(&json!({ "favourite_leagues": ["nfl"], "colour": "red" })),
            400,
        ),
        (
            "wrong type",
            put(&key.token).json(&json!({ "favourite_leagues": "nfl" })),
            400,
        ),
        ("malformed JSON", raw("{\"favourite_leagues\": ["), 400),
        ("an array, not an object", put(&key.token).json(&json!([])), 400),
        (
            "team of no team",
            put(&key.token).json(&json!({ "favourite_teams": [{ "league": "nfl", "team": "zzzz" }] })),
            400,
        ),
        (
            "team of two teams",
            put(&key.token).json(&json!({ "favourite_teams": [{ "league": "nfl", "team": "NY" }] })),
            400,
        ),
        ("oversized body", put(&key.token).json(&oversized), 413),
    ];
    for (what, request, status) in cases {
        let body = problem(request.send().await.expect(what), status).await;
        if what == "unknown league" {
            assert_eq!(body["parameter"], "favourite_leagues", "{body}");
            assert!(body["detail"].as_str().unwrap().contains("xfl"), "{body}");
        }
        if what == "team of no team" {
            assert_eq!(body["parameter"], "favourite_teams", "{body}");
            assert!(body["detail"].as_str().unwrap().contains("zzzz"), "{body}");
        }
        if what == "team of two teams" {
            let detail = body["detail"].as_str().unwrap();
            assert!(
                detail.contains("New York Giants (NYG)") && detail.contains("New York Jets (NYJ)"),
                "{body}"
            );
        }
        assert_eq!(get_prefs(&key.token).await, saved, "after a PUT with {what}");
    }
    app.stop().await;

    let anonymous = spawn_app().await;
    let r = anonymous.get("/v1/me/preferences").await;
    assert_eq!(problem(r, 401).await["type"], "/problems/unauthorized");
    let r = anonymous
        .client
        .put(anonymous.url("/v1/me/preferences"))
        .json(&saved)
        .send()
        .await
        .unwrap();
    assert_eq!(problem(r, 401).await["type"], "/problems/unauthorized");
    let r = anonymous.get("/v1/me/history").await;
    assert_eq!(problem(r, 401).await["type"], "/problems/unauthorized");
    anonymous.stop().await;
}

#[tokio::test]
async fn history_lists_a_keys_recent_requests_newest_first_with_path_query_and_status() {
    let app = app_with_admin().spawn().await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    let key = create_key(&app, "history", "free").await;
    let other = create_key(&app, "other", "free").await;
    let requests = [
        ("/v1/leagues", 200),
        ("/v1/leagues/nfl/games?team=KC", 200),
        ("/v1/leagues/nope/games", 404),
        ("/v1/leagues/nfl/games?api_key=sg_leaked_by_mistake", 400),
    ];
    for (path, status) in requests {
        assert_eq!(get_as(&app, path, &key.token).await.status().as_u16(), status, "{path}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(get_as(&app, "/v1/leagues", &other.token).await.status(), StatusCode::OK);

    let history = json_of(get_as(&app, "/v1/me/history", &key.token).await, StatusCode::OK).await;
    let entries = history["entries"].as_array().expect("entries");
    let seen: Vec<(&str, u64)> = entries
        .iter()
        .map(|e| (e["request"].as_str().unwrap(), e["status"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            ("/v1/leagues/nfl/games?api_key=REDACTED", 400),
            ("/v1/leagues/nope/games", 404),
            ("/v1/leagues/nfl/games?team=KC", 200),
            ("/v1/leagues", 200),
        ],
        "newest first, only this key's, credentials in the query never stored: {history}"
    );
    let times: Vec<DateTime<Utc>> = entries
        .iter()
        .map(|e| e["at"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");

    tokio::time::sleep(Duration::from_millis(10)).await;
    let limited = json_of(get_as(&app, "/v1/me/history?limit=2", &key.token).await, StatusCode::OK).await;
    let seen: Vec<&str> = limited["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["request"].as_str().unwrap())
        .collect();
    assert_eq!(
        seen,
        ["/v1/leagues/nfl/games?api_key=REDACTED", "/v1/leagues/nope/games"],
        "limit bounds the list (account routes are not recorded): {limited}"
    );
    for limit in ["0", "500"] {
        let r = get_as(&app, &format!("/v1/me/history?limit={limit}"), &key.token).await;
        let body = problem(r, 400).await;
        assert_eq!(body["type"], "/problems/invalid-parameter");
        assert_eq!(body["parameter"], "limit", "{body}");
    }
    app.stop().await;
}

// ---- Client addresses, what is never counted, CORS, header size ----

/// The anonymous plan of the address and counting tests (named apart from `tiny`, whose
/// rejection metric the burst test reads).
const TRICKLE_ANONYMOUS: &str = "[plans.trickle]\nrate = \"1/minute\"\nburst = 2\n";

fn get_from(app: &TestApp, path: &str, forwarded_for: &str) -> reqwest::RequestBuilder {
    app.client.get(app.url(path)).header("x-forwarded-for", forwarded_for)
}

#[tokio::test]
async fn without_trusted_proxies_x_forwarded_for_is_ignored_and_every_spoofed_address_shares_one_bucket() {
    let plans = config_file(TRICKLE_ANONYMOUS);
    let app = app()
        .env("SPORTSGATE_CONFIG", &plans.path)
        .env("SPORTSGATE_ANONYMOUS_PLAN", "trickle")
        .spawn()
        .await;
    let me = get_from(&app, "/v1/me", "203.0.113.1").send().await.unwrap();
    assert_eq!(json_of(me, StatusCode::OK).await["subject"], "ip:127.0.0.1");
    for spoofed in ["203.0.113.2", "203.0.113.3"] {
        let r = get_from(&app, "/v1/leagues", spoofed).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let third = get_from(&app, "/v1/leagues", "203.0.113.4").send().await.unwrap();
    assert_eq!(problem(third, 429).await["type"], "/problems/rate-limited");
    app.stop().await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_address_gets_its_own_bucket_and_subject() {
    let plans = config_file(TRICKLE_ANONYMOUS);
    let app = app()
        .env("SPORTSGATE_CONFIG", &plans.path)
        .env("SPORTSGATE_ANONYMOUS_PLAN", "trickle")
        .env("SPORTSGATE_TRUSTED_PROXIES", "127.0.0.1/32")
        .spawn()
        .await;
    let me = get_from(&app, "/v1/me", "203.0.113.10").send().await.unwrap();
    assert_eq!(json_of(me, StatusCode::OK).await["subject"], "ip:203.0.113.10");
    for _ in 0..2 {
        let r = get_from(&app, "/v1/leagues", "203.0.113.10").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = get_from(&app, "/v1/leagues", "203.0.113.10").send().await.unwrap();
    assert_eq!(
        problem(r, 429).await["type"],
        "/problems/rate-limited",
        "one address still has one bucket"
    );

    for _ in 0..2 {
        let r = get_from(&app, "/v1/leagues", "203.0.113.20").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "another address has a bucket of its own");
    }
    // A chain is read from the right: the left part is whatever the client wrote.
    let me = get_from(&app, "/v1/me", "6.6.6.6, 203.0.113.30").send().await.unwrap();
    assert_eq!(json_of(me, StatusCode::OK).await["subject"], "ip:203.0.113.30");
    let me = app.get("/v1/me").await;
    assert_eq!(
        json_of(me, StatusCode::OK).await["subject"],
        "ip:127.0.0.1",
        "without the header the proxy itself is the client"
    );
    app.stop().await;
}

#[tokio::test]
async fn health_readiness_metrics_and_cors_preflights_are_never_counted_and_cors_exposes_the_limit_headers() {
    const ORIGIN: &str = "https://app.example.com";
    let plans = config_file(TRICKLE_ANONYMOUS);
    let app = app()
        .env("SPORTSGATE_CONFIG", &plans.path)
        .env("SPORTSGATE_ANONYMOUS_PLAN", "trickle")
        .env("SPORTSGATE_CORS_ORIGINS", ORIGIN)
        .spawn()
        .await;
    for _ in 0..3 {
        for path in ["/healthz", "/readyz", "/metrics"] {
            let r = app.get(path).await;
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            assert!(header(&r, "ratelimit").is_empty(), "{path} is not metered");
        }
        let preflight = app
            .client
            .request(Method::OPTIONS, app.url("/v1/leagues"))
            .header("origin", ORIGIN)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "x-api-key")
            .send()
            .await
            .unwrap();
        assert!(preflight.status().is_success(), "preflight: {}", preflight.status());
        assert_eq!(header(&preflight, "access-control-allow-origin"), ORIGIN);
        assert!(header(&preflight, "ratelimit").is_empty(), "a preflight is not metered");
    }

    let allowed = app
        .client
        .get(app.url("/v1/leagues"))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(
        limit_param(&allowed, "ratelimit", "burst", "r"),
        1,
        "the first counted request: nothing before it took from the burst of 2"
    );
    assert_eq!(header(&allowed, "access-control-allow-origin"), ORIGIN);
    let exposed = header(&allowed, "access-control-expose-headers").to_ascii_lowercase();
    let exposed: Vec<&str> = exposed.split(',').map(str::trim).collect();
    for name in [
        "ratelimit",
        "ratelimit-policy",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "retry-after",
    ] {
        assert!(exposed.contains(&name), "{name} not exposed: {exposed:?}");
    }

    let foreign = app
        .client
        .get(app.url("/v1/leagues"))
        .header("origin", "https://evil.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::OK);
    assert!(
        header(&foreign, "access-control-allow-origin").is_empty(),
        "another origin gets no ACAO: {:?}",
        header(&foreign, "access-control-allow-origin")
    );
    assert_eq!(limit_param(&foreign, "ratelimit", "burst", "r"), 0);

    let limited = app
        .client
        .get(app.url("/v1/leagues"))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&limited, "access-control-allow-origin"),
        ORIGIN,
        "a browser can read the 429"
    );
    assert_eq!(problem(limited, 429).await["type"], "/problems/rate-limited");
    app.stop().await;
}

#[tokio::test]
async fn request_headers_over_16_kib_get_a_431_problem() {
    let app = spawn_app().await;
    let fits = app
        .client
        .get(app.url("/v1/leagues"))
        .header("x-padding", "a".repeat(8 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(fits.status(), StatusCode::OK, "8 KiB of headers are fine");
    for path in ["/v1/leagues", "/healthz"] {
        let r = app
            .client
            .get(app.url(path))
            .header("x-padding", "a".repeat(17 * 1024))
            .send()
            .await
            .unwrap();
        problem(r, 431).await;
    }
    app.stop().await;
}

// ---- CLI ----

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `sportsgate keys create` on `url`; returns the printed key (the token appears once).
fn cli_create_key(url: &str, name: &str, plan: &str) -> Key {
    let stdout = run_binary_ok(
        &["keys", "create", "--name", name, "--plan", plan],
        &[("SPORTSGATE_DATABASE_URL", url)],
    );
    let token = stdout
        .split_whitespace()
        .find(|w| w.starts_with("sg_"))
        .unwrap_or_else(|| panic!("no token in {stdout:?}"))
        .to_owned();
    assert_eq!(token.len(), 40, "token shape: {token}");
    assert_eq!(stdout.matches(&token).count(), 1, "the token is printed once: {stdout}");
    let id = token[3..15].to_owned();
    assert!(
        stdout.split_whitespace().any(|w| w == id),
        "the id is printed on its own: {stdout}"
    );
    Key { id, token }
}

fn cli_list(url: &str) -> String {
    run_binary_ok(&["keys", "list"], &[("SPORTSGATE_DATABASE_URL", url)])
}

fn line_of<'a>(list: &'a str, id: &str) -> &'a str {
    list.lines()
        .find(|l| l.split_whitespace().next() == Some(id))
        .unwrap_or_else(|| panic!("no line for key {id} in {list}"))
}

#[test]
fn cli_keys_create_prints_the_token_once_list_never_shows_it_and_revoke_marks_the_key_revoked() {
    let db = Database::sqlite();
    let url = db.url();
    let key = cli_create_key(&url, "ci", "free");
    let other = cli_create_key(&url, "other", "pro");

    let list = cli_list(&url);
    let line = line_of(&list, &key.id);
    for word in ["free", "active", "ci"] {
        assert!(line.split_whitespace().any(|w| w == word), "{word} in {line:?}");
    }
    assert!(line_of(&list, &other.id).contains("pro"));
    for k in [&key, &other] {
        assert!(!list.contains(k.secret()), "keys list shows a secret: {list}");
        assert!(
            !list.contains(&sha256_hex(k.secret())),
            "keys list shows a hash: {list}"
        );
    }

    let out = run_binary(&["keys", "revoke", &key.id], &[("SPORTSGATE_DATABASE_URL", &url)]);
    assert!(out.status.success(), "keys revoke: {}", stderr_of(&out));
    let list = cli_list(&url);
    assert!(
        line_of(&list, &key.id).split_whitespace().any(|w| w == "revoked"),
        "{list}"
    );
    assert!(
        line_of(&list, &other.id).split_whitespace().any(|w| w == "active"),
        "{list}"
    );
}

#[test]
fn cli_keys_create_with_an_unknown_plan_exits_2_naming_the_plan() {
    let db = Database::sqlite();
    let url = db.url();
    let out = run_binary(
        &["keys", "create", "--name", "ci", "--plan", "gold"],
        &[("SPORTSGATE_DATABASE_URL", &url)],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("gold"), "{}", stderr_of(&out));
    assert!(!stdout_of(&out).contains("sg_"), "no token printed");
    let list = cli_list(&url);
    assert_eq!(
        list.lines().filter(|l| !l.trim().is_empty()).count(),
        1,
        "only the header line, no key: {list}"
    );
}

#[test]
fn cli_plans_lists_the_builtin_plans_and_one_added_in_the_toml_file() {
    let plans = config_file("[plans.team]\nrate = \"10/second\"\nburst = 50\nquota = \"100000/month\"\n");
    let out = run_binary(&["plans"], &[("SPORTSGATE_CONFIG", &plans.path)]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = stdout_of(&out);
    for plan in ["anonymous", "free", "pro", "unlimited", "team"] {
        assert!(
            stdout.lines().any(|l| l.split_whitespace().next() == Some(plan)),
            "{plan} missing from {stdout}"
        );
    }
    let team = stdout.lines().find(|l| l.starts_with("team")).unwrap();
    assert!(team.contains("10/second") && team.contains("100000/month"), "{team}");
}

#[test]
fn cli_migrate_exits_0_against_a_fresh_sqlite_file() {
    let db = Database::sqlite();
    let url = db.url();
    let out = run_binary(&["migrate"], &[("SPORTSGATE_DATABASE_URL", &url)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(!db.sqlite_bytes().is_empty(), "the database file was created");
    let again = run_binary(&["migrate"], &[("SPORTSGATE_DATABASE_URL", &url)]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "migrating twice is fine: {}",
        stderr_of(&again)
    );
}

#[tokio::test]
async fn a_token_printed_by_the_cli_works_against_a_server_on_that_database_until_the_cli_revokes_it() {
    let db = Database::sqlite();
    let url = db.url();
    let key = cli_create_key(&url, "ci", "free");
    let app = app()
        .env("SPORTSGATE_DATABASE_URL", &url)
        .env("SPORTSGATE_ANONYMOUS_PLAN", "none")
        .spawn()
        .await;
    let r = app
        .client
        .get(app.url("/v1/me"))
        .bearer_auth(&key.token)
        .send()
        .await
        .unwrap();
    let me = json_of(r, StatusCode::OK).await;
    assert_eq!(me["key"]["id"], key.id);
    assert_eq!(me["plan"]["name"], "free");

    // The CLI is another process on the same database, like another replica: the server
    // notices within its one-second key cache.
    let out = run_binary(&["keys", "revoke", &key.id], &[("SPORTSGATE_DATABASE_URL", &url)]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    eventually(Duration::from_secs(3), "the revoked key to be refused", || async {
        let r = get_as(&app, "/v1/leagues", &key.token).await;
        (r.status() == StatusCode::UNAUTHORIZED).then_some(())
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn a_request_whose_client_gives_up_is_still_recorded_against_its_quota_unit() {
    // The upstream never answers in time; each client gives up after 300 ms. The quota unit
    // each request reserved must show up in the recorded usage too, not vanish.
    let app = app().env("SPORTSGATE_ANONYMOUS_PLAN", "anonymous").spawn().await;
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&app.espn)
        .await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    for _ in 0..3 {
        assert!(
            impatient.get(app.url("/v1/leagues/nfl/games")).send().await.is_err(),
            "the client gives up"
        );
    }
    let (status, me) = app.get_json("/v1/me").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        me["quota"]["used"], 3,
        "three abandoned requests (/v1/me is free): {me}"
    );
    let games = me["today"]
        .as_array()
        .and_then(|routes| routes.iter().find(|r| r["route"] == "/v1/leagues/{league}/games"))
        .unwrap_or_else(|| panic!("the abandoned requests are in today's usage: {me}"));
    assert_eq!(games["count"], 3, "{me}");
    app.stop().await;
}

#[tokio::test]
async fn a_flood_of_made_up_keys_never_locks_out_a_valid_key_from_the_same_address() {
    let app = app_with_admin().spawn().await;
    let key = create_key(&app, "neighbour", "pro").await;
    let mut made_up = Vec::new();
    let mut valid = Vec::new();
    for i in 0..120 {
        // Well-formed but unknown ids: answered from the key directory, not the database.
        let token = format!("sg_{:012}_{}", i, "a".repeat(24));
        made_up.push(get_as(&app, "/v1/leagues", &token).await.status().as_u16());
        if i % 6 == 0 {
            valid.push(get_as(&app, "/v1/leagues", &key.token).await.status().as_u16());
        }
    }
    assert!(
        made_up.iter().all(|s| *s == 401),
        "every made-up key is a 401: {made_up:?}"
    );
    assert!(
        valid.iter().all(|s| *s == 200),
        "the valid key always passes: {valid:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_key_made_on_another_replica_is_known_here_within_about_a_second() {
    let app = app_with_admin().spawn().await;
    // Another replica sharing the database: a second app on the same SQLite file.
    let other = app.sibling().spawn().await;
    // Made-up keys first, past this replica's budget for store lookups of unknown ids.
    for i in 0..80 {
        let token = format!("sg_{:012}_{}", i, "b".repeat(24));
        assert_eq!(
            get_as(&app, "/v1/leagues", &token).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let key = create_key(&other, "elsewhere", "free").await;
    assert_eq!(
        get_as(&app, "/v1/leagues", &key.token).await.status(),
        StatusCode::OK,
        "a key that verifies is never refused for want of lookup budget"
    );
    let revoked = admin(&other, Method::DELETE, &format!("/admin/v1/keys/{}", key.id))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        get_as(&app, "/v1/leagues", &key.token).await.status(),
        StatusCode::UNAUTHORIZED,
        "the revocation reached the other replica"
    );
    other.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn malformed_credentials_are_refused_not_served_as_anonymous() {
    let app = app().env("SPORTSGATE_ANONYMOUS_PLAN", "anonymous").spawn().await;
    let cases: Vec<(&str, reqwest::header::HeaderValue)> = vec![
        ("x-api-key", reqwest::header::HeaderValue::from_static("")),
        (
            "x-api-key",
            reqwest::header::HeaderValue::from_bytes(b"sg_\xe2\x80\xa6").unwrap(),
        ),
        ("x-api-key", reqwest::header::HeaderValue::from_static("   ")),
        (
            "authorization",
            reqwest::header::HeaderValue::from_static("Basic dXNlcjpwYXNz"),
        ),
        ("authorization", reqwest::header::HeaderValue::from_static("Bearer")),
        ("authorization", reqwest::header::HeaderValue::from_static("Bearer ")),
    ];
    for (name, value) in cases {
        let shown = format!("{name}: {value:?}");
        let r = app
            .client
            .get(app.url("/v1/leagues"))
            .header(name, value)
            .send()
            .await
            .unwrap();
        let body = problem(r, 401).await;
        assert_eq!(body["type"], "/problems/unauthorized", "{shown}");
    }
    // The README's placeholder pasted literally.
    let r = app
        .client
        .get(app.url("/v1/me"))
        .header("x-api-key", "sg_…")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let twice = app
        .client
        .get(app.url("/v1/leagues"))
        .header("x-api-key", "sg_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbb")
        .header("x-api-key", "sg_cccccccccccc_dddddddddddddddddddddddd")
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), StatusCode::UNAUTHORIZED, "two keys are ambiguous");
    assert_eq!(
        app.get("/v1/leagues").await.status(),
        StatusCode::OK,
        "no key at all is anonymous"
    );
    app.stop().await;
}

#[tokio::test]
async fn account_routes_answer_with_the_quota_spent_and_never_count() {
    let plans = config_file("[plans.tiny]\nrate = \"100/second\"\nburst = 100\nquota = \"2/day\"\n");
    let app = app_with_admin().env("SPORTSGATE_CONFIG", &plans.path).spawn().await;
    let key = create_key(&app, "tiny", "tiny").await;
    for _ in 0..2 {
        assert_eq!(get_as(&app, "/v1/leagues", &key.token).await.status(), StatusCode::OK);
    }
    let spent = get_as(&app, "/v1/leagues", &key.token).await;
    assert_eq!(problem(spent, 429).await["type"], "/problems/quota-exceeded");
    for _ in 0..3 {
        let me = json_of(get_as(&app, "/v1/me", &key.token).await, StatusCode::OK).await;
        assert_eq!(me["quota"]["remaining"], 0, "{me}");
        assert_eq!(me["quota"]["used"], 2, "{me}");
        let history = get_as(&app, "/v1/me/history", &key.token).await;
        assert_eq!(history.status(), StatusCode::OK);
    }
    app.stop().await;
}

#[tokio::test]
async fn keyed_answers_are_private_to_shared_caches() {
    let app = app().env("SPORTSGATE_ADMIN_TOKEN", ADMIN_TOKEN).spawn().await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    let key = create_key(&app, "private", "free").await;
    let keyed = get_as(&app, "/v1/leagues/nfl/games", &key.token).await;
    assert!(
        header(&keyed, "cache-control").starts_with("private,"),
        "{}",
        header(&keyed, "cache-control")
    );
    let anonymous = app.get("/v1/leagues/nfl/games").await;
    assert!(
        header(&anonymous, "cache-control").starts_with("public,"),
        "{}",
        header(&anonymous, "cache-control")
    );
    drop((keyed, anonymous));
    app.stop().await;
}
