//! Three real `sportsgate` processes sharing one PostgreSQL schema and one Redis (a key
//! prefix of their own, or a private `redis-server` for fault tests) behave as one service:
//! exact limits and quotas under a concurrent burst spread over them, a Redis flush
//! recovered from the store, Redis killed and restarted under load with no 5xx and no hang.

use std::time::{Duration, Instant};

use crate::helpers::*;
use crate::pg::PgSchema;
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
    _schema: PgSchema,
    _config_dir: tempfile::TempDir,
}

impl Cluster {
    async fn start(redis_url: &str, extra: &[(&str, &str)]) -> Self {
        let schema = PgSchema::create().await;
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
        let output = run_binary(&["migrate"], &pairs(&env));
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let replicas = (0..3).map(|_| spawn_binary(&pairs(&env))).collect();
        Self {
            replicas,
            env,
            client: {
                sportsgate::providers::upstream_client::install_crypto_provider();
                reqwest::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .build()
                    .unwrap()
            },
            redis_prefix,
            _schema: schema,
            _config_dir: config_dir,
        }
    }

    fn create_key(&self, plan: &str) -> String {
        let output = run_binary(&["keys", "create", "--name", "t", "--plan", plan], &pairs(&self.env));
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
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
