//! PostgreSQL for integration tests: every test gets a fresh schema, dropped when the guard
//! goes (also when the test panics). Include with
//! `#[path = "support/pg.rs"] mod pg;` (from a test crate's root file).
//!
//! The server comes from `SPORTSGATE_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). An unreachable server fails the test: CI starts
//! PostgreSQL, so a skip would only hide a broken setup.
#![allow(dead_code)]

use std::time::Duration;

use sportsgate::store::Store;
use sportsgate::store::sql::SqlStore;
use sqlx::{Connection, Executor, PgConnection};

pub const DEFAULT_SERVER_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The test server's URL (`SPORTSGATE_TEST_POSTGRES_URL`, or [`DEFAULT_SERVER_URL`]).
pub fn server_url() -> String {
    std::env::var("SPORTSGATE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_SERVER_URL.to_owned())
}

/// A schema `t_<random>` on the test server, dropped (with everything in it) on drop.
pub struct PgSchema {
    name: String,
    url: String,
    server_url: String,
}

impl PgSchema {
    /// Creates the schema. Panics when the server cannot be reached.
    pub async fn create() -> Self {
        let server_url = server_url();
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut conn = tokio::time::timeout(Duration::from_secs(10), PgConnection::connect(&server_url))
            .await
            .unwrap_or_else(|_| panic!("{}", unreachable("timed out")))
            .unwrap_or_else(|e| panic!("{}", unreachable(&e.to_string())));
        conn.execute(format!("CREATE SCHEMA {name}").as_str())
            .await
            .expect("CREATE SCHEMA");
        let _ = conn.close().await;
        let separator = if server_url.contains('?') { '&' } else { '?' };
        // libpq's `options`: every connection opened with this URL starts with
        // `SET search_path = <schema>`, so unqualified tables (and sqlx's migration table) live there.
        let url = format!("{server_url}{separator}options=-c%20search_path%3D{name}");
        Self { name, url, server_url }
    }

    /// The schema's name (`t_` and 32 hex digits).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A database URL whose connections work in this schema: give it to `SqlStore::connect`,
    /// or to `SPORTSGATE_DATABASE_URL` of a server under test.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for PgSchema {
    /// Best effort: on a thread of its own (a runtime cannot be blocked on from inside
    /// another), with a short timeout; errors are ignored.
    fn drop(&mut self) {
        let server_url = self.server_url.clone();
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name);
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            runtime.block_on(async {
                let drop_schema = async {
                    let mut conn = PgConnection::connect(&server_url).await?;
                    conn.execute(sql.as_str()).await?;
                    conn.close().await
                };
                let _ = tokio::time::timeout(Duration::from_secs(10), drop_schema).await;
            });
        })
        .join();
    }
}

/// A migrated [`SqlStore`] in a fresh schema. Keep the guard as long as the store is used.
pub async fn store() -> (SqlStore, PgSchema) {
    let schema = PgSchema::create().await;
    let store = SqlStore::connect(schema.url())
        .await
        .expect("connect to the test schema");
    store.migrate().await.expect("migrate the test schema");
    (store, schema)
}

/// Requests of `subject` the schema's usage table holds, read past the app.
pub async fn stored_usage(schema: &PgSchema, subject: &str) -> i64 {
    let mut conn = PgConnection::connect(schema.url()).await.expect("connect");
    let total: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM usage WHERE subject = $1")
        .bind(subject)
        .fetch_one(&mut conn)
        .await
        .expect("usage total");
    let _ = conn.close().await;
    total
}

fn unreachable(reason: &str) -> String {
    format!(
        "PostgreSQL for tests is unreachable ({reason}); start it or point SPORTSGATE_TEST_POSTGRES_URL at one \
         (default {DEFAULT_SERVER_URL})"
    )
}
