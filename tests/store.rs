//! The SQL store against both backends: one suite of cases (`store/cases.rs`), each run on a
//! SQLite file in a temporary directory and on PostgreSQL in a fresh schema
//! (`support/pg.rs`); plus the checks only one backend can make (`store/specific.rs`).

#[path = "support/pg.rs"]
mod pg;

#[path = "store/cases.rs"]
mod cases;
#[path = "store/specific.rs"]
mod specific;

use sportsgate::store::Store;
use sportsgate::store::sql::SqlStore;
use sqlx::{AnyConnection, Connection, Executor};
use tempfile::TempDir;

/// A batch id no other batch has.
pub fn new_batch() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A migrated store, the URL it was opened with (for raw SQL in a case) and what keeps its
/// database alive.
pub struct TestDb {
    pub store: SqlStore,
    pub url: String,
    _dir: Option<TempDir>,
    _schema: Option<pg::PgSchema>,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("store.db").display());
        let store = SqlStore::connect(&url).await.expect("open SQLite");
        store.migrate().await.expect("migrate SQLite");
        Self {
            store,
            url,
            _dir: Some(dir),
            _schema: None,
        }
    }

    pub async fn postgres() -> Self {
        let (store, schema) = pg::store().await;
        Self {
            store,
            url: schema.url().to_owned(),
            _dir: None,
            _schema: Some(schema),
        }
    }

    /// Runs statements outside the store (to plant data the store would never write).
    pub async fn raw(&self, sql: &str) {
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect(&self.url).await.expect("raw connection");
        conn.execute(sql).await.expect("raw SQL");
        let _ = conn.close().await;
    }
}

/// Declares each case once per backend: `sqlite::<case>` and `postgres::<case>`.
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let db = crate::TestDb::sqlite().await;
                    crate::cases::$case(&db).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let db = crate::TestDb::postgres().await;
                    crate::cases::$case(&db).await;
                }
            )*
        }
    };
}

suite!(
    migrating_again_changes_nothing_and_keeps_the_data,
    a_key_round_trips_through_insert_find_and_list,
    inserting_a_key_whose_id_exists_is_a_conflict,
    updating_a_key_changes_only_the_patched_fields,
    revoking_a_key_keeps_the_first_revocation_time,
    touching_keys_only_moves_last_use_forward,
    expiry_and_revocation_round_trip_and_decide_whether_a_key_is_active,
    usage_upserts_add_up_and_totals_span_days_and_months,
    a_usage_batch_larger_than_one_statement_is_written_whole,
    a_usage_batch_retried_with_its_id_is_applied_once,
    usage_totals_of_many_subjects_come_from_one_call,
    the_key_fingerprint_changes_with_every_key_change_but_last_use,
    usage_rows_follow_the_filter_newest_day_first,
    fifty_concurrent_spends_against_a_limit_of_twenty_take_exactly_twenty,
    a_budget_without_a_limit_always_spends_and_a_zero_limit_never_does,
    preferences_round_trip_and_a_second_put_replaces_the_first,
    history_is_newest_first_and_limited,
    pruning_history_keeps_the_newest_entries_per_key_and_drops_old_ones,
    corrupt_rows_are_reported_as_corrupt_not_panicked_on,
    a_stored_key_holds_only_the_hash_of_its_secret,
);
