//! Redis as the replicas' shared state: `check` reports it, readiness and a metric show
//! when it does not answer, and the link comes back by itself.

use std::time::Duration;

use crate::helpers::*;
use crate::redis_support::{PrivateRedis, fresh_prefix, server_url};

#[tokio::test]
async fn check_reports_the_redis_server_version() {
    let stdout = run_binary_ok(
        &["check"],
        &[
            ("SPORTSGATE_PROVIDER", "replay"),
            ("SPORTSGATE_REDIS_URL", &server_url()),
        ],
    );
    let line = stdout.lines().find(|l| l.contains("redis")).expect("a redis line");
    assert!(line.starts_with("ok") && line.contains("server version 7"), "{line}");
}

#[tokio::test]
async fn check_fails_clearly_on_an_unreachable_redis_without_printing_the_password() {
    let port = closed_port_url().rsplit(':').next().unwrap().to_owned();
    let url = format!("redis://:pa55word@127.0.0.1:{port}");
    let output = run_binary(
        &["check"],
        &[("SPORTSGATE_PROVIDER", "replay"), ("SPORTSGATE_REDIS_URL", &url)],
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let line = stdout.lines().find(|l| l.contains("redis")).expect("a redis line");
    assert!(
        line.starts_with("FAIL") && line.contains(&format!("127.0.0.1:{port}")),
        "{line}"
    );
    assert!(!stdout.contains("pa55word"), "{stdout}");
}

#[tokio::test]
async fn a_malformed_redis_url_exits_2_at_serve_and_check() {
    for command in ["serve", "check"] {
        let output = run_binary(&[command], &[("SPORTSGATE_REDIS_URL", "not-a-url")]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("SPORTSGATE_REDIS_URL"), "{command}: {stderr}");
    }
}

async fn readiness(app: &TestApp) -> serde_json::Value {
    app.get_json("/readyz").await.1
}

async fn redis_up_metric(app: &TestApp) -> Option<String> {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find(|l| l.starts_with("sportsgate_redis_up "))
        .map(|l| l.rsplit(' ').next().unwrap().to_owned())
}

#[tokio::test]
async fn readiness_and_the_metric_show_redis_down_and_back_without_a_restart() {
    let mut redis = PrivateRedis::start();
    let app = app()
        .env("SPORTSGATE_REDIS_URL", &redis.url())
        .env("SPORTSGATE_REDIS_PREFIX", &fresh_prefix())
        .spawn()
        .await;
    let ready = readiness(&app).await;
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(redis_up_metric(&app).await.as_deref(), Some("1"));

    redis.kill();
    let ready = eventually(Duration::from_secs(5), "redis listed as degraded", || async {
        let ready = readiness(&app).await;
        ready["degraded"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == "redis")
            .then_some(ready)
    })
    .await;
    assert_eq!(
        ready["status"], "degraded",
        "Redis down is degraded, not unavailable: {ready}"
    );
    assert_eq!(redis_up_metric(&app).await.as_deref(), Some("0"));
    let started = std::time::Instant::now();
    assert_eq!(app.get("/v1/leagues").await.status(), 200, "the API still answers");
    assert!(started.elapsed() < Duration::from_secs(2), "and does not wait on Redis");

    redis.restart();
    eventually(Duration::from_secs(5), "redis back in readiness", || async {
        (readiness(&app).await["status"] == "ready").then_some(())
    })
    .await;
    assert_eq!(redis_up_metric(&app).await.as_deref(), Some("1"));
    app.stop().await;
}
