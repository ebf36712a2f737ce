//! Opening the pool: URL checks, per-backend pool sizes and SQLite pragmas.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection, Executor, Row};

use super::errors::{db_error, truncate};
use crate::store::StoreError;

/// How long the first connection may take before `connect` gives up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a query waits for a free pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5000;
const SQLITE_POOL_SIZE: u32 = 5;
const POSTGRES_POOL_SIZE: u32 = 10;

const EXPECTED: &str = "expected sqlite://PATH, sqlite::memory: or postgres://USER:PASSWORD@HOST:PORT/DATABASE";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub(super) fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// What the URL asks for, with the driver URL to hand to sqlx.
#[derive(Debug)]
struct Target {
    backend: Backend,
    url: String,
    in_memory: bool,
    read_only: bool,
}

impl Target {
    fn parse(url: &str) -> Result<Self, StoreError> {
        let url = url.trim();
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Ok(Self {
                backend: Backend::Postgres,
                url: url.to_owned(),
                in_memory: false,
                read_only: false,
            });
        }
        let Some(rest) = url.strip_prefix("sqlite:") else {
            return Err(StoreError::BadUrl(format!(
                "unsupported database URL scheme ({EXPECTED})"
            )));
        };
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mode = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "mode")
            .map(|(_, v)| v.into_owned());
        let in_memory = path == ":memory:" || mode.as_deref() == Some("memory");
        if path.is_empty() && !in_memory {
            return Err(StoreError::BadUrl(format!("the SQLite URL names no file ({EXPECTED})")));
        }
        // Normalise to `sqlite://PATH?…` (but `sqlite::memory:`, as `sqlite://:memory:` is no
        // valid URL); create the file unless the URL chose a mode itself.
        let mut driver_url = if path == ":memory:" {
            format!("sqlite:{rest}")
        } else {
            format!("sqlite://{rest}")
        };
        if mode.is_none() && !in_memory {
            driver_url.push(if query.is_empty() { '?' } else { '&' });
            driver_url.push_str("mode=rwc");
        }
        Ok(Self {
            backend: Backend::Sqlite,
            url: driver_url,
            in_memory,
            read_only: mode.as_deref() == Some("ro"),
        })
    }

    fn pool_options(&self) -> AnyPoolOptions {
        let options = AnyPoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT);
        match self.backend {
            Backend::Postgres => options.max_connections(POSTGRES_POOL_SIZE),
            // `Any` re-parses the URL for every new connection and sqlx names each parsed
            // `:memory:` database afresh, so a second connection would see another, empty
            // database: keep exactly one, forever.
            Backend::Sqlite if self.in_memory => options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None),
            Backend::Sqlite => options.max_connections(SQLITE_POOL_SIZE).after_connect(|conn, _meta| {
                Box::pin(async move {
                    // sqlx's SQLite defaults already match; set explicitly so they never drift.
                    // A 512 KiB page cache per connection (SQLite's default is 2 MiB): the
                    // tables are small and hot rows are cached in memory above the store.
                    conn.execute(
                        format!(
                            "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA foreign_keys = ON; \
                             PRAGMA cache_size = -512"
                        )
                        .as_str(),
                    )
                    .await?;
                    Ok(())
                })
            }),
        }
    }
}

/// Checks the URL, makes one connection (so an unreachable database fails now, with the
/// real reason rather than a pool timeout), switches a SQLite file to WAL, then opens the pool.
pub(super) async fn open(url: &str) -> Result<(AnyPool, Backend), StoreError> {
    sqlx::any::install_default_drivers();
    let target = Target::parse(url)?;
    let options = AnyConnectOptions::from_str(&target.url)
        .map_err(|_| StoreError::BadUrl(format!("the database URL could not be parsed ({EXPECTED})")))?;

    let mut probe = tokio::time::timeout(CONNECT_TIMEOUT, AnyConnection::connect_with(&options))
        .await
        .map_err(|_| StoreError::Unavailable("timed out connecting to the database".into()))?
        .map_err(|e| connect_error(e, target.backend))?;
    if target.backend == Backend::Sqlite && !target.in_memory && !target.read_only {
        use_wal(&mut probe).await?;
    }
    let _ = probe.close().await;

    let pool = target
        .pool_options()
        .connect_with(options)
        .await
        .map_err(|e| connect_error(e, target.backend))?;
    Ok((pool, target.backend))
}

/// The journal mode is stored in the database file; changing it needs an exclusive lock that
/// the busy timeout does not wait for, so it is only set when not already WAL.
async fn use_wal(conn: &mut AnyConnection) -> Result<(), StoreError> {
    let row = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .map_err(db_error)?;
    let mode: String = row.try_get(0).map_err(db_error)?;
    if !mode.eq_ignore_ascii_case("wal") {
        sqlx::query("PRAGMA journal_mode = WAL")
            .fetch_one(&mut *conn)
            .await
            .map_err(db_error)?;
    }
    Ok(())
}

fn connect_error(e: sqlx::Error, backend: Backend) -> StoreError {
    match (e, backend) {
        // SQLite URLs hold no secrets, and their messages (an unknown query parameter, a bad
        // mode) help; PostgreSQL's could echo parts of the URL.
        (sqlx::Error::Configuration(e), Backend::Sqlite) => {
            StoreError::BadUrl(format!("invalid SQLite setting: {}", truncate(&e.to_string())))
        }
        (sqlx::Error::Configuration(_), Backend::Postgres) => {
            StoreError::BadUrl("the PostgreSQL URL has an invalid setting (check its query parameters)".into())
        }
        (sqlx::Error::Database(db), Backend::Sqlite) => {
            StoreError::Unavailable(format!("cannot open the SQLite database: {}", truncate(db.message())))
        }
        (e, _) => db_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_are_normalised_and_created_when_missing() {
        let t = Target::parse("sqlite://sportsgate.db").unwrap();
        assert_eq!(
            (t.backend, t.url.as_str(), t.in_memory),
            (Backend::Sqlite, "sqlite://sportsgate.db?mode=rwc", false)
        );
        assert_eq!(
            Target::parse("sqlite:data/x.db").unwrap().url,
            "sqlite://data/x.db?mode=rwc"
        );
        assert_eq!(
            Target::parse("sqlite:///tmp/x.db?cache=private").unwrap().url,
            "sqlite:///tmp/x.db?cache=private&mode=rwc"
        );
        let ro = Target::parse("sqlite://x.db?mode=ro").unwrap();
        assert!(ro.read_only && ro.url.ends_with("?mode=ro"));
        let memory = Target::parse("sqlite::memory:").unwrap();
        assert!(memory.in_memory && memory.url == "sqlite::memory:");
        assert_eq!(Target::parse("sqlite://:memory:").unwrap().url, "sqlite::memory:");
        assert!(Target::parse("sqlite://?mode=memory").unwrap().in_memory);
    }

    #[test]
    fn other_schemes_are_refused_without_echoing_the_url() {
        for url in ["mysql://u:hunter2@db/x", "hunter2", "sqlite://", ""] {
            let err = Target::parse(url).unwrap_err();
            assert!(matches!(err, StoreError::BadUrl(_)), "{url}");
            assert!(!err.to_string().contains("hunter2"));
        }
        assert_eq!(Target::parse("postgresql://h/db").unwrap().backend, Backend::Postgres);
    }
}
