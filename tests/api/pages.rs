//! The web pages at the HTTP level: `/` and `/admin` served from the binary with their
//! assets, a strict Content-Security-Policy and the other page headers, ETag revalidation,
//! no path escapes, never counted against a plan; and the startup log line naming the URL.

use reqwest::StatusCode;

use crate::helpers::*;

const PAGES: [&str; 2] = ["/", "/admin"];

/// `src`/`href` values of a page that point at its own assets.
fn asset_links(html: &str) -> Vec<String> {
    html.split(['"', '\''])
        .filter(|part| part.starts_with("/assets/"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn both_pages_and_their_assets_come_from_the_binary_with_a_strict_csp() {
    // No admin token: the dashboard page still loads and tells the admin API is off.
    let app = spawn_app().await;
    for page in PAGES {
        let response = app.get(page).await;
        assert_eq!(response.status(), StatusCode::OK, "{page}");
        assert_eq!(header(&response, "content-type"), "text/html; charset=utf-8");
        let csp = header(&response, "content-security-policy");
        for directive in [
            "default-src 'self'",
            "script-src 'self';",
            "style-src 'self';",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(directive), "{page}: {directive} in {csp}");
        }
        assert!(!csp.contains("unsafe") && !csp.contains("http"), "{csp}");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        assert_eq!(header(&response, "x-frame-options"), "DENY");
        assert_eq!(header(&response, "referrer-policy"), "no-referrer");
        assert!(header(&response, "ratelimit").is_empty(), "pages are not metered");
        let html = response.text().await.unwrap();
        assert!(!html.contains("style="), "{page}: no inline style");
        assert!(
            html.matches("<script").count() == html.matches("<script type=\"module\" src=\"/assets/").count(),
            "{page}: every script is a file of this origin"
        );
        let links = asset_links(&html);
        assert!(links.len() >= 3, "{page}: {links:?}");
        for link in links {
            let asset = app.get(&link).await;
            assert_eq!(asset.status(), StatusCode::OK, "{link}");
            assert!(!header(&asset, "content-security-policy").is_empty(), "{link}");
            assert_eq!(header(&asset, "x-content-type-options"), "nosniff");
            let expected = match link.rsplit('.').next() {
                Some("js") => "text/javascript; charset=utf-8",
                Some("css") => "text/css; charset=utf-8",
                Some("svg") => "image/svg+xml",
                other => panic!("unexpected asset type {other:?}"),
            };
            assert_eq!(header(&asset, "content-type"), expected, "{link}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn pages_revalidate_with_an_etag_and_unknown_or_escaping_asset_paths_are_404s() {
    let app = spawn_app().await;
    let first = app.get("/assets/scoreboard.js").await;
    assert_eq!(header(&first, "cache-control"), "no-cache");
    let etag = header(&first, "etag");
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    let again = app
        .client
        .get(app.url("/assets/scoreboard.js"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    for path in [
        "/assets/nope.js",
        "/assets/..%2FCargo.toml",
        "/assets/../Cargo.toml",
        "/assets/README",
        "/index.html",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(header(&r, "content-type"), "application/problem+json", "{path}");
    }
    drop(first);
    app.stop().await;
}

#[tokio::test]
async fn admin_with_a_trailing_slash_redirects_to_the_dashboard() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client.get(app.url("/admin/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(header(&r, "location"), "/admin");
    drop((client, r));
    app.stop().await;
}

#[tokio::test]
async fn pages_are_never_counted_against_the_anonymous_plan() {
    let app = app().env("SPORTSGATE_ANONYMOUS_PLAN", "anonymous").spawn().await;
    // The anonymous burst is 10.
    for _ in 0..25 {
        assert_eq!(app.get("/").await.status(), StatusCode::OK);
        assert_eq!(app.get("/assets/app.css").await.status(), StatusCode::OK);
    }
    app.stop().await;
}

#[test]
fn no_page_asset_refers_to_another_origin() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/web");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let outside: Vec<&str> = text
            .match_indices("http")
            .map(|(i, _)| &text[i..(i + 40).min(text.len())])
            .filter(|s| s.starts_with("http://") || s.starts_with("https://"))
            .filter(|s| !s.starts_with("http://www.w3.org/2000/svg"))
            .collect();
        assert!(outside.is_empty(), "{} refers to {outside:?}", path.display());
    }
}

#[tokio::test]
async fn the_startup_log_line_names_the_pages_to_open() {
    let app = spawn_binary(&[("SPORTSGATE_PROVIDER", "replay")]);
    let lines = wait_for_log_line(&app, "listening", std::time::Duration::from_secs(5)).await;
    let line: serde_json::Value = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["message"] == "listening")
        .expect("a listening line");
    assert_eq!(line["url"], format!("{}/", app.base));
    assert_eq!(line["admin"], format!("{}/admin", app.base));
    let page = reqwest::get(line["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
}
