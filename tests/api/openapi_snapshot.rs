//! The OpenAPI document is checked in (`tests/data/openapi.json`), so every API change shows
//! up in review. After an intended change: `UPDATE_SNAPSHOTS=1 cargo test --test api openapi`.

use crate::helpers::*;

#[tokio::test]
async fn the_openapi_document_matches_the_reviewed_snapshot() {
    let app = spawn_app().await;
    let (status, doc) = app.get_json("/openapi.json").await;
    assert_eq!(status, 200);
    let rendered = serde_json::to_string_pretty(&doc).unwrap() + "\n";
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
