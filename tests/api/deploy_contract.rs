//! What deployments rely on: the placeholder SerpApi key a fresh stack stores means "no
//! SerpApi", and `sportsgate config --env-names` lists every variable the binary reads
//! (deploy/tests compares Terraform and compose against it).

use reqwest::StatusCode;

use crate::helpers::{NFL_WEEK11, app, run_binary};

const TERRAFORM_PLACEHOLDER: &str = "unset-set-me-with-aws-ssm-put-parameter";

#[tokio::test]
async fn the_terraform_placeholder_key_serves_from_espn_and_never_calls_serpapi() {
    // No explicit provider: `auto` must not pick SerpApi for a placeholder.
    let app = app()
        .env("SPORTSGATE_PROVIDER", "auto")
        .env("SPORTS_API_KEY", TERRAFORM_PLACEHOLDER)
        .spawn()
        .await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    let (status, body) = app.get_json("/v1/leagues/nfl/games").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["source"]["provider"], "espn", "{body}");
    assert_eq!(
        app.serpapi_calls().await,
        0,
        "a placeholder key must never reach SerpApi"
    );
    assert!(app.espn_calls().await >= 1);
    let (_, ready) = app.get_json("/readyz").await;
    assert_eq!(ready["status"], "ready", "{ready}");
    let providers: Vec<&str> = ready["providers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["provider"].as_str())
        .collect();
    assert_eq!(providers, ["espn"], "{ready}");
    app.stop().await;
}

#[test]
fn config_env_names_lists_every_variable_and_needs_no_valid_config() {
    // A bad value elsewhere must not stop the listing (deploy checks run it anywhere).
    let out = run_binary(&["config", "--env-names"], &[("SPORTSGATE_TTL_LIVE", "soon")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let names: Vec<&str> = stdout.lines().collect();
    for expected in [
        "SPORTSGATE_LISTEN",
        "SPORTS_API_KEY",
        "SPORTSGATE_ADMIN_TOKEN",
        "SPORTSGATE_DATABASE_URL",
        "SPORTSGATE_TRUSTED_PROXIES",
        "SPORTSGATE_CONFIG",
        "RUST_LOG",
    ] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "duplicates in {names:?}");
    assert!(
        names.iter().all(|n| !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')),
        "{names:?}"
    );
    // Every name is one the binary really reads: a bad value of a registry setting is
    // refused naming it (spot-checked on a setting that validates).
    let bad = run_binary(&["check"], &[("SPORTSGATE_SHUTDOWN_GRACE", "soon")]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(names.contains(&"SPORTSGATE_SHUTDOWN_GRACE"));
}

#[test]
fn config_without_flags_prints_env_and_toml_key_side_by_side() {
    let out = run_binary(&["config"], &[]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["SPORTS_API_KEY", "serpapi.api_key"]),
        "{stdout}"
    );
}
