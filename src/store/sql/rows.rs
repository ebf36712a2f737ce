//! Conversions between rows and domain types. Anything that does not convert back is
//! [`StoreError::Corrupt`], never a panic.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Decode, Row, Type};

use crate::domain::api_key::{ApiKeyRecord, KeyId, SecretHash};
use crate::store::{HistoryEntry, StoreError, UsageKey, UsageRow};

const DAY_FORMAT: &str = "%Y-%m-%d";

pub(super) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(super) fn from_ms(ms: i64, what: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::Corrupt(format!("{what} is out of range")))
}

pub(super) fn day_text(day: NaiveDate) -> String {
    day.format(DAY_FORMAT).to_string()
}

fn parse_day(text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, DAY_FORMAT)
        .map_err(|_| StoreError::Corrupt(format!("a usage day is not YYYY-MM-DD: {:?}", short(text))))
}

/// Counts beyond `i64::MAX` saturate (the database columns are signed).
pub(super) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) fn to_u64(n: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("{what} is negative")))
}

pub(super) fn get<'r, T>(row: &'r AnyRow, column: &str) -> Result<T, StoreError>
where
    T: Decode<'r, Any> + Type<Any>,
{
    row.try_get(column)
        .map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
}

fn get_time(row: &AnyRow, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    get::<Option<i64>>(row, column)?.map(|t| from_ms(t, column)).transpose()
}

pub(super) fn key_from_row(row: &AnyRow) -> Result<ApiKeyRecord, StoreError> {
    let raw_id: String = get(row, "id")?;
    let id = KeyId::parse(&raw_id)
        .ok_or_else(|| StoreError::Corrupt(format!("an API key has a malformed id: {:?}", short(&raw_id))))?;
    Ok(ApiKeyRecord {
        id,
        name: get(row, "name")?,
        plan: get(row, "plan")?,
        secret_hash: SecretHash(get(row, "secret_hash")?),
        created_at: from_ms(get(row, "created_at")?, "created_at")?,
        last_used_at: get_time(row, "last_used_at")?,
        expires_at: get_time(row, "expires_at")?,
        revoked_at: get_time(row, "revoked_at")?,
    })
}

pub(super) fn usage_from_row(row: &AnyRow) -> Result<UsageRow, StoreError> {
    let day: String = get(row, "day")?;
    Ok(UsageRow {
        key: UsageKey {
            subject: get(row, "subject")?,
            day: parse_day(&day)?,
            route: get(row, "route")?,
        },
        count: to_u64(get(row, "count")?, "a usage count")?,
    })
}

pub(super) fn history_from_row(row: &AnyRow) -> Result<HistoryEntry, StoreError> {
    let status: i64 = get(row, "status")?;
    Ok(HistoryEntry {
        key_id: get(row, "key_id")?,
        at: from_ms(get(row, "at")?, "a history time")?,
        method: get(row, "method")?,
        request: get(row, "request")?,
        status: u16::try_from(status)
            .map_err(|_| StoreError::Corrupt(format!("a history status is out of range: {status}")))?,
    })
}

fn short(text: &str) -> String {
    text.chars().take(40).collect()
}
