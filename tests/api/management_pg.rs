//! The API-management tests whose storage matters, on PostgreSQL (a fresh schema per test,
//! `support/pg.rs`): the same bodies as the SQLite runs in `management.rs`, plus `migrate`.

use sqlx::{Connection, PgConnection};

use crate::helpers::*;
use crate::management::{Database, key_lifecycle, spent_quota_survives_a_graceful_restart};
use crate::pg::{PgSchema, server_url};

#[tokio::test]
async fn on_postgres_keys_work_from_either_header_and_bad_revoked_or_expired_keys_get_the_same_401() {
    key_lifecycle(Database::postgres().await).await;
}

#[tokio::test]
async fn spent_quota_survives_a_graceful_restart_on_postgres() {
    spent_quota_survives_a_graceful_restart(Database::postgres().await).await;
}

#[tokio::test]
async fn cli_migrate_exits_0_against_a_postgres_schema_and_creates_the_tables_there() {
    let schema = PgSchema::create().await;
    let out = run_binary(&["migrate"], &[("SPORTSGATE_DATABASE_URL", schema.url())]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mut conn = PgConnection::connect(&server_url()).await.expect("connect");
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1")
            .bind(schema.name())
            .fetch_all(&mut conn)
            .await
            .expect("list tables");
    let _ = conn.close().await;
    for table in ["api_keys", "usage", "preferences", "history"] {
        assert!(tables.iter().any(|t| t == table), "{table} missing from {tables:?}");
    }
    let again = run_binary(&["migrate"], &[("SPORTSGATE_DATABASE_URL", schema.url())]);
    assert_eq!(again.status.code(), Some(0), "migrating twice is fine");
}
