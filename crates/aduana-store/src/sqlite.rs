//! The SQLite backend: the embedded default, one WAL-mode file under the data directory.
//!
//! Durability: the database runs in WAL mode with `synchronous = FULL`, so every commit fsyncs the write-ahead
//! log before it returns; a write the server has acknowledged survives a crash of the process *and* of the machine.
//! (`NORMAL` would survive a killed process but could lose the last commits on power loss.) Write transactions
//! start with `BEGIN IMMEDIATE`, taking SQLite's single write lock up front, so concurrent writers wait on the busy
//! timeout instead of failing.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    /// Closes the connections, checkpointing the write-ahead log.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Executes raw SQL, for tests that tamper with stored rows.
    #[cfg(test)]
    pub(crate) async fn execute_raw(&self, sql: &str) -> Result<(), StoreError> {
        sqlx::query(sql).execute(&self.pool).await?;
        Ok(())
    }
}

crate::sql::impl_sql_store!(SqliteStore, sqlx::Sqlite, begin_write = "BEGIN IMMEDIATE", lock_audit = "");

#[cfg(test)]
mod tests {
    use super::SqliteStore;

    /// Opens a fresh store in a temporary directory, which lives as long as the returned guard.
    async fn open() -> Option<(SqliteStore, tempfile::TempDir)> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqliteStore::open(&dir.path().join("aduana.db")).await.expect("opening the store");
        Some((store, dir))
    }

    crate::tests::store_test_suite!(open);
}
