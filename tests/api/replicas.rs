//! Three real `sportsgate` processes sharing one PostgreSQL schema and one Redis (a key
//! prefix of their own, or a private `redis-server` for fault tests) behave as one service:
//! exact limits and quotas under a concurrent burst spread over them, a Redis flush
//! recovered from the store, Redis killed and restarted under load with no 5xx and no hang,
//! PostgreSQL hanging or gone with verified keys still served and every count written once
//! it is back, and one replica stopped (SIGTERM) under load with no request failing.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::helpers::*;
use crate::pg::{PgSchema, stored_usage};
use crate::proxy::{Fault, FaultyProxy};
use crate::redis_support::{PrivateRedis, fresh_prefix, server_url};

const PLANS: &str = r#"
[plans.burst7]
rate = "1/hour"
burst = 7

[plans.quota10]
rate = "100/second"
burst = 1000
quota = "10/day"

[plans.roomy]
rate = "1000/second"
burst = 1000
quota = "1000000/day"
"#;

struct Cluster {
    replicas: Vec<BinaryApp>,
    env: Vec<(String, String)>,
    client: reqwest::Client,
    redis_prefix: String,
    schema: PgSchema,
    _config_dir: tempfile::TempDir,
}

impl Cluster {
    async fn start(redis_url: &str, extra: &[(&str, &str)]) -> Self {
        Self::start_on(PgSchema::create().await, None, redis_url, extra).await
    }

    /// Replicas on `schema`, reached at `replica_database_url` when given (a proxy in front
    /// of it); `migrate` and the CLI go to the schema directly.
    async fn start_on(
        schema: PgSchema,
        replica_database_url: Option<&str>,
        redis_url: &str,
        extra: &[(&str, &str)],
    ) -> Self {
        let config_dir = tempfile::tempdir().unwrap();
        let config = config_dir.path().join("sportsgate.toml");
        std::fs::write(&config, PLANS).unwrap();
        let redis_prefix = fresh_prefix();
        let mut env: Vec<(String, String)> = vec![
            ("SPORTSGATE_PROVIDER".into(), "replay".into()),
            ("SPORTSGATE_DATABASE_URL".into(), schema.url().into()),
            ("SPORTSGATE_CONFIG".into(), config.display().to_string()),
            ("SPORTSGATE_REDIS_URL".into(), redis_url.into()),
            ("SPORTSGATE_REDIS_PREFIX".into(), redis_prefix.clone()),
            ("SPORTSGATE_ANONYMOUS_PLAN".into(), "none".into()),
        ];
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        // The schema is migrated once before the replicas start, as `migrate` would in a deploy.
        run_binary_ok(&["migrate"], &pairs(&env));
        let mut replica_env = pairs(&env);
        if let Some(url) = replica_database_url {
            replica_env.push(("SPORTSGATE_DATABASE_URL", url));
        }
        let replicas = (0..3).map(|_| spawn_binary(&replica_env)).collect();
        Self {
            replicas,
            env,
            client: {
                sportsgate::providers::upstream_client::install_crypto_provider();
                reqwest::Client::builder()
                    .timeout(Duration::from_secs(10))
                    // Below the replicas' keep-alive idle limit, as a load balancer's must be.
                    .pool_idle_timeout(Duration::from_millis(500))
                    .build()
                    .unwrap()
            },
            redis_prefix,
            schema,
            _config_dir: config_dir,
        }
    }

    fn create_key(&self, plan: &str) -> String {
        run_binary_ok(&["keys", "create", "--name", "t", "--plan", plan], &pairs(&self.env))
            .lines()
            .find_map(|l| l.split("store it now): ").nth(1))
            .expect("a token line")
            .trim()
            .to_owned()
    }

    /// `n` requests at once with `token`, spread round-robin over the replicas: statuses,
    /// and the slowest answer.
    async fn burst(&self, token: &str, n: usize) -> (Vec<u16>, Duration) {
        let answers = self.burst_on("/v1/leagues", token, n).await;
        let slowest = answers.iter().map(|a| a.took).max().unwrap_or_default();
        (answers.into_iter().map(|a| a.status).collect(), slowest)
    }

    /// `n` GETs of `path` at once with `token`, spread round-robin over the replicas.
    async fn burst_on(&self, path: &str, token: &str, n: usize) -> Vec<Answer> {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let url = format!("{}{path}", self.replicas[i % 3].base);
                let request = self.client.get(url).header("x-api-key", token);
                tokio::spawn(async move {
                    let started = Instant::now();
                    let (status, etag) = match request.send().await {
                        Ok(r) => (r.status().as_u16(), header(&r, "etag")),
                        Err(_) => (0, String::new()),
                    };
                    Answer {
                        status,
                        etag,
                        took: started.elapsed(),
                    }
                })
            })
            .collect();
        let mut answers = Vec::with_capacity(n);
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        answers
    }

    /// GET `path` on one replica with `token`.
    async fn get(&self, replica: usize, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.replicas[replica].base))
            .header("x-api-key", token)
            .send()
            .await
            .unwrap()
    }

    async fn all_ready(&self) -> bool {
        for replica in &self.replicas {
            let ready: serde_json::Value = match self.client.get(format!("{}/readyz", replica.base)).send().await {
                Ok(r) => r.json().await.unwrap_or_default(),
                Err(_) => return false,
            };
            if ready["status"] != "ready" {
                return false;
            }
        }
        true
    }
}

struct Answer {
    status: u16,
    etag: String,
    took: Duration,
}

fn pairs(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

async fn redis_conn(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("test Redis answers")
}

#[tokio::test]
async fn a_burst_over_three_replicas_admits_exactly_the_plans_burst() {
    let cluster = Cluster::start(&server_url(), &[]).await;
    let token = cluster.create_key("burst7");
    let (statuses, slowest) = cluster.burst(&token, 60).await;
    assert_eq!(count(&statuses, 200), 7, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 53, "{statuses:?}");
    assert!(slowest < Duration::from_secs(5), "{slowest:?}");
}

#[tokio::test]
async fn a_daily_quota_holds_exactly_across_replicas_and_survives_a_redis_flush() {
    let redis_url = server_url();
    let cluster = Cluster::start(&redis_url, &[]).await;
    let token = cluster.create_key("quota10");
    let (statuses, _) = cluster.burst(&token, 4).await;
    assert_eq!(count(&statuses, 200), 4, "{statuses:?}");

    // Counts reach the store within the 1 s flush; then Redis forgets everything of ours.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut conn = redis_conn(&redis_url).await;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}*", cluster.redis_prefix))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(!keys.is_empty(), "the limits live in Redis");
    let _: () = redis::cmd("DEL").arg(&keys).query_async(&mut conn).await.unwrap();

    let (statuses, _) = cluster.burst(&token, 30).await;
    assert_eq!(count(&statuses, 200), 6, "reseeded from the store's 4: {statuses:?}");
    assert_eq!(count(&statuses, 429), 24, "{statuses:?}");
}

#[tokio::test]
async fn redis_killed_under_load_and_restarted_gives_no_5xx_no_hang_and_shared_limits_come_back() {
    let mut redis = PrivateRedis::start();
    let cluster = Cluster::start(&redis.url(), &[]).await;
    let token = cluster.create_key("roomy");
    let mut statuses = Vec::new();
    let mut slowest = Duration::ZERO;
    for round in 0..12 {
        match round {
            3 => redis.kill(),
            8 => redis.restart(),
            _ => {}
        }
        let (s, took) = cluster.burst(&token, 30).await;
        statuses.extend(s);
        slowest = slowest.max(took);
        // The cache (both tiers, single-flight) goes through Redis too.
        for replica in 0..3 {
            let started = Instant::now();
            let url = format!("{}/v1/leagues/nfl/teams", cluster.replicas[replica].base);
            let r = cluster
                .client
                .get(url)
                .header("x-api-key", &token)
                .send()
                .await
                .unwrap();
            statuses.push(r.status().as_u16());
            slowest = slowest.max(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        count(&statuses, 200),
        statuses.len(),
        "all admitted, none failed: {statuses:?}"
    );
    assert!(
        slowest < Duration::from_secs(2),
        "no request waited on the dead Redis: {slowest:?}"
    );
    let metrics = cluster
        .client
        .get(format!("{}/metrics", cluster.replicas[0].base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("sportsgate_ratelimit_local_fallbacks_total{mode=\"local\"}")),
        "requests were decided locally while Redis was away"
    );

    eventually(Duration::from_secs(10), "every replica ready again", || async {
        cluster.all_ready().await.then_some(())
    })
    .await;
    cluster.burst(&token, 3).await;
    let mut conn = redis_conn(&redis.url()).await;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}q:*", cluster.redis_prefix))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "the restarted Redis holds the quota again: {keys:?}");
    let used: u64 = redis::cmd("GET").arg(&keys[0]).query_async(&mut conn).await.unwrap();
    assert!(used > 3, "seeded from the store's total, not from zero: {used}");
}

#[tokio::test]
async fn fail_closed_answers_503_with_retry_after_while_redis_is_down_then_recovers() {
    let mut redis = PrivateRedis::start();
    let cluster = Cluster::start(&redis.url(), &[("SPORTSGATE_REDIS_ON_FAILURE", "closed")]).await;
    let token = cluster.create_key("roomy");
    let (statuses, _) = cluster.burst(&token, 3).await;
    assert_eq!(statuses, vec![200, 200, 200]);

    redis.kill();
    let refused = eventually(Duration::from_secs(5), "a 503 while Redis is down", || async {
        let r = cluster.get(0, "/v1/leagues", &token).await;
        (r.status() == 503).then_some(r)
    })
    .await;
    assert!(!header(&refused, "retry-after").is_empty());
    let problem: serde_json::Value = refused.json().await.unwrap();
    assert!(
        problem["type"].as_str().unwrap().ends_with("/limits-unavailable"),
        "{problem}"
    );

    redis.restart();
    eventually(Duration::from_secs(10), "admitted again once Redis is back", || async {
        let r = cluster.get(0, "/v1/leagues", &token).await;
        (r.status() == 200).then_some(())
    })
    .await;
}

const ADMIN_TOKEN: &str = "admin-token-for-replica-tests";

async fn key_status(cluster: &Cluster, replica: usize, token: &str) -> reqwest::Response {
    cluster.get(replica, "/v1/leagues", token).await
}

#[tokio::test]
async fn a_plan_change_and_a_revocation_on_one_replica_are_seen_by_the_others_within_a_second() {
    let redis_url = server_url();
    let cluster = Cluster::start(&redis_url, &[("SPORTSGATE_ADMIN_TOKEN", ADMIN_TOKEN)]).await;
    let token = cluster.create_key("roomy");
    let id = token.split('_').nth(1).unwrap().to_owned();
    for replica in 0..3 {
        assert_eq!(key_status(&cluster, replica, &token).await.status(), 200);
    }
    let admin = |method: reqwest::Method, body: Option<serde_json::Value>| {
        let mut request = cluster
            .client
            .request(method, format!("{}/admin/v1/keys/{id}", cluster.replicas[0].base))
            .bearer_auth(ADMIN_TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send()
    };

    let changed = Instant::now();
    let r = admin(reqwest::Method::PATCH, Some(serde_json::json!({"plan": "burst7"})))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    for replica in 1..3 {
        eventually(Duration::from_secs(3), "the new plan on every replica", || async {
            let r = key_status(&cluster, replica, &token).await;
            header(&r, "ratelimit-policy").contains("q=7").then_some(())
        })
        .await;
    }
    assert!(
        changed.elapsed() < Duration::from_millis(1500),
        "{:?}",
        changed.elapsed()
    );

    let revoked = Instant::now();
    assert_eq!(admin(reqwest::Method::DELETE, None).await.unwrap().status(), 204);
    for replica in 1..3 {
        eventually(Duration::from_secs(3), "the revocation on every replica", || async {
            (key_status(&cluster, replica, &token).await.status() == 401).then_some(())
        })
        .await;
    }
    assert!(
        revoked.elapsed() < Duration::from_millis(1500),
        "{:?}",
        revoked.elapsed()
    );
    let mut conn = redis_conn(&redis_url).await;
    let announced: u64 = redis::cmd("GET")
        .arg(format!("{}keys:version", cluster.redis_prefix))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        announced, 3,
        "creation (CLI), plan change and revocation were announced through Redis"
    );
}

#[tokio::test]
async fn the_serpapi_monthly_budget_is_one_count_for_all_replicas() {
    let serpapi = wiremock::MockServer::start().await;
    mount_on(
        &serpapi,
        "/search.json",
        fixture_response("serpapi/league-2-bundesliga-games-list-us-2023-08-03.json"),
        1,
        None,
    )
    .await;
    let cluster = Cluster::start(
        &server_url(),
        &[
            ("SPORTSGATE_PROVIDER", "serpapi"),
            ("SPORTS_API_KEY", SECRET_KEY),
            ("SPORTSGATE_SERPAPI_URL", &serpapi.uri()),
            ("SPORTSGATE_FALLBACK_PROVIDER", "none"),
            ("SPORTSGATE_UPSTREAM_RETRIES", "0"),
            ("SPORTSGATE_SERPAPI_MONTHLY_BUDGET", "2"),
        ],
    )
    .await;
    let token = cluster.create_key("roomy");
    let mut statuses = Vec::new();
    // Six different questions (nothing cached), two on each replica.
    for (i, league) in ["bundesliga", "epl", "laliga", "seriea", "ligue1", "mls"]
        .iter()
        .enumerate()
    {
        let r = cluster
            .client
            .get(format!("{}/v1/leagues/{league}/games", cluster.replicas[i % 3].base))
            .header("x-api-key", &token)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(serpapi.received_requests().await.unwrap().len(), 2, "{statuses:?}");
    assert_eq!(count(&statuses, 503), 4, "the rest: budget spent: {statuses:?}");
}

async fn espn_cluster(response: wiremock::ResponseTemplate, extra: &[(&str, &str)]) -> (Cluster, wiremock::MockServer) {
    let espn = wiremock::MockServer::start().await;
    mount_on(&espn, &espn_scoreboard_path("football/nfl"), response, 1, None).await;
    let espn_url = espn.uri();
    let mut env = vec![
        ("SPORTSGATE_PROVIDER", "espn"),
        ("SPORTSGATE_ESPN_URL", espn_url.as_str()),
        ("SPORTSGATE_UPSTREAM_RETRIES", "0"),
        ("SPORTSGATE_ADMIN_TOKEN", ADMIN_TOKEN),
    ];
    env.extend_from_slice(extra);
    (Cluster::start(&server_url(), &env).await, espn)
}

async fn games(cluster: &Cluster, replica: usize, token: &str) -> reqwest::Response {
    cluster.get(replica, "/v1/leagues/nfl/games", token).await
}

async fn upstream_calls(server: &wiremock::MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn a_cold_burst_over_three_replicas_makes_one_upstream_call_and_serves_one_etag() {
    let slow = fixture_response(NFL_WEEK11).set_delay(Duration::from_millis(400));
    let (cluster, espn) = espn_cluster(slow, &[]).await;
    let token = cluster.create_key("roomy");
    let answers = cluster.burst_on("/v1/leagues/nfl/games", &token, 30).await;
    assert!(answers.iter().all(|a| a.status == 200));
    let etags: std::collections::HashSet<&str> = answers.iter().map(|a| a.etag.as_str()).collect();
    assert_eq!(
        upstream_calls(&espn).await,
        1,
        "one upstream call for the whole service"
    );
    assert_eq!(etags.len(), 1, "every replica renders the same bytes: {etags:?}");
}

#[tokio::test]
async fn a_replica_finds_anothers_answer_in_the_shared_tier_and_a_purge_clears_both_tiers_everywhere() {
    let (cluster, espn) = espn_cluster(fixture_response(NFL_WEEK11), &[]).await;
    let token = cluster.create_key("roomy");
    let first = games(&cluster, 0, &token).await;
    assert_eq!(header(&first, "x-cache"), "MISS");
    let second = games(&cluster, 1, &token).await;
    assert_eq!(header(&second, "x-cache"), "HIT", "from the shared tier");
    assert_eq!(header(&second, "etag"), header(&first, "etag"));
    assert_eq!(upstream_calls(&espn).await, 1);
    let again = games(&cluster, 1, &token).await;
    assert_eq!(header(&again, "x-cache"), "HIT", "now from its own tier");

    let purged = cluster
        .client
        .delete(format!("{}/admin/v1/cache", cluster.replicas[0].base))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(purged.status(), 204);
    // Every replica clears its own tier within 200 ms of the purge.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let after = games(&cluster, 2, &token).await;
    assert_eq!(
        header(&after, "x-cache"),
        "MISS",
        "purged on a replica that did not purge"
    );
    assert_eq!(upstream_calls(&espn).await, 2);
    let shared_again = games(&cluster, 1, &token).await;
    assert_eq!(header(&shared_again, "x-cache"), "HIT", "replica 1's own copy went too");
    assert_eq!(upstream_calls(&espn).await, 2);
}

#[tokio::test]
async fn a_failing_upstream_is_asked_once_for_a_burst_over_all_replicas() {
    let failing = wiremock::ResponseTemplate::new(500).set_delay(Duration::from_millis(200));
    let (cluster, espn) = espn_cluster(failing, &[]).await;
    let token = cluster.create_key("roomy");
    let answers = cluster.burst_on("/v1/leagues/nfl/games", &token, 12).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    let slowest = answers.iter().map(|a| a.took).max().unwrap_or_default();
    assert_eq!(count(&statuses, 502), 12, "{statuses:?}");
    assert_eq!(
        upstream_calls(&espn).await,
        1,
        "the failure was remembered, not repeated"
    );
    assert!(slowest < Duration::from_secs(5), "{slowest:?}");
}

/// The usage subject of `token`'s key (`key:<id>`).
fn key_subject(token: &str) -> String {
    let (id, _) = sportsgate::domain::api_key::parse_token(token).expect("a key token");
    format!("key:{id}")
}

/// Polls until the database holds `expected` requests of `subject`, then checks it still
/// does a flush later (a batch retried after an outage is not written twice).
async fn usage_settles_at(schema: &PgSchema, subject: &str, expected: i64) {
    let mut stored = 0;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        stored = stored_usage(schema, subject).await;
        if stored >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stored, expected, "every counted request reached the database");
    // The replicas flush every second.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(stored_usage(schema, subject).await, expected, "and none twice");
}

#[tokio::test]
async fn postgresql_hanging_then_gone_leaves_verified_keys_served_everywhere_and_counts_arrive_once_it_is_back() {
    let schema = PgSchema::create().await;
    let (proxy, through_proxy) = FaultyProxy::in_front_of(schema.url());
    let cluster = Cluster::start_on(
        schema,
        Some(&through_proxy),
        &server_url(),
        &[("SPORTSGATE_STORE_TIMEOUT", "500ms")],
    )
    .await;
    let token = cluster.create_key("roomy");
    let subject = key_subject(&token);
    // Every replica verifies the key while the database answers.
    for replica in 0..3 {
        assert_eq!(key_status(&cluster, replica, &token).await.status(), 200);
    }
    let mut served = 3;
    eventually(Duration::from_secs(5), "the first counts in the database", || async {
        (stored_usage(&cluster.schema, &subject).await == served).then_some(())
    })
    .await;

    for fault in [Fault::Stall, Fault::Sever] {
        proxy.set(fault);
        // Rounds over a few of the replicas' one-second flushes, which fail meanwhile.
        for round in 0..4 {
            for replica in 0..3 {
                let started = Instant::now();
                let r = key_status(&cluster, replica, &token).await;
                let took = started.elapsed();
                assert_eq!(r.status(), 200, "{fault:?}, round {round}, replica {replica}");
                assert!(
                    took < Duration::from_millis(1500),
                    "{fault:?}: no wait past the 500 ms store deadline on replica {replica}: {took:?}"
                );
                served += 1;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert_eq!(
            stored_usage(&cluster.schema, &subject).await,
            3,
            "{fault:?}: nothing reached the database meanwhile"
        );
    }

    proxy.set(Fault::None);
    usage_settles_at(&cluster.schema, &subject, served).await;
    assert_eq!(key_status(&cluster, 0, &token).await.status(), 200);
}

/// What a load worker saw.
#[derive(Default)]
struct LoadTally {
    /// Answers by status.
    statuses: std::collections::BTreeMap<u16, usize>,
    /// Answers by replica.
    by_replica: [usize; 3],
    /// Requests that failed once sent (reset, cut-off answer, timeout).
    failed: Vec<String>,
    /// Which client: kept-alive connections or one per request.
    kind: &'static str,
}

/// A client in the role of the load balancer (nginx with `proxy_next_upstream error`, an
/// ALB): each request goes to the next replica that accepts a connection. A refused
/// connection means nothing was sent, so the next replica is tried; a request once sent is
/// never sent again, whatever happens to it.
struct Balancer {
    bases: Vec<String>,
    /// Refused connections, moved on from.
    refused: AtomicUsize,
    answered: AtomicUsize,
}

impl Balancer {
    /// GET `path` with `token` on replica `first`, or the next one accepting a connection.
    async fn get(&self, client: &reqwest::Client, first: usize, path: &str, token: &str, tally: &mut LoadTally) {
        for offset in 0..self.bases.len() {
            let replica = (first + offset) % self.bases.len();
            let sent = client
                .get(format!("{}{path}", self.bases[replica]))
                .header("x-api-key", token)
                .send()
                .await;
            let response = match sent {
                Ok(response) => response,
                Err(e) if e.is_connect() => {
                    self.refused.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                Err(e) => return tally.failed.push(format!("replica {replica}, {}: {e:?}", tally.kind)),
            };
            let status = response.status().as_u16();
            if let Err(e) = response.bytes().await {
                return tally
                    .failed
                    .push(format!("replica {replica}, {}, answer cut off: {e:?}", tally.kind));
            }
            *tally.statuses.entry(status).or_default() += 1;
            tally.by_replica[replica] += 1;
            self.answered.fetch_add(1, Ordering::Relaxed);
            return;
        }
        tally.failed.push("every replica refused the connection".into());
    }
}

/// A client that never retries by itself; `pooled` keeps connections alive (idling out
/// below the replicas' limit, as a load balancer must), else one connection per request.
fn balancer_client(pooled: bool) -> reqwest::Client {
    let builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .retry(reqwest::retry::never());
    let builder = if pooled {
        builder.pool_idle_timeout(Duration::from_millis(500))
    } else {
        builder.pool_max_idle_per_host(0)
    };
    builder.build().unwrap()
}

#[tokio::test]
async fn sigterm_of_one_replica_under_load_fails_no_request_and_every_count_reaches_the_database() {
    let slow = fixture_response(NFL_WEEK11).set_delay(Duration::from_millis(1500));
    let (mut cluster, espn) = espn_cluster(
        slow,
        &[
            ("SPORTSGATE_SHUTDOWN_GRACE", "10s"),
            ("SPORTSGATE_HEADER_READ_TIMEOUT", "3s"),
        ],
    )
    .await;
    let token = cluster.create_key("roomy");
    let victim = 1;
    let balancer = Arc::new(Balancer {
        bases: cluster.replicas.iter().map(|r| r.base.clone()).collect(),
        refused: AtomicUsize::new(0),
        answered: AtomicUsize::new(0),
    });
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // Steady load over every replica: kept-alive connections and a new one per request.
    let workers: Vec<_> = (0..6)
        .map(|worker| {
            let (balancer, token, mut stopped) = (balancer.clone(), token.clone(), stopped.clone());
            let pooled = worker % 3 != 0;
            let client = balancer_client(pooled);
            tokio::spawn(async move {
                let mut tally = LoadTally {
                    kind: if pooled { "kept alive" } else { "new connection" },
                    ..LoadTally::default()
                };
                for n in 0.. {
                    balancer
                        .get(&client, (worker + n) % 3, "/v1/leagues", &token, &mut tally)
                        .await;
                    let pause = tokio::time::timeout(Duration::from_millis(5), stopped.wait_for(|s| *s));
                    if matches!(pause.await, Ok(Ok(_))) {
                        break;
                    }
                }
                tally
            })
        })
        .collect();
    eventually(Duration::from_secs(5), "the load answered", || async {
        (balancer.answered.load(Ordering::Relaxed) >= 60).then_some(())
    })
    .await;

    // Slow requests on the victim (each date its own upstream call, answered 1.5 s later).
    let in_flight_client = balancer_client(true);
    let dates = ["2022-11-17", "2022-11-18", "2022-11-19", "2022-11-20"];
    let slow_requests: Vec<_> = dates
        .iter()
        .map(|date| {
            let request = in_flight_client
                .get(format!(
                    "{}/v1/leagues/nfl/games?date={date}",
                    cluster.replicas[victim].base
                ))
                .header("x-api-key", &token);
            tokio::spawn(async move {
                let response = request.send().await.map_err(|e| format!("{e:?}"))?;
                let answer = (response.status().as_u16(), header(&response, "connection"));
                response.bytes().await.map_err(|e| format!("cut off: {e:?}"))?;
                Ok::<_, String>(answer)
            })
        })
        .collect();
    eventually(Duration::from_secs(5), "every slow request at the upstream", || async {
        (upstream_calls(&espn).await == dates.len()).then_some(())
    })
    .await;

    let signalled = Instant::now();
    sigterm(cluster.replicas[victim].child.id());
    assert!(
        slow_requests.iter().all(|r| !r.is_finished()),
        "the slow requests were answered before SIGTERM; nothing would be proven"
    );
    let exit = wait_for_exit(&mut cluster.replicas[victim].child, Duration::from_secs(12))
        .await
        .expect("the victim exits within its 10 s grace");
    let drained_in = signalled.elapsed();
    // Load goes on a moment after the victim is gone.
    let refused_at_exit = balancer.refused.load(Ordering::Relaxed);
    eventually(
        Duration::from_secs(5),
        "connections refused by the stopped replica",
        || async { (balancer.refused.load(Ordering::Relaxed) >= refused_at_exit + 10).then_some(()) },
    )
    .await;
    stop.send_replace(true);

    let mut total = LoadTally::default();
    for worker in workers {
        let tally = worker.await.unwrap();
        for (status, n) in tally.statuses {
            *total.statuses.entry(status).or_default() += n;
        }
        for replica in 0..3 {
            total.by_replica[replica] += tally.by_replica[replica];
        }
        total.failed.extend(tally.failed);
    }
    let mut slow_answers = Vec::new();
    for request in slow_requests {
        slow_answers.push(request.await.unwrap());
    }

    assert!(exit.success(), "the victim exits 0: {exit:?}");
    assert!(
        drained_in >= Duration::from_millis(500) && drained_in < Duration::from_secs(10),
        "it waited for its in-flight requests, within the grace: {drained_in:?}"
    );
    assert_eq!(
        slow_answers,
        vec![Ok((200, "close".to_owned())); dates.len()],
        "requests in flight on the victim at SIGTERM complete, telling the client not to reuse the connection"
    );
    assert!(total.failed.is_empty(), "failed once sent: {:#?}", total.failed);
    let answered: usize = total.statuses.values().sum();
    assert_eq!(total.statuses.get(&200), Some(&answered), "{:?}", total.statuses);
    assert!(
        total.by_replica.iter().all(|n| *n > 0),
        "every replica answered: {:?}",
        total.by_replica
    );
    assert!(
        balancer.refused.load(Ordering::Relaxed) > 0,
        "the stopped replica refused new connections"
    );

    let counted = i64::try_from(answered + dates.len()).unwrap();
    usage_settles_at(&cluster.schema, &key_subject(&token), counted).await;
}
