//! sqlx errors mapped to [`StoreError`]s with short messages: never the URL (sqlx errors can
//! hold connection details), but the database's own message when it sent one.

use crate::store::StoreError;

/// A short description of a failed query: never the URL (sqlx errors can hold connection
/// details), but the database's own message when it sent one.
pub(super) fn db_error(e: sqlx::Error) -> StoreError {
    use sqlx::Error as E;
    match e {
        E::Database(db) => {
            let code = db.code().map(|c| format!(" [{c}]")).unwrap_or_default();
            StoreError::Unavailable(format!("{}{code}", truncate(db.message())))
        }
        E::Io(io) => StoreError::Unavailable(format!("connection failed: {}", io.kind())),
        E::Tls(_) => StoreError::Unavailable("TLS negotiation failed".into()),
        E::Protocol(_) => {
            StoreError::Unavailable("unexpected reply from the database server (is it PostgreSQL?)".into())
        }
        E::PoolTimedOut => StoreError::Unavailable("timed out waiting for a database connection".into()),
        E::PoolClosed => StoreError::Unavailable("the connection pool is closed".into()),
        E::WorkerCrashed => StoreError::Unavailable("the SQLite worker thread crashed".into()),
        E::Configuration(_) => StoreError::BadUrl("the database settings are invalid".into()),
        e @ (E::ColumnDecode { .. }
        | E::Decode(_)
        | E::ColumnNotFound(_)
        | E::ColumnIndexOutOfBounds { .. }
        | E::TypeNotFound { .. }
        | E::AnyDriverError(_)) => StoreError::Corrupt(truncate(&e.to_string())),
        E::Migrate(m) => migrate_error(*m),
        _ => StoreError::Unavailable("database error".into()),
    }
}

pub(super) fn migrate_error(e: sqlx::migrate::MigrateError) -> StoreError {
    use sqlx::migrate::MigrateError as M;
    let inner = |e: sqlx::Error| match db_error(e) {
        StoreError::Unavailable(m) | StoreError::Corrupt(m) | StoreError::BadUrl(m) | StoreError::Migration(m) => m,
        StoreError::Conflict(m) => format!("{m} already exists"),
    };
    StoreError::Migration(match e {
        M::Execute(e) => inner(e),
        M::ExecuteMigration(e, version) => format!("migration {version}: {}", inner(e)),
        M::Source(_) => "the migrations could not be read".into(),
        other => other.to_string(),
    })
}

pub(super) fn truncate(message: &str) -> String {
    const MAX: usize = 300;
    if message.chars().count() <= MAX {
        message.to_owned()
    } else {
        format!("{}…", message.chars().take(MAX).collect::<String>())
    }
}
