//! The SQL store: one implementation of [`Store`] for SQLite and PostgreSQL through sqlx's
//! `Any` driver, with one set of portable migrations (`migrations/` at the repository root).
//!
//! Portability rules the queries keep to:
//! - only types `Any` maps on both backends: BIGINT/INTEGER (read as `i64`), TEXT (`String`)
//!   and NULL (`Option`); times are Unix milliseconds, days `YYYY-MM-DD` text (whose text
//!   order is time order), so chrono, `u64` and `bool` columns never reach the driver;
//! - `$n` placeholders (SQLite accepts them too; `Any` does not rewrite placeholders, which is
//!   also why `sqlx::QueryBuilder<Any>` — it writes `?` — is not used);
//! - aggregates are cast back to BIGINT (PostgreSQL's `SUM(bigint)` is NUMERIC, which `Any`
//!   cannot decode);
//! - `INSERT … ON CONFLICT … DO UPDATE … RETURNING`, window functions and row values, which
//!   both support (SQLite ≥ 3.35; the bundled one is newer).
//!
//! Times are kept to the millisecond: sub-millisecond parts of stored times are dropped.

mod connect;
mod errors;
mod rows;

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AnyPool;

use self::connect::Backend;
use self::errors::{db_error, migrate_error};
use self::rows::{day_text, get, history_from_row, key_from_row, ms, to_i64, to_u64};
use super::{DailyUsage, HistoryEntry, KeyFingerprint, KeyPatch, Store, StoreError, UsageFilter, UsageKey, UsageRow};
use crate::domain::api_key::ApiKeyRecord;
use crate::domain::preferences::Preferences;

/// Rows returned when a caller passes a limit of 0.
const DEFAULT_LIMIT: u32 = 1000;
/// Rows written per multi-row INSERT (4 parameters each: far below either backend's limit).
const ROWS_PER_INSERT: usize = 100;

const KEY_COLUMNS: &str = "id, name, plan, secret_hash, created_at, last_used_at, expires_at, revoked_at";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The store over a pool of SQLite or PostgreSQL connections.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

impl SqlStore {
    /// Opens a pool (without migrating; see [`Store::migrate`]).
    ///
    /// Accepts `sqlite://PATH` or `sqlite:PATH` (the file is created when missing; WAL journal,
    /// 5 s busy timeout, foreign keys on), `sqlite::memory:` (one private in-memory database,
    /// served by a single connection) and `postgres://…` / `postgresql://…` (query parameters
    /// such as `sslmode` or `options` are passed through). One connection is made at once, so
    /// an unreachable database fails here with [`StoreError::Unavailable`] instead of at the
    /// first query. No error message holds the URL or its password.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let (pool, backend) = connect::open(url).await?;
        Ok(Self { pool, backend })
    }

    /// `"sqlite"` or `"postgres"`, for logs and `check`.
    pub fn backend(&self) -> &'static str {
        self.backend.name()
    }

    /// Closes every connection, waiting for those in use to come back. With SQLite the last
    /// close checkpoints the write-ahead log into the database file.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_error)?;
        Ok(())
    }

    /// Idempotent; on PostgreSQL concurrent runs (several replicas starting) wait on an
    /// advisory lock, so each migration is applied once.
    async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await.map_err(migrate_error)
    }

    /// [`StoreError::Conflict`] when the id is taken.
    async fn insert_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError> {
        let done = sqlx::query(
            "INSERT INTO api_keys (id, name, plan, secret_hash, created_at, last_used_at, expires_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
        )
        .bind(key.id.as_str())
        .bind(key.name.as_str())
        .bind(key.plan.as_str())
        .bind(key.secret_hash.0.as_str())
        .bind(ms(key.created_at))
        .bind(key.last_used_at.map(ms))
        .bind(key.expires_at.map(ms))
        .bind(key.revoked_at.map(ms))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!("API key {}", key.id)));
        }
        Ok(())
    }

    async fn find_key(&self, id: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(key_from_row).transpose()
    }

    /// Oldest first.
    async fn list_keys(&self) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at, id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(db_error)?;
        rows.iter().map(key_from_row).collect()
    }

    /// One statement (`UPDATE … RETURNING`), so concurrent patches never mix; a revoked key
    /// is left as it is.
    async fn update_key(&self, id: &str, patch: &KeyPatch) -> Result<Option<ApiKeyRecord>, StoreError> {
        let sql = format!(
            "UPDATE api_keys SET name = COALESCE($1, name), plan = COALESCE($2, plan), \
             expires_at = CASE WHEN $3 = 1 THEN $4 ELSE expires_at END, version = version + 1 \
             WHERE id = $5 AND revoked_at IS NULL RETURNING {KEY_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(patch.name.as_deref())
            .bind(patch.plan.as_deref())
            .bind(i64::from(patch.expires_at.is_some()))
            .bind(patch.expires_at.flatten().map(ms))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(key_from_row).transpose()
    }

    async fn revoke_key(&self, id: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1), version = version + 1 WHERE id = $2",
        )
        .bind(ms(at))
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected() > 0)
    }

    /// Unknown ids are ignored; a stored time later than the given one is kept.
    async fn touch_keys(&self, used: &[(String, DateTime<Utc>)]) -> Result<(), StoreError> {
        // One update per key, in id order (the same lock order in every replica: no deadlocks).
        let mut latest: BTreeMap<&str, i64> = BTreeMap::new();
        for (id, at) in used {
            let at = ms(*at);
            latest
                .entry(id.as_str())
                .and_modify(|t| *t = (*t).max(at))
                .or_insert(at);
        }
        if latest.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        for (id, at) in latest {
            sqlx::query(
                "UPDATE api_keys SET last_used_at = $1 \
                 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)",
            )
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)
    }

    /// Deltas for the same row are summed first; rows are written in key order (the same lock
    /// order in every replica) by multi-row upserts, all in one transaction.
    /// Applies the batch once: its id is recorded in the same transaction, so a retry of a
    /// batch whose commit went through changes nothing.
    async fn add_usage(&self, batch_id: &str, deltas: &[(UsageKey, u64)]) -> Result<(), StoreError> {
        let mut merged: BTreeMap<(&str, String, &str), i64> = BTreeMap::new();
        for (key, delta) in deltas.iter().filter(|(_, d)| *d > 0) {
            let slot = merged
                .entry((key.subject.as_str(), day_text(key.day), key.route.as_str()))
                .or_insert(0);
            *slot = slot.saturating_add(to_i64(*delta));
        }
        if merged.is_empty() {
            return Ok(());
        }
        let rows: Vec<_> = merged.into_iter().collect();
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let first_time =
            sqlx::query("INSERT INTO usage_batches (id, applied_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING")
                .bind(batch_id)
                .bind(ms(Utc::now()))
                .execute(&mut *tx)
                .await
                .map_err(db_error)?
                .rows_affected()
                > 0;
        if !first_time {
            return tx.rollback().await.map_err(db_error);
        }
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let sql = format!(
                "INSERT INTO usage (subject, day, route, count) VALUES {} \
                 ON CONFLICT (subject, day, route) DO UPDATE SET count = usage.count + excluded.count",
                values_list(chunk.len(), 4)
            );
            let mut query = sqlx::query(&sql).persistent(false);
            for ((subject, day, route), count) in chunk {
                query = query.bind(*subject).bind(day.as_str()).bind(*route).bind(*count);
            }
            query.execute(&mut *tx).await.map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)
    }

    async fn batch_applied(&self, batch_id: &str) -> Result<bool, StoreError> {
        let found = sqlx::query("SELECT id FROM usage_batches WHERE id = $1")
            .bind(batch_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(found.is_some())
    }

    async fn prune_usage_batches(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM usage_batches WHERE applied_at < $1")
            .bind(ms(before))
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(done.rows_affected())
    }

    async fn key_fingerprint(&self) -> Result<KeyFingerprint, StoreError> {
        let row = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(version), 0) AS BIGINT) AS v FROM api_keys",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(KeyFingerprint {
            keys: to_u64(get(&row, "n")?, "a key count")?,
            versions: to_u64(get(&row, "v")?, "a version sum")?,
        })
    }

    async fn usage_total(&self, subject: &str, from: NaiveDate, to: NaiveDate) -> Result<u64, StoreError> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) AS total FROM usage \
             WHERE subject = $1 AND day >= $2 AND day <= $3",
        )
        .bind(subject)
        .bind(day_text(from))
        .bind(day_text(to))
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)?;
        to_u64(get(&row, "total")?, "a usage total")
    }

    /// Newest day first, then by subject and route; a limit of 0 means 1000 rows.
    async fn usage_totals(
        &self,
        subjects: &[String],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<std::collections::HashMap<String, u64>, StoreError> {
        let mut totals = std::collections::HashMap::new();
        for chunk in subjects.chunks(ROWS_PER_INSERT) {
            let placeholders: Vec<String> = (3..3 + chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT subject, CAST(COALESCE(SUM(count), 0) AS BIGINT) AS total FROM usage \
                 WHERE day >= $1 AND day <= $2 AND subject IN ({}) GROUP BY subject",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql)
                .persistent(false)
                .bind(day_text(from))
                .bind(day_text(to));
            for subject in chunk {
                query = query.bind(subject.as_str());
            }
            for row in query.fetch_all(&self.pool).await.map_err(db_error)? {
                let subject: String = get(&row, "subject")?;
                totals.insert(subject, to_u64(get(&row, "total")?, "a usage total")?);
            }
        }
        Ok(totals)
    }

    async fn usage_rows(&self, filter: &UsageFilter) -> Result<Vec<UsageRow>, StoreError> {
        let mut conditions = Vec::new();
        let mut params: Vec<String> = Vec::new();
        for (column, op, value) in [
            ("subject", "=", filter.subject.clone()),
            ("day", ">=", filter.from.map(day_text)),
            ("day", "<=", filter.to.map(day_text)),
        ] {
            if let Some(value) = value {
                params.push(value);
                conditions.push(format!("{column} {op} ${}", params.len()));
            }
        }
        let where_clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let sql = format!(
            "SELECT subject, day, route, count FROM usage {where_clause} \
             ORDER BY day DESC, subject, route LIMIT ${}",
            params.len() + 1
        );
        let mut query = sqlx::query(&sql);
        for value in &params {
            query = query.bind(value.as_str());
        }
        let rows = query
            .bind(i64::from(limit_or_default(filter.limit)))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(rows::usage_from_row).collect()
    }

    async fn daily_usage(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyUsage>, StoreError> {
        let rows = sqlx::query(
            "SELECT CASE WHEN subject LIKE 'ip:%' THEN 'anonymous' ELSE subject END AS who, day, \
             CAST(SUM(count) AS BIGINT) AS total FROM usage WHERE day >= $1 AND day <= $2 \
             GROUP BY who, day ORDER BY day, who",
        )
        .bind(day_text(from))
        .bind(day_text(to))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(rows::daily_usage_from_row).collect()
    }

    /// One statement: the upsert's `WHERE` is evaluated under the row lock, so replicas sharing
    /// the database can never spend past `limit` between them.
    async fn spend_budget(&self, provider: &str, month: &str, limit: Option<u64>) -> Result<bool, StoreError> {
        if limit == Some(0) {
            return Ok(false);
        }
        let row = sqlx::query(
            "INSERT INTO upstream_budget (provider, month, spent) VALUES ($1, $2, 1) \
             ON CONFLICT (provider, month) DO UPDATE SET spent = upstream_budget.spent + 1 \
             WHERE upstream_budget.spent < $3 \
             RETURNING spent",
        )
        .bind(provider)
        .bind(month)
        .bind(limit.map_or(i64::MAX, to_i64))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(row.is_some())
    }

    async fn budget_spent(&self, provider: &str, month: &str) -> Result<u64, StoreError> {
        let row = sqlx::query("SELECT spent FROM upstream_budget WHERE provider = $1 AND month = $2")
            .bind(provider)
            .bind(month)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        match row {
            Some(row) => to_u64(get(&row, "spent")?, "a budget"),
            None => Ok(0),
        }
    }

    async fn get_preferences(&self, key_id: &str) -> Result<Option<Preferences>, StoreError> {
        let row = sqlx::query("SELECT body FROM preferences WHERE key_id = $1")
            .bind(key_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        let Some(row) = row else { return Ok(None) };
        let body: String = get(&row, "body")?;
        serde_json::from_str(&body)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("stored preferences are not valid: {e}")))
    }

    async fn put_preferences(&self, key_id: &str, prefs: &Preferences) -> Result<(), StoreError> {
        let body = serde_json::to_string(prefs)
            .map_err(|e| StoreError::Corrupt(format!("preferences could not be encoded: {e}")))?;
        sqlx::query(
            "INSERT INTO preferences (key_id, body, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(key_id)
        .bind(body)
        .bind(ms(Utc::now()))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    /// All entries in one transaction.
    async fn add_history(&self, entries: &[HistoryEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        for chunk in entries.chunks(ROWS_PER_INSERT) {
            let sql = format!(
                "INSERT INTO history (key_id, at, method, request, status) VALUES {}",
                values_list(chunk.len(), 5)
            );
            let mut query = sqlx::query(&sql).persistent(false);
            for entry in chunk {
                query = query
                    .bind(entry.key_id.as_str())
                    .bind(ms(entry.at))
                    .bind(entry.method.as_str())
                    .bind(entry.request.as_str())
                    .bind(i64::from(entry.status));
            }
            query.execute(&mut *tx).await.map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)
    }

    /// Newest first; a limit of 0 means 1000 entries.
    async fn history(&self, key_id: &str, limit: u32) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT key_id, at, method, request, status FROM history WHERE key_id = $1 \
             ORDER BY at DESC, request DESC, status DESC LIMIT $2",
        )
        .bind(key_id)
        .bind(i64::from(limit_or_default(limit)))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(history_from_row).collect()
    }

    /// Returns how many entries were deleted. Entries are ranked per key by time (ties by
    /// request and status, the order [`Store::history`] shows); exact duplicates straddling
    /// the cut go together, so a key may keep fewer than `keep_per_key`, never more.
    async fn prune_history(&self, keep_per_key: u32, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM history WHERE at < $1 OR (key_id, at, request, status) IN ( \
                 SELECT key_id, at, request, status FROM ( \
                     SELECT key_id, at, request, status, ROW_NUMBER() OVER ( \
                         PARTITION BY key_id ORDER BY at DESC, request DESC, status DESC) AS rn \
                     FROM history) ranked \
                 WHERE rn > $2)",
        )
        .bind(ms(before))
        .bind(i64::from(keep_per_key))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected())
    }
}

fn limit_or_default(limit: u32) -> u32 {
    if limit == 0 { DEFAULT_LIMIT } else { limit }
}

/// `($1, $2, $3), ($4, $5, $6)` for 2 rows of 3 columns.
fn values_list(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let params: Vec<String> = (1..=columns).map(|c| format!("${}", r * columns + c)).collect();
            format!("({})", params.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_lists_number_parameters_row_by_row() {
        assert_eq!(values_list(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values_list(1, 1), "($1)");
    }

    #[test]
    fn a_limit_of_zero_means_the_default() {
        assert_eq!(limit_or_default(0), DEFAULT_LIMIT);
        assert_eq!(limit_or_default(7), 7);
    }
}
