//! The edge under slow clients, hung dependencies, hostile input and shared caches: real
//! sockets, a hanging upstream, and a PostgreSQL reached through a proxy the test can stall.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::*;
use crate::management::{ADMIN_TOKEN, admin, create_key, get_as, problem};
use crate::pg::{PgSchema, stored_usage};
use crate::proxy::{Fault, FaultyProxy};

/// Reads until the server closes the connection; how long that took, or `None` if it was
/// still open after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at((started + limit).into(), stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn idle_and_slow_connections_are_closed_after_the_header_read_timeout() {
    let app = app().env("SPORTSGATE_HEADER_READ_TIMEOUT", "1s").spawn().await;
    // Connected, never a byte sent.
    let mut idle = TcpStream::connect(app.addr).await.unwrap();
    let took = closed_within(&mut idle, Duration::from_secs(5)).await;
    assert!(
        took.is_some_and(|t| t < Duration::from_secs(3)),
        "idle socket: {took:?}"
    );

    // A slow client trickling a request head, one header a while.
    let mut slow = TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let trickle = tokio::spawn(async move {
        for i in 0..10 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if slow.write_all(format!("X-Slow-{i}: 1\r\n").as_bytes()).await.is_err() {
                return true;
            }
        }
        closed_within(&mut slow, Duration::from_millis(100)).await.is_some()
    });
    assert!(trickle.await.unwrap(), "a trickled head is cut off");

    // Kept alive after an answer, then left idle.
    let mut kept = TcpStream::connect(app.addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = kept.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let took = closed_within(&mut kept, Duration::from_secs(5)).await;
    assert!(
        took.is_some_and(|t| t < Duration::from_secs(3)),
        "kept-alive idle socket: {took:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_client_that_stops_reading_its_answers_is_dropped() {
    let app = app().env("SPORTSGATE_HEADER_READ_TIMEOUT", "1s").spawn().await;
    let mut lazy = TcpStream::connect(app.addr).await.unwrap();
    let sent = 2000;
    let pipelined = "GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n".repeat(sent);
    lazy.write_all(pipelined.as_bytes()).await.unwrap();
    // Never read: the server's writes stall once the socket buffers are full.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut received = Vec::new();
    let drained = tokio::time::timeout(Duration::from_secs(20), lazy.read_to_end(&mut received)).await;
    assert!(drained.is_ok(), "the server closed the connection");
    let answers = received.windows(12).filter(|w| w == b"HTTP/1.1 200").count();
    assert!(
        answers > 0 && answers < sent,
        "cut off after {answers} of {sent} answers"
    );
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn idle_sockets_filling_every_connection_slot_lock_nobody_out_for_long() {
    let app = app()
        .env("SPORTSGATE_HEADER_READ_TIMEOUT", "1s")
        .env("SPORTSGATE_MAX_CONNECTIONS", "4")
        .spawn()
        .await;
    let mut hogs = Vec::new();
    for _ in 0..8 {
        hogs.push(TcpStream::connect(app.addr).await.unwrap());
    }
    let started = Instant::now();
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "the cap held the request back while idle sockets had every slot: {:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "answered once the idle sockets timed out: {:?}",
        started.elapsed()
    );
    drop(hogs);
    app.stop().await;
}

#[tokio::test]
async fn a_hanging_upstream_is_answered_within_the_upstream_budget_across_the_fallback() {
    let app = app()
        .env("SPORTS_API_KEY", SECRET_KEY)
        .env("SPORTSGATE_PROVIDER", "serpapi")
        .env("SPORTSGATE_FALLBACK_PROVIDER", "espn")
        .env("SPORTSGATE_UPSTREAM_TIMEOUT", "10s")
        .env("SPORTSGATE_UPSTREAM_BUDGET", "1500ms")
        .env("SPORTSGATE_REQUEST_TIMEOUT", "5s")
        .spawn()
        .await;
    for server in [&app.espn, &app.serpapi] {
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
            .mount(server)
            .await;
    }
    let started = Instant::now();
    let r = app.get("/v1/leagues/nfl/games").await;
    let took = started.elapsed();
    assert_eq!(problem(r, 504).await["type"], "/problems/upstream-timeout");
    assert!(
        took < Duration::from_secs(3),
        "both providers within one budget: {took:?}"
    );
    assert!(
        app.serpapi_calls().await > 0 && app.espn_calls().await > 0,
        "both were asked"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_hanging_primary_leaves_the_fallback_its_share_of_the_budget() {
    let app = app()
        .env("SPORTS_API_KEY", SECRET_KEY)
        .env("SPORTSGATE_PROVIDER", "serpapi")
        .env("SPORTSGATE_FALLBACK_PROVIDER", "espn")
        .env("SPORTSGATE_UPSTREAM_TIMEOUT", "10s")
        .env("SPORTSGATE_UPSTREAM_BUDGET", "2s")
        .env("SPORTSGATE_REQUEST_TIMEOUT", "5s")
        .spawn()
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&app.serpapi)
        .await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    let started = Instant::now();
    let r = app.get("/v1/leagues/nfl/games").await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "ESPN answered after SerpApi's share ran out"
    );
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "{took:?}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["games"][0]["source"]["provider"], "espn", "{body}");
    app.stop().await;
}

#[tokio::test]
async fn stale_data_is_served_after_a_short_wait_when_the_upstream_hangs() {
    let app = app()
        .env("SPORTSGATE_TTL_SCHEDULE", "1s")
        .env("SPORTSGATE_TTL_LIVE", "1s")
        .env("SPORTSGATE_STALE_WHILE_REVALIDATE", "0s")
        .env("SPORTSGATE_UPSTREAM_TIMEOUT", "10s")
        .env("SPORTSGATE_STALE_IF_ERROR_WAIT", "300ms")
        .spawn()
        .await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    assert_eq!(app.get("/v1/leagues/nfl/games").await.status(), StatusCode::OK);
    app.espn.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&app.espn)
        .await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let started = Instant::now();
    let r = app.get("/v1/leagues/nfl/games").await;
    let took = started.elapsed();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "x-cache"), "STALE");
    assert!(
        took < Duration::from_secs(2),
        "served stale after the short wait: {took:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn account_admin_and_operations_answers_are_never_stored_by_shared_caches() {
    let app = app().env("SPORTSGATE_ADMIN_TOKEN", ADMIN_TOKEN).spawn().await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    let key = create_key(&app, "caches", "free").await;
    for path in ["/v1/me", "/v1/me/preferences", "/v1/me/history"] {
        let r = get_as(&app, path, &key.token).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&r, "cache-control"), "private, no-store", "{path}");
        assert!(header(&r, "vary").contains("x-api-key"), "{path}");
    }
    let anonymous_me = app.get("/v1/me").await;
    assert_eq!(header(&anonymous_me, "cache-control"), "private, no-store");
    for path in ["/admin/v1/keys", "/admin/v1/usage"] {
        let r = admin(&app, Method::GET, path).send().await.unwrap();
        assert_eq!(header(&r, "cache-control"), "no-store", "{path}");
    }
    for path in ["/readyz", "/metrics", "/healthz"] {
        assert_eq!(header(&app.get(path).await, "cache-control"), "no-store", "{path}");
    }
    let data = app.get("/v1/leagues/nfl/games").await;
    assert!(header(&data, "cache-control").starts_with("public,"));
    assert!(
        header(&data, "vary").contains("authorization"),
        "a shared cache keys data on the credentials"
    );
    for response in [&data, &anonymous_me] {
        assert_eq!(header(response, "x-content-type-options"), "nosniff");
        assert_eq!(header(response, "x-frame-options"), "DENY");
    }
    drop((data, anonymous_me));
    app.stop().await;
}

#[tokio::test]
async fn the_docs_page_carries_a_content_security_policy_and_no_framing() {
    let app = spawn_app().await;
    let docs = app.get("/docs").await;
    assert_eq!(docs.status(), StatusCode::OK);
    let csp = header(&docs, "content-security-policy");
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(header(&docs, "x-content-type-options"), "nosniff");
    let api = app.get("/v1/leagues").await;
    assert!(header(&api, "content-security-policy").starts_with("default-src 'none'"));
    app.stop().await;
}

#[tokio::test]
async fn unknown_parameters_are_refused_on_every_route_and_never_echoed_at_length() {
    let app = spawn_app().await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    for path in [
        "/sports?date=today",
        "/v1/leagues?sport=soccer",
        "/v1/leagues/epl/standings?season=2020",
        "/v1/leagues/nfl/teams?conference=afc",
        "/v1/leagues/nfl/games?teem=KC",
    ] {
        let body = problem(app.get(path).await, 400).await;
        assert_eq!(body["type"], "/problems/invalid-parameter", "{path}: {body}");
    }
    let long_name = "x".repeat(8000);
    let r = app.get(&format!("/v1/leagues?{long_name}=1")).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let text = r.text().await.unwrap();
    assert!(text.len() < 1500, "the reflected name is cut: {} bytes", text.len());
    app.stop().await;
}

#[tokio::test]
async fn request_ids_from_callers_are_kept_only_when_short_and_plain() {
    let app = spawn_app().await;
    let with_id = |id: &str| {
        app.client
            .get(app.url("/healthz"))
            .header("x-request-id", id.to_owned())
            .send()
    };
    let kept = with_id("trace-01HZX.abc:42").await.unwrap();
    assert_eq!(header(&kept, "x-request-id"), "trace-01HZX.abc:42");
    for bad in ["a".repeat(8192), "has spaces and \"quotes\"".to_owned()] {
        let r = with_id(&bad).await.unwrap();
        let id = header(&r, "x-request-id");
        assert_ne!(id, bad);
        assert_eq!(id.len(), 36, "a fresh UUID instead: {id}");
    }
    app.stop().await;
}

/// Sends raw bytes and returns the first response line.
async fn raw_status_line(app: &TestApp, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("an answer")
        .unwrap();
    String::from_utf8_lossy(&buf[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn two_hosts_oversized_expectations_and_unknown_expectations_are_refused_up_front() {
    let app = app().env("SPORTSGATE_ADMIN_TOKEN", ADMIN_TOKEN).spawn().await;
    let line = raw_status_line(&app, b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").await;
    assert!(line.starts_with("HTTP/1.1 400"), "{line}");
    // The body is never sent: the answer must come without `100 Continue`.
    let request = format!(
        "POST /admin/v1/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: 1048576\r\nExpect: 100-continue\r\n\r\n"
    );
    let line = raw_status_line(&app, request.as_bytes()).await;
    assert!(line.starts_with("HTTP/1.1 413"), "{line}");
    let line = raw_status_line(&app, b"GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n").await;
    assert!(line.starts_with("HTTP/1.1 417"), "{line}");
    app.stop().await;
}

#[tokio::test]
async fn metrics_need_their_token_when_one_is_set() {
    let token = "metrics-token-0123456789";
    let app = app().env("SPORTSGATE_METRICS_TOKEN", token).spawn().await;
    assert_eq!(app.get("/metrics").await.status(), StatusCode::UNAUTHORIZED);
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    assert!(right.text().await.unwrap().contains("sportsgate_"));
    app.stop().await;
}

#[tokio::test]
async fn metrics_on_their_own_listener_are_gone_from_the_api_listener() {
    let app = app().env("SPORTSGATE_METRICS_LISTEN", "127.0.0.1:0").spawn().await;
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND);
    let metrics_addr = app.metrics_addr.expect("a metrics listener");
    let r = app
        .client
        .get(format!("http://{metrics_addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    app.stop().await;
}

/// A fresh PostgreSQL schema reached through a [`FaultyProxy`], and an app builder using it
/// with the admin token set.
async fn behind_faulty_proxy() -> (PgSchema, FaultyProxy, TestAppBuilder) {
    let schema = PgSchema::create().await;
    let (proxy, through_proxy) = FaultyProxy::in_front_of(schema.url());
    let builder = app()
        .env("SPORTSGATE_DATABASE_URL", &through_proxy)
        .env("SPORTSGATE_ADMIN_TOKEN", ADMIN_TOKEN);
    (schema, proxy, builder)
}

#[tokio::test]
async fn a_hanging_database_delays_no_request_past_its_deadline_and_counts_catch_up_afterwards() {
    let (schema, proxy, builder) = behind_faulty_proxy().await;
    let app = builder
        .env("SPORTSGATE_STORE_TIMEOUT", "500ms")
        .env("SPORTSGATE_ANONYMOUS_PLAN", "anonymous")
        .spawn()
        .await;
    app.mock_espn_scoreboard("football/nfl", NFL_WEEK11).await;
    let key = create_key(&app, "through-outage", "free").await;
    assert_eq!(get_as(&app, "/v1/leagues", &key.token).await.status(), StatusCode::OK);

    proxy.set(Fault::Stall);
    let timed = |started: Instant| {
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(2),
            "answered within the store deadline: {took:?}"
        );
    };
    for _ in 0..3 {
        let started = Instant::now();
        let r = get_as(&app, "/v1/leagues/nfl/games", &key.token).await;
        assert_eq!(r.status(), StatusCode::OK, "a verified key keeps working");
        timed(started);
    }
    for (path, keyed) in [("/v1/me", false), ("/v1/me/history", true)] {
        let started = Instant::now();
        let r = if keyed {
            get_as(&app, path, &key.token).await
        } else {
            app.get(path).await
        };
        assert_eq!(problem(r, 503).await["type"], "/problems/store-unavailable", "{path}");
        timed(started);
    }
    for path in ["/admin/v1/keys", "/admin/v1/usage"] {
        let started = Instant::now();
        let r = admin(&app, Method::GET, path).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        timed(started);
    }
    let started = Instant::now();
    assert_eq!(app.get("/readyz").await.status(), StatusCode::SERVICE_UNAVAILABLE);
    timed(started);

    proxy.set(Fault::None);
    // The buffered counts reach the database at the next flushes, the retried batch once.
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if stored_usage(&schema, &format!("key:{}", key.id)).await >= 4 {
            break;
        }
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        stored_usage(&schema, &format!("key:{}", key.id)).await,
        4,
        "one before, three during the outage, none twice"
    );
    let me = get_as(&app, "/v1/me", &key.token).await;
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["quota"]["used"], 4, "{me}");
    app.stop().await;
}

#[tokio::test]
async fn the_request_deadline_bounds_what_no_shorter_deadline_does() {
    let (_schema, proxy, builder) = behind_faulty_proxy().await;
    let app = builder
        .env("SPORTSGATE_STORE_TIMEOUT", "10s")
        .env("SPORTSGATE_REQUEST_TIMEOUT", "1s")
        .env("SPORTSGATE_UPSTREAM_BUDGET", "500ms")
        .spawn()
        .await;
    proxy.set(Fault::Stall);
    let started = Instant::now();
    let r = admin(&app, Method::GET, "/admin/v1/keys").send().await.unwrap();
    assert_eq!(problem(r, 504).await["type"], "/problems/request-timeout");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    proxy.set(Fault::None);
    app.stop().await;
}
