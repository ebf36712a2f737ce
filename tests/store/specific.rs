//! Checks tied to one backend or to connecting.

use chrono::{NaiveDate, Utc};
use secrecy::ExposeSecret;
use sportsgate::domain::api_key::{IssuedKey, parse_token};
use sportsgate::store::sql::SqlStore;
use sportsgate::store::{Store, StoreError, UsageKey};
use sqlx::{AnyConnection, Connection, Row};

use crate::{new_batch, pg};

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

async fn scalar_text(url: &str, sql: &str) -> String {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await.unwrap();
    let row = sqlx::query(sql).fetch_one(&mut conn).await.unwrap();
    let _ = conn.close().await;
    row.get(0)
}

mod sqlite_file {
    use super::*;

    #[tokio::test]
    async fn a_missing_sqlite_file_is_created_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        assert!(!path.exists());
        let url = format!("sqlite://{}", path.display());
        let store = SqlStore::connect(&url).await.unwrap();
        assert_eq!(store.backend(), "sqlite");
        assert!(path.exists(), "connect creates the file");
        store.migrate().await.unwrap();
        assert_eq!(scalar_text(&url, "PRAGMA journal_mode").await, "wal");
        store.close().await;
        let also = SqlStore::connect(&format!("sqlite:{}", path.display())).await.unwrap();
        also.ping().await.unwrap();
    }

    #[tokio::test]
    async fn a_sqlite_file_keeps_its_counts_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("kept.db").display());
        let usage = UsageKey {
            subject: "key:aaaaaaaaaaaa".into(),
            day: day("2026-02-03"),
            route: "/sports".into(),
        };
        let issued = IssuedKey::generate("kept", "free", None);
        {
            let store = SqlStore::connect(&url).await.unwrap();
            store.migrate().await.unwrap();
            store.add_usage(&new_batch(), &[(usage.clone(), 41)]).await.unwrap();
            store.insert_key(&issued.record).await.unwrap();
            assert!(store.spend_budget("serpapi", "2026-02", Some(10)).await.unwrap());
            store.close().await;
        }
        let store = SqlStore::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        store.add_usage(&new_batch(), &[(usage.clone(), 1)]).await.unwrap();
        assert_eq!(
            store.usage_total(&usage.subject, usage.day, usage.day).await.unwrap(),
            42
        );
        assert_eq!(store.budget_spent("serpapi", "2026-02").await.unwrap(), 1);
        assert_eq!(
            store.find_key(issued.record.id.as_str()).await.unwrap().unwrap().name,
            "kept"
        );
    }

    #[tokio::test]
    async fn the_sqlite_file_never_contains_a_key_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.db");
        let store = SqlStore::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let mut tokens = Vec::new();
        for i in 0..20 {
            let issued = IssuedKey::generate(&format!("key {i}"), "free", Some(Utc::now()));
            store.insert_key(&issued.record).await.unwrap();
            tokens.push(issued.token.expose_secret().to_owned());
        }

        let files_hold = |needle: &str| {
            ["", "-wal", "-shm", "-journal"].iter().any(|suffix| {
                let file = path.with_file_name(format!("secrets.db{suffix}"));
                std::fs::read(file).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
            })
        };
        let check = |when: &str| {
            for token in &tokens {
                let (id, secret) = parse_token(token).unwrap();
                assert!(
                    files_hold(id.as_str()),
                    "{when}: the id is stored (so the search works)"
                );
                assert!(!files_hold(secret), "{when}: a secret is in the database files");
            }
        };
        check("with the log open");
        store.close().await;
        check("after the checkpoint on close");
    }
}

mod sqlite_memory {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn an_in_memory_database_is_one_database_for_every_query() {
        let store = SqlStore::connect("sqlite::memory:").await.unwrap();
        assert_eq!(store.backend(), "sqlite");
        store.migrate().await.unwrap();
        let usage = UsageKey {
            subject: "ip:192.0.2.7".into(),
            day: day("2026-04-01"),
            route: "/sports".into(),
        };
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (store, usage) = (store.clone(), usage.clone());
                tokio::spawn(async move { store.add_usage(&new_batch(), &[(usage, 1)]).await.unwrap() })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(
            store.usage_total(&usage.subject, usage.day, usage.day).await.unwrap(),
            20
        );
    }
}

mod postgres_schema {
    use super::*;

    #[tokio::test]
    async fn each_postgres_test_works_in_a_schema_of_its_own_that_is_dropped_afterwards() {
        let (store, schema) = pg::store().await;
        assert_eq!(store.backend(), "postgres");
        let name = schema.name().to_owned();
        assert_eq!(
            scalar_text(schema.url(), "SELECT CAST(current_schema() AS TEXT)").await,
            name
        );
        let tables = scalar_text(
            schema.url(),
            &format!(
                "SELECT CAST(string_agg(table_name, ',' ORDER BY table_name) AS TEXT) FROM information_schema.tables \
                 WHERE table_schema = '{name}'"
            ),
        )
        .await;
        assert_eq!(
            tables,
            "_sqlx_migrations,api_keys,history,preferences,upstream_budget,usage,usage_batches"
        );
        store.close().await;
        drop(schema);
        let left = scalar_text(
            &pg::server_url(),
            &format!("SELECT CAST(COUNT(*) AS TEXT) FROM pg_namespace WHERE nspname = '{name}'"),
        )
        .await;
        assert_eq!(left, "0", "the guard dropped the schema");
    }

    #[tokio::test]
    async fn two_schemas_do_not_see_each_other() {
        let (a, _sa) = pg::store().await;
        let (b, _sb) = pg::store().await;
        assert!(a.spend_budget("serpapi", "2026-01", None).await.unwrap());
        assert_eq!(b.budget_spent("serpapi", "2026-01").await.unwrap(), 0);
    }
}

mod connecting {
    use super::*;

    #[tokio::test]
    async fn an_unreachable_postgres_is_unavailable_and_the_error_hides_the_url_and_password() {
        let url = "postgres://u:hunter2@127.0.0.1:1/x";
        let err = SqlStore::connect(url).await.unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
        for shown in [err.to_string(), format!("{err:?}")] {
            for leak in ["hunter2", "postgres://", "127.0.0.1", "u:"] {
                assert!(!shown.contains(leak), "{shown:?} contains {leak:?}");
            }
        }
    }

    #[tokio::test]
    async fn a_missing_postgres_database_is_unavailable_without_echoing_the_url() {
        let base = pg::server_url();
        let url = match base.rsplit_once('/') {
            Some((server, _)) => format!("{server}/no_such_database_for_sportsgate"),
            None => panic!("unexpected test URL shape"),
        };
        let err = SqlStore::connect(&url).await.unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
        assert!(!err.to_string().contains("postgres://"), "{err}");
    }

    #[tokio::test]
    async fn urls_of_other_databases_or_bad_settings_are_refused_without_echoing_them() {
        for url in [
            "mysql://u:hunter2@127.0.0.1/x",
            "hunter2",
            "",
            "sqlite://",
            "postgres://u:hunter2@127.0.0.1:99999/x",
            "postgres://u:hunter2@127.0.0.1/x?sslmode=hunter2",
            "sqlite://hunter2.db?journal=hunter2",
        ] {
            let err = SqlStore::connect(url).await.unwrap_err();
            assert!(matches!(err, StoreError::BadUrl(_)), "{url}: {err:?}");
            assert!(!err.to_string().contains("hunter2"), "{url}: {err}");
        }
    }
}
