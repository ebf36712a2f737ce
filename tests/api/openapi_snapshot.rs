//! The OpenAPI document is checked in (`tests/data/openapi.json`), so every API change shows
//! up in review. After an intended change: `UPDATE_SNAPSHOTS=1 cargo test --test api openapi`.

use chrono::Datelike;
use sportsgate::domain::calendar::years_pattern;

use crate::helpers::*;

#[tokio::test]
async fn the_openapi_document_matches_the_reviewed_snapshot() {
    let app = spawn_app().await;
    let (status, doc) = app.get_json("/openapi.json").await;
    assert_eq!(status, 200);
    // The years a date may name move with the calendar; the snapshot names them by role.
    let year = chrono::Utc::now().year();
    let rendered = (serde_json::to_string_pretty(&doc).unwrap() + "\n")
        .replace(
            &json_escaped(&years_pattern(1900, year + 2)),
            "<1900 to two years ahead>",
        )
        .replace(&json_escaped(&years_pattern(year + 1, 9999)), "<next year to 9999>");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/openapi.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &rendered).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == rendered,
        "the OpenAPI document changed; review it and run UPDATE_SNAPSHOTS=1 cargo test --test api openapi\n\
         (first differing line: {:?})",
        expected.lines().zip(rendered.lines()).find(|(a, b)| a != b)
    );
    app.stop().await;
}

fn json_escaped(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap();
    quoted[1..quoted.len() - 1].to_owned()
}
