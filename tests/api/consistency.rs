//! Small things that must agree everywhere: one timestamp form (JSON and CLI), history that
//! says the method, metrics labelled by route template (account and admin routes too), and
//! upstream series present before the first upstream call.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::management::{ADMIN_TOKEN, admin, create_key, get_as};

/// `2026-12-03T08:54:01Z`: RFC 3339, UTC, `Z`, whole seconds.
fn is_our_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 20
        && text.ends_with('Z')
        && b[10] == b'T'
        && chrono::DateTime::parse_from_rfc3339(text).is_ok()
        && [4, 7].iter().all(|i| b[*i] == b'-')
        && [13, 16].iter().all(|i| b[*i] == b':')
}

async fn admin_json(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

#[test]
fn the_timestamp_form_is_recognised() {
    assert!(is_our_timestamp("2026-12-03T08:54:01Z"));
    assert!(!is_our_timestamp("2026-12-03T08:54:01.123Z"));
    assert!(!is_our_timestamp("2026-12-03T08:54:01+00:00"));
    assert!(!is_our_timestamp("2026-12-03T08:54:01.123456789Z"));
}

#[tokio::test]
async fn every_timestamp_in_every_answer_has_one_form_and_history_says_the_method() {
    let app = app().env("SPORTSGATE_ADMIN_TOKEN", ADMIN_TOKEN).spawn().await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    let expires = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    let created = admin_json(
        admin(&app, Method::POST, "/admin/v1/keys")
            .json(&json!({"name": "clock", "plan": "FREE", "expires_at": expires})),
    )
    .await;
    let key_view = &created["key"];
    assert_eq!(
        key_view["plan"], "free",
        "plan names are matched in any case, written lower"
    );
    assert!(is_our_timestamp(key_view["created_at"].as_str().unwrap()), "{created}");
    assert!(is_our_timestamp(key_view["expires_at"].as_str().unwrap()), "{created}");
    let token = created["token"].as_str().unwrap();

    let games: Value = get_as(&app, "/v1/leagues/nfl/games", token).await.json().await.unwrap();
    assert!(
        is_our_timestamp(games["source"]["fetched_at"].as_str().unwrap()),
        "{}",
        games["source"]
    );
    assert!(is_our_timestamp(games["games"][0]["starts_at"].as_str().unwrap()));
    let r = app
        .client
        .put(app.url("/v1/me/preferences"))
        .header("x-api-key", token)
        .json(&json!({"favourite_leagues": ["nfl"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let head = app
        .client
        .head(app.url("/v1/leagues/nfl/games?team=KC"))
        .header("x-api-key", token)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    let me: Value = get_as(&app, "/v1/me", token).await.json().await.unwrap();
    assert!(is_our_timestamp(me["quota"]["resets_at"].as_str().unwrap()), "{me}");

    let history: Value = get_as(&app, "/v1/me/history", token).await.json().await.unwrap();
    let entries = history["entries"].as_array().unwrap();
    let seen: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["method"].as_str().unwrap(), e["request"].as_str().unwrap()))
        .collect();
    // Data requests, newest first; account routes (/v1/me*) are not history.
    assert_eq!(
        seen,
        [
            ("HEAD", "/v1/leagues/nfl/games?team=KC"),
            ("GET", "/v1/leagues/nfl/games")
        ],
        "{history}"
    );
    assert!(
        entries.iter().all(|e| is_our_timestamp(e["at"].as_str().unwrap())),
        "{history}"
    );

    let keys = admin_json(admin(&app, Method::GET, "/admin/v1/keys")).await;
    assert!(
        keys["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| is_our_timestamp(k["created_at"].as_str().unwrap()))
    );
    app.stop().await;
}

#[tokio::test]
async fn the_cli_writes_the_same_timestamp_form() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let out = run_binary(
        &[
            "keys",
            "create",
            "--name",
            "cli",
            "--plan",
            "Pro",
            "--expires-in",
            "30d",
        ],
        &[("SPORTSGATE_DATABASE_URL", &url)],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap();
    let expires = first.rsplit("expires ").next().unwrap().trim_end_matches(')');
    assert!(is_our_timestamp(expires), "{first}");
    assert!(first.contains("plan pro"), "{first}");
}

#[tokio::test]
async fn account_and_admin_routes_are_labelled_by_their_route_template() {
    let app = app().env("SPORTSGATE_ADMIN_TOKEN", ADMIN_TOKEN).spawn().await;
    let key = create_key(&app, "metered", "free").await;
    get_as(&app, "/v1/me", &key.token).await;
    get_as(&app, "/v1/me/games", &key.token).await;
    // Key ids, like every id, in any case.
    let upper = key.id.to_uppercase();
    let usage = admin_json(admin(&app, Method::GET, &format!("/admin/v1/usage?key={upper}"))).await;
    let lower = admin_json(admin(&app, Method::GET, &format!("/admin/v1/usage?key={}", key.id))).await;
    // /v1/me/games reads upstream data and counts; /v1/me is an account route and does not.
    assert_eq!(usage["rows"].as_array().map(Vec::len), Some(1), "{usage}");
    assert_eq!(usage["rows"][0]["route"], "/v1/me/games", "{usage}");
    assert_eq!(usage, lower);
    let revoked = admin(&app, Method::DELETE, &format!("/admin/v1/keys/{upper}"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    let text = app.get("/metrics").await.text().await.unwrap();
    for label in [
        r#"route="/v1/me",status="200""#,
        r#"route="/v1/me/games",status="200""#,
        r#"route="/admin/v1/keys",status="2xx""#,
        r#"route="/admin/v1/keys/{id}",status="2xx""#,
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("sportsgate_http_requests_total{") && l.contains(label)),
            "no series with {label}:\n{}",
            text.lines()
                .filter(|l| l.starts_with("sportsgate_http_requests_total"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    assert!(!text.contains(r#"route="other""#), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn upstream_series_exist_at_zero_before_the_first_upstream_call() {
    // A process of its own: the in-process recorder is shared by every test.
    let server = spawn_binary(&[
        ("SPORTSGATE_PROVIDER", "espn"),
        ("SPORTSGATE_ESPN_URL", &closed_port_url()),
    ]);
    let text = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for series in [
        r#"sportsgate_upstream_requests_total{provider="espn",outcome="ok"} 0"#,
        r#"sportsgate_upstream_requests_total{provider="espn",outcome="timeout"} 0"#,
        r#"sportsgate_upstream_requests_total{provider="espn",outcome="http_error"} 0"#,
        r#"sportsgate_circuit_open{provider="espn"} 0"#,
    ] {
        assert!(text.lines().any(|l| l == series), "missing {series}:\n{text}");
    }
}
